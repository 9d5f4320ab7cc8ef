"""`officebot demo --terminal`, as a person runs it: the real bot on the emulator, driven from
a terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_demo_command_chats_as_seeded_people(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[demo]\ndatabase_url = "sqlite+aiosqlite:///{tmp_path / "demo.db"}"\n'
        'start = "2026-11-27T10:00"\n', encoding="utf-8")
    script = "\n".join([
        "@张伟 /whoami",
        "/duty week",
        "/meetings",
        "@陌生人 你好",
        "@陈志强 /lang",
        "2",
        "/whoami",
        ":+1d",
        ":quit",
    ]) + "\n"
    env = {k: v for k, v in os.environ.items() if k != "OFFICEBOT_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--terminal", "--config", str(config)],
        input=script,
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=env, check=False)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "[→ 张伟] 我的信息" in out and "姓名：张伟" in out
    assert "[→ 陌生人] 您好，您尚未登记" in out
    # The demo roster: tonight's shift (the day shift had started before the demo did).
    assert "11月27日（周五） 夜班 17:30–08:30｜值班：杨静" in out
    assert "11月28日（周六） 白班 08:30–17:30｜值班：黄磊" in out
    assert "党政班子联席会" in out  # the seeded meeting tomorrow, in 张伟's list
    assert "(2) English" in out and "Language set to English" in out
    assert "Name: 陈志强" in out
    # The 09:00 calendar check, ticked by the scheduler, has warned the admin about 2027 (in
    # whichever language the admin had chosen at that moment).
    assert len(re.findall(r"\[→ 陈志强\] ⚠️ .*2027", out)) == 1, out
