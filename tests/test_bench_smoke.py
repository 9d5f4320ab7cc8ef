"""The benchmark scripts still run: each as docs/performance.md runs it, at its smallest
settings, exits 0 and prints the command that reproduces it. The figures of so short a run
mean nothing and are not checked; a script that no longer starts, or fails on the way, is.

About 40 s in all on a 2-core machine, most of it bench.throughput's five runs of a 2 s
warm-up each."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("module, argv", [
    ("bench.throughput", ["--seconds", "0.5"]),
    # Two sizes: the growth between them is reported too.
    ("bench.sweeps", ["--sizes", "100,200", "--runs", "1", "--plans"]),
    ("bench.broadcast", ["--order", "both", "--scale", "0.05"]),
    ("bench.steps", ["--rounds", "1", "--profile", "{tmp}/steps.prof", "--only", "02"]),
], ids=lambda value: value if isinstance(value, str) else None)
def test_the_benchmark_runs_and_prints_its_command(module: str, argv: list[str],
                                                   tmp_path: Path) -> None:
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in argv]
    done = subprocess.run([sys.executable, "-m", module, *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    commands = [line for line in done.stdout.splitlines() if line.startswith("command: ")]
    assert commands == [f"command: cd {shlex.quote(str(ROOT))} && .venv/bin/python -m "
                        f"{module} {shlex.join(argv)}"], done.stdout[:2000]
