"""The web sandbox's server, driven over HTTP as the page drives it (no browser needed).

One demo office for the module: the tests act as different people, and the clock test, which
moves time for everyone, runs last.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from bot.config import Config, parse_config
from bot.demo.session import DemoInUse, demo_start, open_sandbox
from bot.demo.web.server import MAX_UPLOAD_BYTES, WebDemo, bind
from tests.conftest import SAMPLES

pytestmark = pytest.mark.asyncio(loop_scope="module")

ZHANG = 1006  # 张伟, staff
LIU = 1005  # 刘芳, clerk and seal keeper
YANG = 1007  # 杨静, on the night shift today
WANG = 1001  # 王建国, leader


class Feed:
    """The page's event stream, read in the background."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._changed = asyncio.Event()

    async def read(self, client: httpx.AsyncClient) -> None:
        async with client.stream("GET", "/api/events", timeout=None) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    self.events.append(json.loads(line[6:]))
                    self._changed.set()

    async def wait_for(self, match: Callable[[dict[str, Any]], bool],
                       after: int = 0, seconds: float = 10.0) -> dict[str, Any]:
        async with asyncio.timeout(seconds):
            while True:
                for event in self.events[after:]:
                    if match(event):
                        return event
                self._changed.clear()
                await self._changed.wait()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def web(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[
        tuple[WebDemo, httpx.AsyncClient, Feed]]:
    folder = tmp_path_factory.mktemp("webdemo")
    config = parse_config(
        f'[demo]\ndatabase_url = "sqlite+aiosqlite:///{folder / "demo.db"}"\n'
        'start = "2026-11-27T10:00"\n', path="test")
    sandbox = await open_sandbox(config)
    demo = WebDemo(sandbox)
    demo.serve(bind(0))
    feed = Feed()
    async with httpx.AsyncClient(base_url=demo.address.rstrip("/"), timeout=30) as client:
        reader = asyncio.create_task(feed.read(client))
        await asyncio.sleep(0.05)  # the stream is open before anyone acts
        await sandbox.tick()  # the seeded office's notices, as the scheduler's first tick
        try:
            yield demo, client, feed
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
            await demo.close()
            await sandbox.stop()


def bot_texts(chat: dict[str, Any]) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in chat["messages"] if m["from_bot"]]


async def test_page_and_its_files_are_served(web: tuple[WebDemo, httpx.AsyncClient, Feed]) -> None:
    _, client, _ = web
    page = await client.get("/")
    assert page.status_code == 200
    assert "/static/app.js" in page.text and "/static/style.css" in page.text
    # Nothing from elsewhere: the page works offline and runs only its own scripts.
    assert "http" not in page.text.replace("http-equiv", "")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset, kind in (("app.js", "javascript"), ("style.css", "css"), ("icon.svg", "svg")):
        response = await client.get(f"/static/{asset}")
        assert response.status_code == 200 and kind in response.headers["content-type"]
    missing = await client.get("/nowhere")
    assert missing.status_code == 404 and "没有这个地址" in missing.json()["error"]["zh"]
    assert "No such address" in missing.json()["error"]["en"]
    head = await client.head("/")
    assert head.status_code == 200 and head.headers["content-type"].startswith("text/html")
    assert head.content == b""


async def test_state_lists_the_office_and_the_simulated_time(
        web: tuple[WebDemo, httpx.AsyncClient, Feed]) -> None:
    _, client, _ = web
    state = (await client.get("/api/state")).json()
    people = {p["name"]: p for p in state["personas"]}
    assert len(people) == 11 and "陌生人" in people
    assert [r["zh"] for r in people["刘芳"]["roles"]] == ["办公室人员", "印章管理员"]
    assert [r["en"] for r in people["刘芳"]["roles"]] == ["clerk", "seal keeper"]
    assert [r["zh"] for r in people["王建国"]["roles"]] == ["领导"]
    assert [r["zh"] for r in people["陈志强"]["roles"]] == ["管理员", "办公室人员"]
    assert people["王建国"]["title"] == {"zh": "党委书记", "en": "Party Secretary"}
    # Nobody has opened a chat yet: what the seeded office sent is unread.
    assert people["张伟"]["unread"] >= 3
    assert state["clock"]["label"] == {"zh": "2026年11月27日 周五 10:00",
                                       "en": "Fri 27 Nov 2026 10:00"}
    assert state["clock"]["next_reminder"] is not None
    assert [p["key"] for p in state["places"]] == ["office", "far"]
    assert state["max_upload"] == MAX_UPLOAD_BYTES


async def test_a_chat_shows_the_seeded_work_with_formatting_and_buttons(
        web: tuple[WebDemo, httpx.AsyncClient, Feed]) -> None:
    _, client, _ = web
    chat = (await client.get(f"/api/chats/{ZHANG}")).json()
    texts = bot_texts(chat)
    assert any("会议通知" in t and "党政班子联席会" in t for t in texts)
    assert any("催办" in t and "报送三季度安全生产检查台账" in t for t in texts)  # overdue
    card = next(m for m in chat["messages"] if "准备年终工作总结材料" in (m.get("text") or ""))
    assert [b["text"] for b in card["buttons"][0]] == ["接收", "有异议"]
    # The bot's <b> arrives as an entity, with the text it covers.
    bold = [card["text"][e["offset"]:e["offset"] + e["length"]]
            for e in card["entities"] if e["type"] == "bold"]
    assert bold
    assert {"command": "help", "description": "使用说明"} in chat["commands"]
    state = (await client.get("/api/state")).json()
    assert next(p for p in state["personas"] if p["id"] == ZHANG)["unread"] == 0


async def test_sending_text_reaches_the_bot_and_the_answer_streams_back(
        web: tuple[WebDemo, httpx.AsyncClient, Feed]) -> None:
    _, client, feed = web
    mark = len(feed.events)
    response = await client.post(f"/api/chats/{ZHANG}/send", json={"text": "/whoami"})
    assert response.json() == {"ok": True}
    mine = await feed.wait_for(lambda e: e["type"] == "user_message"
                               and e["chat_id"] == ZHANG, mark)
    assert mine["message"]["text"] == "/whoami" and not mine["message"]["from_bot"]
    answer = await feed.wait_for(lambda e: e["type"] == "message" and e["chat_id"] == ZHANG
                                 and "姓名：张伟" in e["message"]["text"], mark)
    assert answer["message"]["from_bot"]
    # The stranger is turned away, politely, through the same page.
    await client.post("/api/chats/9999/send", json={"text": "你好"})
    await feed.wait_for(lambda e: e["type"] == "message" and e["chat_id"] == 9999
                        and "尚未登记" in e["message"]["text"], mark)


async def test_pressing_a_button_edits_the_card_in_place_and_counts_unread(
        web: tuple[WebDemo, httpx.AsyncClient, Feed]) -> None:
    _, client, feed = web
    chat = (await client.get(f"/api/chats/{ZHANG}")).json()
    card = next(m for m in chat["messages"] if "准备年终工作总结材料" in (m.get("text") or "")
                and m["buttons"])
    mark = len(feed.events)
    before = next(p for p in (await client.get("/api/state")).json()["personas"]
                  if p["id"] == WANG)["unread"]
    response = await client.post(f"/api/chats/{ZHANG}/press",
                                 json={"message_id": card["id"], "row": 0, "column": 0,
                                       "text": "接收"})
    assert response.json() == {"ok": True}
    edit = await feed.wait_for(lambda e: e["type"] == "edit" and e["chat_id"] == ZHANG
                               and e["message"]["id"] == card["id"], mark)
    assert "接收" not in [b["text"] for row in edit["message"]["buttons"] for b in row]
    assert edit["message"]["edited"]
    # The leader hears of it: another chat's badge goes up.
    told = await feed.wait_for(lambda e: e["type"] == "message" and e["chat_id"] == WANG
                               and "已接收" in e["message"]["text"], mark)
    assert told["unread"] == before + 1
    # A page still showing the card as it was: its press is refused, not taken for the
    # button now in that place.
    stale = await client.post(f"/api/chats/{ZHANG}/press",
                              json={"message_id": card["id"], "row": 0, "column": 0,
                                    "text": "接收"})
    assert stale.status_code == 409 and "按钮已经变了" in stale.json()["error"]["zh"]


async def test_a_callback_answer_arrives_for_the_toast(
        web: tuple[WebDemo, httpx.AsyncClient, Feed]) -> None:
    _, client, feed = web
    zhao = 1003  # 赵丽, invited to tomorrow's meeting and not yet answered
    chat = (await client.get(f"/api/chats/{zhao}")).json()
    notice = next(m for m in chat["messages"] if "会议通知" in (m.get("text") or ""))
    where = next((r, c) for r, row in enumerate(notice["buttons"])
                 for c, b in enumerate(row) if b["text"] == "参加")
    mark = len(feed.events)
    await client.post(f"/api/chats/{zhao}/press", json={
        "message_id": notice["id"], "row": where[0], "column": where[1], "text": "参加"})
    answer = await feed.wait_for(lambda e: e["type"] == "callback_answer"
                                 and e["chat_id"] == zhao, mark)
    assert answer["text"] and answer["show_alert"] is False


async def test_the_reply_keyboard_is_the_menu(
        web: tuple[WebDemo, httpx.AsyncClient, Feed]) -> None:
    _, client, feed = web
    mark = len(feed.events)
    await client.post(f"/api/chats/{ZHANG}/send", json={"text": "/menu"})
    shown = await feed.wait_for(lambda e: e["type"] == "message" and e["chat_id"] == ZHANG
                                and e["keyboard"], mark)
    labels = [b["text"] for row in shown["keyboard"] for b in row]
    assert "📅 值班" in labels
    mark = len(feed.events)
    await client.post(f"/api/chats/{ZHANG}/keyboard", json={"text": "📅 值班"})
    await feed.wait_for(lambda e: e["type"] == "message" and e["chat_id"] == ZHANG, mark)
    missing = await client.post(f"/api/chats/{ZHANG}/keyboard", json={"text": "不存在的按钮"})
    assert missing.status_code == 400


async def test_upload_and_download_of_office_files(
        web: tuple[WebDemo, httpx.AsyncClient, Feed]) -> None:
    _, client, feed = web
    mark = len(feed.events)
    sheet = SAMPLES / "duty-roster.xlsx"
    if not sheet.exists():
        pytest.fail(f"sample file missing: {sheet}")
    response = await client.post(
        f"/api/chats/{LIU}/upload", content=sheet.read_bytes(),
        headers={"X-File-Name": "%E5%80%BC%E7%8F%AD%E8%A1%A8.xlsx",  # 值班表.xlsx
                 "Content-Type": "application/octet-stream"})
    assert response.json() == {"ok": True}
    sent = await feed.wait_for(lambda e: e["type"] == "user_message" and e["chat_id"] == LIU,
                               mark)
    assert sent["message"]["document"]["name"] == "值班表.xlsx"
    assert sent["message"]["document"]["mime"].endswith("spreadsheetml.sheet")
    await feed.wait_for(lambda e: e["type"] == "message" and e["chat_id"] == LIU, mark)

    mark = len(feed.events)
    await client.post(f"/api/chats/{LIU}/send", json={"text": "/roster export 2026-11"})
    export = await feed.wait_for(lambda e: e["type"] == "message" and e["chat_id"] == LIU
                                 and "document" in e["message"], mark)
    document = export["message"]["document"]
    download = await client.get(f"/api/files/{document['file_id']}")
    assert download.status_code == 200
    assert download.content.startswith(b"PK")  # an .xlsx is a zip
    assert download.headers["content-type"].endswith("spreadsheetml.sheet")
    assert "attachment; filename*=UTF-8''" in download.headers["content-disposition"]
    # Opened on its own, a file runs nothing: an uploaded page cannot act as the sandbox.
    assert download.headers["content-security-policy"] == "sandbox"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert (await client.get("/api/files/nope")).status_code == 404


async def test_sharing_a_location(web: tuple[WebDemo, httpx.AsyncClient, Feed]) -> None:
    demo, client, feed = web
    mark = len(feed.events)
    await client.post(f"/api/chats/{ZHANG}/location", json={"place": "far"})
    shared = await feed.wait_for(lambda e: e["type"] == "user_message" and e["chat_id"] == ZHANG
                                 and "location" in e["message"], mark)
    far = demo.places["far"]
    assert shared["message"]["location"]["latitude"] == pytest.approx(far.latitude)
    bad = await client.post(f"/api/chats/{ZHANG}/location", json={"place": "moon"})
    assert bad.status_code == 400 and "moon" in bad.json()["error"]["zh"]
    assert bad.json()["error"]["en"] == "No such place: moon"


async def test_bad_input_gets_a_clear_answer_and_the_sandbox_keeps_running(
        web: tuple[WebDemo, httpx.AsyncClient, Feed]) -> None:
    _, client, feed = web
    empty = await client.post(f"/api/chats/{ZHANG}/upload", content=b"",
                              headers={"X-File-Name": "empty.docx"})
    assert empty.status_code == 400 and "文件是空的" in empty.json()["error"]["zh"]
    assert "The file is empty" in empty.json()["error"]["en"]
    too_big = await client.post(f"/api/chats/{ZHANG}/upload",
                                content=b"x" * (MAX_UPLOAD_BYTES + 1),
                                headers={"X-File-Name": "big.pdf"})
    assert too_big.status_code == 413
    assert "文件太大" in too_big.json()["error"]["zh"] and "20 MB" in too_big.json()["error"]["zh"]
    assert "up to 20 MB" in too_big.json()["error"]["en"]
    for who in ("4242", "nobody"):
        unknown = await client.get(f"/api/chats/{who}")
        assert unknown.status_code == 404
        assert f"没有这个人：{who}" in unknown.json()["error"]["zh"]
        assert f"No such person: {who}" in unknown.json()["error"]["en"]
        sent = await client.post(f"/api/chats/{who}/send", json={"text": "hi"})
        assert sent.status_code == 404
    not_json = await client.post(f"/api/chats/{ZHANG}/send", content=b"{oops",
                                 headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400 and "JSON" in not_json.json()["error"]["zh"]
    blank = await client.post(f"/api/chats/{ZHANG}/send", json={"text": "   "})
    assert blank.status_code == 400
    no_button = await client.post(f"/api/chats/{ZHANG}/press",
                                  json={"message_id": 99999, "row": 0, "column": 0,
                                        "text": "接收"})
    assert no_button.status_code == 404
    odd_move = await client.post("/api/clock", json={"move": "back"})
    assert odd_move.status_code == 400
    wrong_method = await client.get(f"/api/chats/{ZHANG}/send")
    assert wrong_method.status_code == 405 and "error" in wrong_method.json()
    # Nothing above reached the bot, and it still answers.
    mark = len(feed.events)
    await client.post(f"/api/chats/{ZHANG}/send", json={"text": "/whoami"})
    await feed.wait_for(lambda e: e["type"] == "message" and e["chat_id"] == ZHANG, mark)


async def test_other_websites_can_neither_read_nor_act(
        web: tuple[WebDemo, httpx.AsyncClient, Feed]) -> None:
    demo, client, feed = web
    port = demo.port
    mark = len(feed.events)
    evil = {"Origin": "http://evil.example"}
    # A page elsewhere posting without the browser asking anyone first: a text/plain body.
    simple = await client.post(f"/api/chats/{ZHANG}/send", content=b'{"text": "evil 1"}',
                               headers={**evil, "Content-Type": "text/plain"})
    assert simple.status_code == 403
    assert "another web page" in simple.json()["error"]["en"]
    for origin in ("http://evil.example", "null", f"http://127.0.0.1:{port + 1}"):
        foreign = await client.post(f"/api/chats/{ZHANG}/send", json={"text": "evil 2"},
                                    headers={"Origin": origin})
        assert foreign.status_code == 403, origin
    upload = await client.post(f"/api/chats/{ZHANG}/upload", content=b"evil 3",
                               headers={**evil, "X-File-Name": "evil.txt",
                                        "Content-Type": "text/plain"})
    assert upload.status_code == 403
    moved = await client.post("/api/clock", json={"move": "day"}, headers=evil)
    assert moved.status_code == 403
    # DNS rebinding: evil.example made to point at 127.0.0.1, its page reading from there.
    for path in ("/", "/api/state", "/api/events", f"/api/chats/{ZHANG}", "/static/app.js"):
        rebound = await client.get(path, headers={"Host": f"evil.example:{port}"})
        assert rebound.status_code == 403, path
        assert "127.0.0.1" in rebound.json()["error"]["en"]
    rebound = await client.post(f"/api/chats/{ZHANG}/send", json={"text": "evil 4"},
                                headers={"Host": f"evil.example:{port}"})
    assert rebound.status_code == 403
    rebound = await client.post(f"/api/chats/{ZHANG}/upload", content=b"evil 5",
                                headers={"Host": "evil.example", "X-File-Name": "evil.txt"})
    assert rebound.status_code == 403
    # JSON only: a form or plain text is not the page's, even without an Origin.
    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        wrong = await client.post(f"/api/chats/{ZHANG}/send", content=b'{"text": "evil 6"}',
                                  headers={"Content-Type": kind})
        assert wrong.status_code == 415, kind
        assert "application/json" in wrong.json()["error"]["en"]
    # The page itself, as either name of this machine, is answered.
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        own = await client.post(f"/api/chats/{ZHANG}/send", json={"text": "/whoami"},
                                headers={"Host": host, "Origin": f"http://{host}"})
        assert own.status_code == 200 and own.json() == {"ok": True}
        assert (await client.get("/api/state", headers={"Host": host})).status_code == 200
    await feed.wait_for(lambda e: e["type"] == "user_message" and e["chat_id"] == ZHANG
                        and e["message"].get("text") == "/whoami", mark)
    # None of the refused requests reached the bot (their events would come first).
    mine = [e["message"] for e in feed.events[mark:] if e["type"] == "user_message"]
    assert not [m for m in mine if "evil" in (m.get("text") or "") or "document" in m]


async def _raw(port: int, request: bytes) -> tuple[int, dict[str, Any]]:
    """Send the head of a request (no body) and read the answer: it comes at once when the
    server refuses before reading the body, else the read times out."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        async with asyncio.timeout(10):
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(next(line.split(b":", 1)[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:")))
            body = await reader.readexactly(length)
    finally:
        writer.close()
    return int(head.split(b" ", 2)[1]), json.loads(body)


async def test_bodies_are_refused_before_they_are_read(
        web: tuple[WebDemo, httpx.AsyncClient, Feed]) -> None:
    demo, client, _ = web
    host = f"127.0.0.1:{demo.port}".encode()
    # An upload for nobody: refused on its headers, its 50 MB never waited for.
    status, body = await _raw(demo.port, b"POST /api/chats/4242/upload HTTP/1.1\r\nHost: " + host
                              + b"\r\nX-File-Name: a.pdf\r\nContent-Length: 50000000\r\n\r\n")
    assert status == 404 and "没有这个人：4242" in body["error"]["zh"]
    # JSON of more than 1 MB, said in its length: refused on the headers too.
    status, body = await _raw(demo.port, b"POST /api/chats/1006/send HTTP/1.1\r\nHost: " + host
                              + b"\r\nContent-Type: application/json\r\n"
                              + b"Content-Length: 2000000\r\n\r\n")
    assert status == 413 and "1024 KB" in body["error"]["en"]

    # Sent in chunks, with no length said: counted as it comes, and refused all the same.
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(12):
            yield b"x" * 100_000
        yield b'"}'

    chunked = await client.post(f"/api/chats/{ZHANG}/send", content=chunks(),
                                headers={"Content-Type": "application/json"})
    assert chunked.status_code == 413
    # Just under the limit is fine (and then too long a message for Telegram).
    long = await client.post(f"/api/chats/{ZHANG}/send", json={"text": "x" * 900_000})
    assert long.status_code == 400 and "4096" in long.json()["error"]["en"]


async def test_a_failing_outbox_tick_after_a_send_is_a_warning_not_an_error(
        web: tuple[WebDemo, httpx.AsyncClient, Feed], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    demo, client, feed = web

    async def broken() -> None:
        raise RuntimeError("outbox down")

    monkeypatch.setattr(demo.sandbox, "tick", broken)
    mark = len(feed.events)
    response = await client.post(f"/api/chats/{ZHANG}/send", json={"text": "/whoami"})
    assert response.status_code == 200
    answer = response.json()
    assert answer["ok"] is True
    assert "RuntimeError" in answer["warning"]["zh"] and "Sent" in answer["warning"]["en"]
    assert "outbox tick after update" in caplog.text and "outbox down" in caplog.text
    # The message went, and the bot answered it.
    await feed.wait_for(lambda e: e["type"] == "message" and e["chat_id"] == ZHANG
                        and "姓名：张伟" in e["message"]["text"], mark)


async def test_the_clock_panel_moves_time_and_reminders_fire_on_the_way(
        web: tuple[WebDemo, httpx.AsyncClient, Feed]) -> None:
    _, client, feed = web
    mark = len(feed.events)
    clock = (await client.post("/api/clock", json={"move": "hour"})).json()
    assert clock["label"]["zh"] == "2026年11月27日 周五 11:00"
    await feed.wait_for(lambda e: e["type"] == "clock" and e["clock"]["label"] == clock["label"],
                        mark)
    # To the next shift: sign-in opens for tonight's night shift (杨静), who is reminded.
    assert clock["next_shift"]["label"]["zh"] == "2026年11月27日 周五 17:00"
    mark = len(feed.events)
    clock = (await client.post("/api/clock", json={"move": "shift"})).json()
    assert clock["label"]["zh"] == "2026年11月27日 周五 17:00"
    # On the way: the meeting's eve reminder at 17:00 reached 张伟, who has not answered.
    await feed.wait_for(lambda e: e["type"] == "message" and e["chat_id"] == ZHANG
                        and "明日会议提醒" in e["message"]["text"], mark)
    await feed.wait_for(lambda e: e["type"] == "message" and e["chat_id"] == YANG, mark)
    # To the next reminder: exactly its due time, and it is sent.
    due = clock["next_reminder"]
    mark = len(feed.events)
    clock = (await client.post("/api/clock", json={"move": "reminder"})).json()
    assert clock["now"] == due["at"]
    await feed.wait_for(lambda e: e["type"] == "message", mark)
    clock = (await client.post("/api/clock", json={"move": "day"})).json()
    assert clock["label"]["zh"].startswith("2026年11月28日 周六")
    assert clock["label"]["en"].startswith("Sat 28 Nov 2026")
    assert "(day off)" in clock["label"]["en"]


# --- demos of their own (not the module's office) ---------------------------------------------


def _config(folder: Path, start: str = "") -> Config:
    return parse_config(
        f'[demo]\ndatabase_url = "sqlite+aiosqlite:///{folder / "demo.db"}"\n'
        + (f'start = "{start}"\n' if start else ""), path="test")


async def test_started_on_a_saturday_the_demo_opens_on_monday_with_the_office_at_work(
        tmp_path: Path) -> None:
    config = _config(tmp_path)
    saturday = datetime(2026, 11, 28, 15, 30, tzinfo=config.tz)
    start = demo_start(config, now=saturday)
    assert start == datetime(2026, 11, 30, 10, 0, tzinfo=config.tz)
    sandbox = await open_sandbox(_config(tmp_path, start.strftime("%Y-%m-%dT%H:%M")))
    demo = WebDemo(sandbox)
    try:
        await sandbox.tick()  # the scheduler's first tick
        assert (await demo.clock_json())["label"] == {"zh": "2026年11月30日 周一 10:00",
                                                      "en": "Mon 30 Nov 2026 10:00"}
        zhang = [m.get("text", "") for m in sandbox.emu.bot_messages(ZHANG)]
        wang = [m.get("text", "") for m in sandbox.emu.bot_messages(WANG)]
        # The overdue task: chased (its owner) and escalated (the leader who gave it) on the
        # first morning, as the README promises.
        assert any("催办" in t and "报送三季度安全生产检查台账" in t for t in zhang)
        assert any("逾期督办" in t and "报送三季度安全生产检查台账" in t for t in wang)
        # Tomorrow's meeting is on Tuesday, a working day.
        notice = next(t for t in zhang if "会议通知" in t)
        assert "12月1日" in notice and "周二" in notice, notice
    finally:
        await sandbox.stop()


async def test_a_second_demo_on_the_same_database_is_refused_and_deletes_nothing(
        tmp_path: Path) -> None:
    config = _config(tmp_path, "2026-11-27T10:00")
    first = await open_sandbox(config)
    try:
        with pytest.raises(DemoInUse, match="in use by another demo") as refused:
            await open_sandbox(config)
        assert refused.value.path == tmp_path / "demo.db"
        assert refused.value.pid == str(os.getpid())
        # The first demo's office is all there and it carries on.
        assert (tmp_path / "demo.db").exists()
        assert "姓名：张伟" in (await first.send(ZHANG, "/whoami"))[0]["text"]
    finally:
        await first.stop()
    # Stopped, it lets go: the next demo starts (here keeping the office).
    again = await open_sandbox(config, fresh=False)
    await again.stop()
