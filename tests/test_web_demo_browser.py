"""`officebot demo` in a real browser: Debian's chromium driven by playwright, as a person
clicks through the page. Screenshots go to artifacts/screenshots/ (kept by CI).

Locally the test is skipped without chromium or playwright; in CI (CI=true) that is a failure:
`.ci/run` installs chromium, the dev extra brings playwright.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
# Headless, and nothing that reaches out to the network on its own.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
START_SECONDS = 60
STEP_MS = 15_000

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # the dev extra brings it; reported by the fixture below
    sync_playwright = None  # type: ignore[assignment]


def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what} is missing: the browser test must run in CI (see .ci/run)")
    pytest.skip(f"{what} is missing")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if sync_playwright is None:
        _missing("the playwright package (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[str]:
    """`officebot demo --port 0` as a person starts it; yields the address it prints. What
    it writes to stderr goes to a file, printed at the end (pytest shows it on a failure)."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[demo]\ndatabase_url = "sqlite+aiosqlite:///{tmp_path / "demo.db"}"\n'
        'start = "2026-11-27T10:00"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "OFFICEBOT_TOKEN"}
    log = tmp_path / "demo-stderr.txt"
    with open(log, "w", encoding="utf-8") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "demo", "--config", str(config), "--port", "0"],
            stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=ROOT, env=env)
    try:
        yield _address(proc, log)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        finally:
            err = log.read_text(encoding="utf-8")
            print(f"--- the demo's stderr ({log}):\n{err}")
        assert proc.returncode == 0, err  # Ctrl+C or SIGTERM: a clean stop
        assert "Traceback" not in err, err


def _address(proc: subprocess.Popen[str], log: Path) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            found = re.search(r"open (http://127\.0\.0\.1:\d+/)", line)
            if found:
                return found.group(1)
        if proc.poll() is not None:
            raise AssertionError(f"demo exited: {log.read_text(encoding='utf-8')}")
    raise AssertionError(f"demo did not print its address within {START_SECONDS}s")


@pytest.fixture
def page(browser: Browser, demo: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 820}, locale="zh-CN",
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(STEP_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(demo)
    page.wait_for_selector("body[data-ready=true]")
    yield page
    context.close()
    assert not errors, errors


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def be(page: Page, name: str) -> None:
    """Switch to a person in the list, and wait for their chat."""
    page.locator(".persona", has_text=name).click()
    expect(page.locator("#chat-sub")).to_contain_text(name)


def bot_message(page: Page, text: str) -> Any:
    return page.locator(".msg-row.from-bot", has_text=text).last


def send(page: Page, text: str) -> None:
    page.fill("#text", text)
    page.press("#text", "Enter")
    expect(page.locator(".msg-row.from-me", has_text=text).last).to_be_visible()


def press(page: Page, card: Any, label: str) -> None:
    card.locator(".inline-btn", has_text=label).first.click()


def test_people_clock_and_a_meeting_reminder_arriving(page: Page) -> None:
    # Everyone in the office, with their roles; the seeded work is waiting unread.
    expect(page.locator(".persona")).to_have_count(11)
    expect(page.locator(".persona", has_text="刘芳")).to_contain_text("印章管理员")
    expect(page.locator(".persona", has_text="李明华").locator(".badge")).to_be_visible()
    expect(page.locator("#clock-now")).to_have_text("2026年11月27日 周五 10:00")

    be(page, "张伟")
    notice = bot_message(page, "会议通知")
    expect(notice).to_contain_text("党政班子联席会")
    expect(notice.locator("b").first).to_be_visible()  # the bot's <b>, rendered
    shot(page, "01-staff-chat")

    # The command list as suggestions while typing.
    page.fill("#text", "/me")
    expect(page.locator(".suggestion", has_text="/meetings")).to_be_visible()
    page.fill("#text", "")

    # Move the clock the way the panel offers, one reminder at a time, up to the meeting's eve
    # reminder at 17:00; each move is seen done on the clock before the next. The reminder
    # then reaches 张伟 live, without a reload.
    clock = page.locator("#clock-now")
    eve = "2026年11月27日 周五 17:00"
    for _ in range(6):
        before = clock.inner_text()
        if before == eve:
            break
        page.get_by_role("button", name="到下一条提醒").click()
        expect(clock).not_to_have_text(before)
    expect(clock).to_have_text(eve)
    reminder = page.locator(".msg-row.from-bot", has_text="明日会议提醒")
    expect(reminder).to_be_visible()
    expect(reminder).to_contain_text("党政班子联席会")
    shot(page, "02-meeting-reminder")

    # Answering the notice: the card changes in place and the bot's answer pops up.
    press(page, notice, "参加")
    expect(page.locator(".toast").first).to_be_visible()
    shot(page, "03-answered")

    # A bad upload is refused with a clear message; the page and the bot carry on.
    page.set_input_files("#file-input", files=[
        {"name": "空文件.docx", "mimeType": "application/octet-stream", "buffer": b""}])
    expect(page.locator(".toast-error", has_text="文件是空的")).to_be_visible()
    send(page, "/whoami")
    expect(bot_message(page, "姓名：张伟")).to_be_visible()


def test_a_seal_request_approved_by_the_head_and_the_leader(page: Page) -> None:
    # 张伟 (staff, 党政办) asks to use the office's seal, step by step.
    be(page, "张伟")
    send(page, "/seal")
    press(page, bot_message(page, "请选择要使用的印章"), "党政办公室印章")
    expect(bot_message(page, "请输入文件名称")).to_be_visible()
    send(page, "关于申请冬季取暖经费的请示")
    press(page, bot_message(page, "请选择文件类型"), "请示")
    press(page, bot_message(page, "用印份数"), "2")
    expect(bot_message(page, "请输入用印事由")).to_be_visible()
    send(page, "报县财政局审批")
    expect(bot_message(page, "报送（出具）单位")).to_be_visible()
    send(page, "县财政局")
    press(page, bot_message(page, "紧急程度"), "普通")
    press(page, bot_message(page, "用印方式"), "在办公室用印")
    press(page, bot_message(page, "请发送需用印的文件"), "跳过")
    press(page, bot_message(page, "请核对用印申请"), "提交")
    expect(bot_message(page, "已提交用印申请")).to_contain_text("陈志强")
    shot(page, "04-seal-requested")

    # The route of 党政办公室印章: the department head (陈志强, 党政办主任), then a leader.
    be(page, "陈志强")
    card = bot_message(page, "用印审批")
    expect(card).to_contain_text("关于申请冬季取暖经费的请示")
    press(page, card, "批准")
    expect(card.locator(".inline-btn")).to_have_count(0)  # decided: the card is closed
    expect(card).to_contain_text("陈志强")

    be(page, "王建国")
    card = bot_message(page, "用印审批")
    expect(card).to_contain_text("第 2/2 步")
    expect(card.locator(".inline-btn", has_text="批准")).to_be_visible()
    expect(page.locator("#typing")).to_be_hidden()
    for toast in page.locator(".toast").all():  # read: out of the way of the picture
        toast.click()
    shot(page, "05-leader-approval-card")  # the README's picture (docs/screenshot.png)
    press(page, card, "批准")
    expect(card.locator(".inline-btn")).to_have_count(0)

    # Back as 张伟: the approval has arrived.
    be(page, "张伟")
    approved = bot_message(page, "已批准（王建国）")
    expect(approved).to_contain_text("关于申请冬季取暖经费的请示")
    shot(page, "06-seal-approved")


def test_the_page_in_english_and_a_stream_that_comes_back(browser: Browser, demo: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 820}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(STEP_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The sandbox answers the page's first event stream with an error, as a server being
    # restarted would: the browser gives that stream up, and the page opens a new one.
    page.route("**/api/events", lambda route: route.fulfill(status=503, body="restarting"),
               times=1)
    page.goto(demo)
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("body")).to_have_attribute("data-stream", "open")
    be(page, "张伟")
    send(page, "/whoami")
    expect(bot_message(page, "姓名：张伟")).to_be_visible()  # live, over the new stream

    # Links open only the web and Telegram: not mail programs, never scripts.
    hrefs = page.evaluate("""() => ["mailto:a@b.example", "javascript:alert(1)",
        "https://example.org/", "tg://resolve?domain=x"].map((url) => renderEntities("link",
        [{type: "text_link", offset: 0, length: 4, url}], false).firstChild.href || null)""")
    assert hrefs == [None, None, "https://example.org/", "tg://resolve?domain=x"]

    # In English: the page's labels, the server's texts and its refusals; kept on a reload.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="To the next reminder")).to_be_visible()
    expect(page.locator("#clock-now")).to_have_text("Fri 27 Nov 2026 10:00")
    expect(page.locator("#chat-sub")).to_have_text("You are 张伟 (Officer)")
    expect(page.locator(".persona", has_text="刘芳")).to_contain_text("seal keeper")
    expect(page.locator("#send-btn")).to_have_text("Send")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(page.get_by_role("button", name="+1 day")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.set_input_files("#file-input", files=[
        {"name": "empty.docx", "mimeType": "application/octet-stream", "buffer": b""}])
    expect(page.locator(".toast-error", has_text="The file is empty")).to_be_visible()
    shot(page, "07-english")
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("button", name="到下一条提醒")).to_be_visible()
    context.close()
    assert not errors, errors
