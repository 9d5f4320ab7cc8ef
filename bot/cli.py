"""The `officebot` command: run, db upgrade, demo, check-config."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import Config, ConfigError, load_config

EXIT_CONFIG = 2
EXIT_NO_TOKEN = 3


def _config(path: str | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        print(f"officebot: config error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from exc


def _logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "apscheduler", "telegram.ext.Updater"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def cmd_check_config(args: argparse.Namespace) -> int:
    config = _config(args.config)
    print(f"{config.source}: OK (timezone {config.timezone}, language {config.language}, "
          f"database {config.database.url.split('://')[0]}, "
          f"token {'set' if config.telegram.token else 'not set'})")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from storage.migrate import upgrade

    config = _config(args.config)
    asyncio.run(upgrade(config.database.url))
    print(f"database at {config.database.url} is up to date")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    config = _config(args.config)
    if not config.telegram.token:
        print("officebot: no Telegram token (set telegram.token or OFFICEBOT_TOKEN); "
              "to try the bot without one, run `officebot demo`.", file=sys.stderr)
        return EXIT_NO_TOKEN
    _logging(args.verbose)
    from bot.app import ALLOWED_UPDATES, build_application
    from bot.clock import SystemClock
    from bot.services.container import Services
    from storage.db import Database
    from storage.migrate import upgrade

    asyncio.run(upgrade(config.database.url))
    services = Services(config, Database(config.database.url), SystemClock())
    app = build_application(config, services)
    app.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    config = _config(args.config)
    _logging(args.verbose)
    if not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)
    from bot.demo.terminal import run_terminal_demo

    return asyncio.run(run_terminal_demo(config, fresh=not args.keep))


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="officebot", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", help="config file (default: config.toml or $OFFICEBOT_CONFIG)")
    common.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser("run", parents=[common], help="run the bot (long polling)").set_defaults(
        func=cmd_run)
    demo = sub.add_parser("demo", parents=[common],
                          help="run the bot against the local emulator, no token needed")
    demo.add_argument("--keep", action="store_true", help="keep the demo database of last time")
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("check-config", parents=[common], help="validate a config file").set_defaults(
        func=cmd_check_config)
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", parents=[common], help="apply migrations").set_defaults(
        func=cmd_db_upgrade)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
