"""The bot's Bot API client (bot/aiohttp_request.py): what goes over the wire, and how a
transport failure reaches PTB. Every end-to-end test also runs through it (bot/app.py)."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, TimedOut

import bot.aiohttp_request as bot_request
from bot.aiohttp_request import AiohttpRequest
from bot.emulator import BotApiEmulator

USER = 1001


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(token="123456:TEST")
    await emulator.start()
    emulator.add_user(USER, "张三")
    yield emulator
    await emulator.stop()


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url,
                   request=AiohttpRequest(), get_updates_request=AiohttpRequest(1)) as raw:
        yield raw


class CannedServer:
    """Answers every request with one canned HTTP response and keeps the request lines: a
    forward proxy, or a server that redirects."""

    def __init__(self, response: bytes) -> None:
        self.response = response
        self.requests: list[str] = []
        self.port = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        length = re.search(r"(?im)^content-length:\s*(\d+)", head)
        if length:
            await reader.readexactly(int(length.group(1)))
        self.requests.append(head.split("\r\n", 1)[0])
        writer.write(self.response)
        await writer.drain()
        writer.close()


@pytest.fixture
async def canned() -> AsyncIterator[Callable[[bytes], Awaitable[CannedServer]]]:
    servers: list[asyncio.Server] = []

    async def start(response: bytes) -> CannedServer:
        server = CannedServer(response)
        running = await asyncio.start_server(server.serve, "127.0.0.1", 0)
        server.port = running.sockets[0].getsockname()[1]
        servers.append(running)
        return server

    yield start
    for running in servers:
        running.close()
        await running.wait_closed()


def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """None of this machine's proxy settings, in either case (urllib prefers the lowercase
    one when both are set)."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def _http(status: str, body: bytes = b"", extra: str = "") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


@dataclass
class Silent:
    port: int
    held: list[asyncio.StreamWriter]
    taken: asyncio.Event  # a connection came in


@pytest.fixture
async def silent_port() -> AsyncIterator[Silent]:
    """A server that takes connections and never answers, like a stalled network."""
    held: list[asyncio.StreamWriter] = []
    taken = asyncio.Event()

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        taken.set()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield Silent(server.sockets[0].getsockname()[1], held, taken)
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_text_buttons_and_chinese_arrive_as_sent(emu: BotApiEmulator, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("同意", callback_data="seal:7:ok")]])
    sent = await bot.send_message(USER, "请审批：关于申请用印的请示 · 急件", reply_markup=keyboard)

    shown = emu.last_bot_message(USER)
    assert shown is not None and shown["message_id"] == sent.message_id
    assert shown["text"] == "请审批：关于申请用印的请示 · 急件"
    assert shown["reply_markup"]["inline_keyboard"][0][0] == {
        "text": "同意", "callback_data": "seal:7:ok"}


async def test_upload_and_download_keep_every_byte(emu: BotApiEmulator, bot: Bot) -> None:
    data = bytes(range(256)) * 300  # 75 KiB, every byte value
    sent = await bot.send_document(USER, data, filename="值班表.xlsx", caption="十二月值班表")

    assert sent.document is not None and sent.document.file_name == "值班表.xlsx"
    assert sent.caption == "十二月值班表"
    assert emu.file_bytes(sent.document.file_id) == data
    # A person's upload, fetched back with getFile and a GET of the file URL.
    emu.send_document(USER, "请示.pdf", b"%PDF-1.4 \x00\xff", "application/pdf")
    update = (await bot.get_updates(timeout=0))[-1]
    assert update.message is not None and update.message.document is not None
    file = await update.message.document.get_file()
    assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 \x00\xff"


async def test_control_characters_in_a_file_name_do_not_break_the_upload(
        emu: BotApiEmulator, bot: Bot) -> None:
    sent = await bot.send_document(USER, b"BEGIN:VCALENDAR", filename="会议\x7f通知\n.ics")

    assert sent.document is not None and sent.document.file_name == "会议_通知_.ics"


async def test_api_errors_still_come_through_ptb(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(4242, "在吗")


async def test_refused_connection_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the call: nobody listens
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match=r"aiohttp\.ClientConnectorError") as caught:
            await request.post(f"http://127.0.0.1:{port}/bot1:A/getMe")
        assert not isinstance(caught.value, TimedOut)
    finally:
        await request.shutdown()


async def test_a_server_that_never_answers_times_out(silent_port: Silent) -> None:
    request = AiohttpRequest(read_timeout=0.3)
    await request.initialize()
    try:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await request.post(f"http://127.0.0.1:{silent_port.port}/bot1:A/getMe")
        assert time.monotonic() - started < 5
        # A longer wait passed for one call (getUpdates adds its long poll) is honoured.
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await request.post(f"http://127.0.0.1:{silent_port.port}/bot1:A/getUpdates",
                               read_timeout=0.8)
        assert time.monotonic() - started >= 0.7
    finally:
        await request.shutdown()


async def test_a_full_pool_times_out_without_sending(silent_port: Silent) -> None:
    # aiohttp bounds waiting for a pooled connection and opening one together.
    request = AiohttpRequest(1, read_timeout=5.0, pool_timeout=0.2, connect_timeout=0.2)
    await request.initialize()
    url = f"http://127.0.0.1:{silent_port.port}/bot1:A/sendMessage"
    try:
        first = asyncio.create_task(request.post(url))
        await silent_port.taken.wait()  # the only connection is now taken
        with pytest.raises(TimedOut, match="not sent"):
            await request.post(url)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
    finally:
        await request.shutdown()


async def test_a_stalled_upload_is_bounded_as_a_whole(
        silent_port: Silent, monkeypatch: pytest.MonkeyPatch) -> None:
    """aiohttp has no write timeout, and starts its read timeout only once the body is sent:
    an upload the network stops taking is bounded only by the request's total. Here the
    server never reads, and the body is more than the socket buffers hold, so the upload
    stalls; the bound (write + read timeouts, plus the size at the floor rate, made fast
    here so the test need not wait for a poor mobile line) ends it."""
    monkeypatch.setattr(bot_request, "UPLOAD_FLOOR_BYTES_PER_S", 64 * 1024 * 1024)
    body = 16 * 1024 * 1024
    request = AiohttpRequest(read_timeout=1.0, media_write_timeout=0.3)
    bound = 0.3 + 1.0 + body / bot_request.UPLOAD_FLOOR_BYTES_PER_S
    await request.initialize()
    bot = Bot("1:A", base_url=f"http://127.0.0.1:{silent_port.port}/bot", request=request)
    try:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            # Without the bound it would wait for ever: this limit fails the test instead.
            await asyncio.wait_for(bot.send_document(USER, b"x" * body, filename="a.pdf"),
                                   bound + 10)
        took = time.monotonic() - started
    finally:
        await request.shutdown()
    assert bound - 0.1 <= took < bound + 5, (bound, took)


async def test_used_before_initialize_or_after_shutdown_it_says_so(emu: BotApiEmulator) -> None:
    request = AiohttpRequest()
    url = f"{emu.base_url}{emu.token}/getMe"
    # PTB reports an error of the client as a NetworkError, with ours inside.
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post(url)
    await request.initialize()
    assert (await request.post(url))["is_bot"] is True  # type: ignore[index,call-overload]
    await request.shutdown()
    await request.shutdown()  # twice is harmless, as PTB may do on a failed start
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post(url)
    await request.initialize()  # an Application started again gets a new session
    try:
        assert (await request.post(url))["is_bot"] is True  # type: ignore[index,call-overload]
    finally:
        await request.shutdown()


async def test_a_proxy_from_the_environment_is_used(
        monkeypatch: pytest.MonkeyPatch, emu: BotApiEmulator,
        canned: Callable[[bytes], Awaitable[CannedServer]]) -> None:
    proxy = await canned(_http("200 OK", b'{"ok": true, "result": {"id": 7, "is_bot": true, '
                                         b'"first_name": "proxied", "username": "p_bot"}}'))
    _no_proxies(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    url = f"{emu.base_url}{emu.token}/getMe"
    request = AiohttpRequest()
    await request.initialize()
    try:
        answer = await request.post(url)
        assert answer["first_name"] == "proxied"  # type: ignore[index,call-overload]
        assert proxy.requests == [f"POST {url} HTTP/1.1"]  # the proxy was asked for the URL

        # NO_PROXY names hosts reached directly; read when a session starts.
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        await request.shutdown()
        await request.initialize()
        answer = await request.post(url)
        assert answer["is_bot"] is True and answer["first_name"] != "proxied"  # type: ignore[index,call-overload]
        assert len(proxy.requests) == 1
    finally:
        await request.shutdown()


async def test_a_socks_proxy_is_refused_clearly(monkeypatch: pytest.MonkeyPatch,
                                                emu: BotApiEmulator) -> None:
    _no_proxies(monkeypatch)
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match="HTTP\\(S\\) proxies only"):
            await request.post(f"{emu.base_url}{emu.token}/getMe")
    finally:
        await request.shutdown()


async def test_a_redirect_is_not_followed(
        emu: BotApiEmulator, canned: Callable[[bytes], Awaitable[CannedServer]]) -> None:
    """A wrong api_base_url that redirects must not carry the token elsewhere."""
    target = f"{emu.base_url}{emu.token}/sendMessage"
    moved = await canned(_http("302 Found", extra=f"Location: {target}\r\n"))
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.post(f"http://127.0.0.1:{moved.port}/bot1:A/sendMessage")
        assert len(moved.requests) == 1
        assert emu.bot_messages(USER) == []
    finally:
        await request.shutdown()
