"""What one update of each kind costs: the process's CPU, SQL statements, Bot API calls.

Benchmark 1's bot and round of steps (bench/throughput.py), but five people taking their
steps one at a time, so every figure belongs to one step: `time.process_time()` around the
step (the bot, the emulator and the simulated person together, as in benchmark 1), the
statements SQLAlchemy sent (BEGIN counted), and the Bot API methods the bot called. A round
warms up first; then ROUNDS rounds are counted. For finding where the time goes, not a
target of its own.

    .venv/bin/python -m bench.steps [--rounds 6] [--profile out.prof] [--only 02,03]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.common import header, out
from bench.throughput import ROUND, Tally, Walker, start_ours
from bot.ratelimit import NoPacing

MODULE = "bench.steps"
PEOPLE = 5


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6, help="counted rounds per person")
    parser.add_argument("--profile", help="write a cProfile of the counted steps here")
    parser.add_argument("--only", default="",
                        help="profile only these steps of the round (numbers, e.g. 02,03)")
    args = parser.parse_args()
    header("CPU, statements and Bot API calls per step, one step at a time", MODULE)
    only = {int(n) for n in args.only.split(",") if n.strip()}
    with tempfile.TemporaryDirectory(prefix="officebot-bench-") as tmp:
        bench = await start_ours(Path(tmp), "steps", limiter=NoPacing())
        assert bench.db is not None
        label = "warm-up"
        statements: Counter[str] = Counter()
        calls: Counter[tuple[str, str]] = Counter()

        @event.listens_for(bench.db.engine.sync_engine, "before_cursor_execute")
        def _count(*_: Any) -> None:
            statements[label] += 1

        handle = bench.emu.handle_method

        async def counted(method: str, params: Any) -> Any:
            if method != "getUpdates":
                calls[(label, method)] += 1
            return await handle(method, params)

        bench.emu.handle_method = counted  # type: ignore[method-assign]
        tally = Tally()
        walkers = [Walker(bench, person, ROUND, tally, wait_processed=True)
                   for person in bench.people[:PEOPLE]]
        for walker in walkers:
            for _ in ROUND:
                await walker.step()
        profile = cProfile.Profile() if args.profile else None
        cpu: Counter[str] = Counter()
        taken: Counter[str] = Counter()
        for _ in range(args.rounds):
            for walker in walkers:
                for n, (kind, _act) in enumerate(ROUND):
                    label = f"{n:02d} {kind}"
                    profiling = profile is not None and (not only or n in only)
                    started = time.process_time()
                    if profiling:
                        profile.enable()  # type: ignore[union-attr]
                    await walker.step()
                    if profiling:
                        profile.disable()  # type: ignore[union-attr]
                    cpu[label] += time.process_time() - started
                    taken[label] += 1
        await bench.stop()
    out(f"{PEOPLE} people x {args.rounds} rounds of {len(ROUND)} steps; errors {tally.errors}")
    out(f"{'step':<12} {'CPU ms':>7} {'statements':>10}  Bot API calls")
    for name in sorted(taken):
        n = taken[name]
        methods = ", ".join(f"{method} {count / n:g}" for (step, method), count
                            in sorted(calls.items()) if step == name)
        out(f"{name:<12} {cpu[name] / n * 1000:7.2f} {statements[name] / n:10.1f}  {methods}")
    mean = sum(cpu[name] / taken[name] for name in taken) / len(taken)
    out(f"mean CPU per step: {mean * 1000:.2f} ms; statements per round: "
        f"{sum(statements[name] / taken[name] for name in taken):.0f}")
    if profile is not None:
        profile.dump_stats(args.profile)
        out(f"profile written to {args.profile}")


if __name__ == "__main__":
    asyncio.run(main())
