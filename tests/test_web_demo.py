"""The web sandbox's server, driven over HTTP as the page drives it (no browser needed).

One demo office for the module: the tests act as different people, and the clock test, which
moves time for everyone, runs last.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio

from bot.config import parse_config
from bot.demo.session import open_sandbox
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
    assert missing.status_code == 404 and "没有这个地址" in missing.json()["error"]


async def test_state_lists_the_office_and_the_simulated_time(
        web: tuple[WebDemo, httpx.AsyncClient, Feed]) -> None:
    _, client, _ = web
    state = (await client.get("/api/state")).json()
    people = {p["name"]: p for p in state["personas"]}
    assert len(people) == 11 and "陌生人" in people
    assert people["刘芳"]["roles"] == ["办公室人员", "印章管理员"]
    assert people["王建国"]["roles"] == ["领导"]
    assert people["陈志强"]["roles"] == ["管理员", "办公室人员"]
    # Nobody has opened a chat yet: what the seeded office sent is unread.
    assert people["张伟"]["unread"] >= 3
    assert state["clock"]["label"] == "2026年11月27日 周五 10:00"
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
    assert stale.status_code == 409 and "按钮已经变了" in stale.json()["error"]


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
    assert bad.status_code == 400 and "moon" in bad.json()["error"]


async def test_bad_input_gets_a_clear_answer_and_the_sandbox_keeps_running(
        web: tuple[WebDemo, httpx.AsyncClient, Feed]) -> None:
    _, client, feed = web
    empty = await client.post(f"/api/chats/{ZHANG}/upload", content=b"",
                              headers={"X-File-Name": "empty.docx"})
    assert empty.status_code == 400 and "文件是空的" in empty.json()["error"]
    too_big = await client.post(f"/api/chats/{ZHANG}/upload",
                                content=b"x" * (MAX_UPLOAD_BYTES + 1),
                                headers={"X-File-Name": "big.pdf"})
    assert too_big.status_code == 413
    assert "文件太大" in too_big.json()["error"] and "20 MB" in too_big.json()["error"]
    for who in ("4242", "nobody"):
        unknown = await client.get(f"/api/chats/{who}")
        assert unknown.status_code == 404 and f"没有这个人：{who}" in unknown.json()["error"]
        sent = await client.post(f"/api/chats/{who}/send", json={"text": "hi"})
        assert sent.status_code == 404
    not_json = await client.post(f"/api/chats/{ZHANG}/send", content=b"{oops")
    assert not_json.status_code == 400 and "JSON" in not_json.json()["error"]
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


async def test_the_clock_panel_moves_time_and_reminders_fire_on_the_way(
        web: tuple[WebDemo, httpx.AsyncClient, Feed]) -> None:
    _, client, feed = web
    mark = len(feed.events)
    clock = (await client.post("/api/clock", json={"move": "hour"})).json()
    assert clock["label"] == "2026年11月27日 周五 11:00"
    await feed.wait_for(lambda e: e["type"] == "clock" and e["clock"]["label"] == clock["label"],
                        mark)
    # To the next shift: sign-in opens for tonight's night shift (杨静), who is reminded.
    assert clock["next_shift"]["label"] == "2026年11月27日 周五 17:00"
    mark = len(feed.events)
    clock = (await client.post("/api/clock", json={"move": "shift"})).json()
    assert clock["label"] == "2026年11月27日 周五 17:00"
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
    assert clock["label"].startswith("2026年11月28日 周六")
