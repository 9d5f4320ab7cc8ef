"""The `officebot` command: run (polling or --webhook), demo, check-config, db upgrade,
backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import Config, ConfigError, load_config

EXIT_CONFIG = 2
EXIT_NO_TOKEN = 3
EXIT_PORT = 4
EXIT_DATABASE = 5
EXIT_BACKUP = 6
EXIT_DEMO_IN_USE = 7  # like EXIT_RUNNING: another process runs on that database
EXIT_RUNNING = 7


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
    for noisy in ("aiohttp", "apscheduler", "telegram.ext.Updater"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def cmd_check_config(args: argparse.Namespace) -> int:
    config = _config(args.config)
    print(f"{config.source}: OK (timezone {config.timezone}, language {config.language}, "
          f"database {config.database.url.split('://')[0]}, "
          f"token {'set' if config.telegram.token else 'not set'})")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.backup import BackupError, running_lock
    from storage.migrate import upgrade

    config = _config(args.config)
    try:
        # Not under a running bot: its schema would change beneath it (and `run` upgrades
        # the database itself when it starts).
        with running_lock(config.database.url):
            asyncio.run(upgrade(config.database.url))
    except BackupError as exc:
        print(f"officebot: {exc}", file=sys.stderr)
        return EXIT_RUNNING
    print(f"database at {config.database.url} is up to date")
    return 0


def _database_error(config: Config, exc: BaseException) -> int:
    from sqlalchemy.engine import make_url

    url = make_url(config.database.url)
    where = url.render_as_string(hide_password=True)
    print(f"officebot: cannot reach the database at {where}: {type(exc).__name__}: {exc}\n"
          "Is the server running and database.url right? Nothing was started.",
          file=sys.stderr)
    return EXIT_DATABASE


def cmd_run(args: argparse.Namespace) -> int:
    config = _config(args.config)
    if not config.telegram.token:
        print("officebot: no Telegram token (set telegram.token or OFFICEBOT_TOKEN); "
              "to try the bot without one, run `officebot demo`.", file=sys.stderr)
        return EXIT_NO_TOKEN
    if args.webhook and not (config.webhook.url and config.webhook.secret_token):
        print("officebot: webhook mode needs webhook.url and a secret token "
              "(webhook.secret_token or OFFICEBOT_WEBHOOK_SECRET); see docs/deploy.md.",
              file=sys.stderr)
        return EXIT_CONFIG
    _logging(args.verbose)
    from bot.app import ALLOWED_UPDATES, build_application, freeze_startup_heap
    from bot.backup import BackupError, running_lock
    from bot.clock import SystemClock
    from bot.services.container import Services
    from storage.db import Database
    from storage.migrate import upgrade

    try:
        # One bot per SQLite file; `officebot restore` waits for this lock too. Taken before
        # the upgrade: a newer version started beside a running bot must not change the
        # schema beneath it (as `officebot db upgrade` refuses to).
        with running_lock(config.database.url):
            try:
                asyncio.run(upgrade(config.database.url))
            except (OSError, TimeoutError) as exc:
                return _database_error(config, exc)
            except Exception as exc:
                if type(exc).__module__.startswith(("sqlalchemy", "asyncpg")):
                    return _database_error(config, exc)
                raise
            services = Services(config, Database(config.database.url,
                                                 timeout=config.database.timeout),
                                SystemClock())
            app = build_application(config, services)
            if args.webhook:
                from bot.webhook import WebhookServer

                server = WebhookServer(app, config, services)
                # After the server is built, so its modules (uvicorn, starlette) are frozen
                # with the rest of start-up.
                freeze_startup_heap()
                asyncio.run(server.serve())
            else:
                freeze_startup_heap()
                app.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
    except BackupError as exc:
        print(f"officebot: {exc}", file=sys.stderr)
        return EXIT_RUNNING
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.backup import BackupError, backup

    config = _config(args.config)
    try:
        made = backup(config.database.url, Path(args.file), overwrite=args.force)
    except BackupError as exc:
        print(f"officebot: backup refused: {exc}", file=sys.stderr)
        return EXIT_BACKUP
    print(f"backed up to {made.path} (schema {made.revision}, {made.staff} people)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.backup import BackupError, restore

    config = _config(args.config)
    try:
        checked, kept = restore(config.database.url, Path(args.file))
    except BackupError as exc:
        print(f"officebot: restore refused, nothing replaced: {exc}", file=sys.stderr)
        return EXIT_BACKUP
    print(f"restored {checked.path} (schema {checked.revision}, {checked.staff} people)"
          + (f"; the replaced database is kept as {kept}" if kept else "")
          + ". Start the bot (it applies newer migrations).")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    config = _config(args.config)
    _logging(args.verbose)
    if not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)
        # The seeded overdue task was given a week ago, so its old notices are dropped as
        # stale on the first tick, as they should be; that is no news to someone trying it.
        logging.getLogger("bot.services.dispatcher").setLevel(logging.ERROR)
    from bot.demo.session import DemoInUse

    try:
        if args.terminal:
            from bot.demo.terminal import run_terminal_demo

            return asyncio.run(run_terminal_demo(config, fresh=not args.keep))
        from bot.demo.web.server import PortInUse, run_web_demo

        port = config.demo.port if args.port is None else args.port
        try:
            return asyncio.run(run_web_demo(config, port=port, fresh=not args.keep))
        except PortInUse as exc:
            print(f"officebot demo: port {exc.port} {exc.reason}. Choose another port with "
                  f"`officebot demo --port {_other_port(exc.port)}` or `port = ...` under "
                  f"[demo] in {config.source.split(' (')[0]}.", file=sys.stderr)
            return EXIT_PORT
    except DemoInUse as exc:
        print(f"officebot demo: the demo database {exc.path} is in use by another demo"
              + (f" (process {exc.pid})" if exc.pid else "")
              + "; starting would delete its office. Stop that demo first, or give this one "
              "its own database with `database_url = ...` under [demo] in "
              f"{config.source.split(' (')[0]}. Nothing was changed.", file=sys.stderr)
        return EXIT_DEMO_IN_USE


def _other_port(port: int) -> int:
    return port + 1 if 1024 <= port < 65535 else 8081


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535, got {port}")
    return port


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="officebot", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", help="config file (default: config.toml or $OFFICEBOT_CONFIG)")
    common.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = top.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", parents=[common],
                         help="run the bot (long polling, or --webhook)")
    run.add_argument("--webhook", action="store_true",
                     help="serve updates on [webhook] listen:port behind a TLS proxy "
                          "(docs/deploy.md)")
    run.set_defaults(func=cmd_run)
    demo = sub.add_parser("demo", parents=[common],
                          help="run the bot against the local emulator, no token needed")
    demo.add_argument("--keep", action="store_true", help="keep the demo database of last time")
    demo.add_argument("--port", type=_port, default=None,
                      help="port of the web page on 127.0.0.1 (default: [demo] port, 8080; "
                           "0 picks a free one)")
    demo.add_argument("--terminal", action="store_true",
                      help="chat from this terminal instead of the web page")
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("check-config", parents=[common], help="validate a config file").set_defaults(
        func=cmd_check_config)
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", parents=[common], help="apply migrations").set_defaults(
        func=cmd_db_upgrade)
    save = sub.add_parser("backup", parents=[common],
                          help="online copy of the SQLite database to FILE, while the bot runs")
    save.add_argument("file")
    save.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    save.set_defaults(func=cmd_backup)
    back = sub.add_parser("restore", parents=[common],
                          help="replace the SQLite database with a checked backup (bot stopped)")
    back.add_argument("file")
    back.set_defaults(func=cmd_restore)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
