"""What the benchmarks share: a config on a throwaway SQLite file, the emulator's flood limits
with a tally, the machine's description, resident memory, percentiles, and the command line
that reproduces a run."""

from __future__ import annotations

import dataclasses
import os
import platform
import shlex
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import Config, DatabaseConfig, parse_config

ROOT = Path(__file__).resolve().parents[1]


def bench_config(db_file: Path) -> Config:
    """The defaults of config.example.toml (as the tests use them) on a fresh SQLite file."""
    base = parse_config("", path="bench")
    return dataclasses.replace(
        base, database=DatabaseConfig(url=f"sqlite+aiosqlite:///{db_file}"))


def command(module: str, argv: Sequence[str]) -> str:
    """The exact command that reproduces this run, from the repository's root."""
    return f"cd {shlex.quote(str(ROOT))} && .venv/bin/python -m {module} {shlex.join(argv)}" \
        .rstrip()


def machine() -> str:
    return (f"{os.cpu_count()} CPU(s) ({platform.processor() or platform.machine()}), "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def rss_mb() -> float:
    """Resident set size now (VmRSS), in MB. ru_maxrss would be the peak, not the present."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p50 = the median observation, p95 = 95% at or below it)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil without floats
    return ordered[int(rank) - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def out(line: str = "") -> None:
    print(line, flush=True)


def header(title: str, module: str) -> None:
    out(f"== {title}")
    out(f"machine: {machine()}")
    out(f"command: {command(module, sys.argv[1:])}")
