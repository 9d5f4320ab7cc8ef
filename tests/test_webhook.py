"""Webhook mode: the real bot behind our ASGI server, Telegram played by the emulator (it
holds the updates people send; the test delivers them as Telegram would, with the secret
header). Secret accepted and refused, bad bodies refused while the bot keeps serving,
/healthz, and a graceful stop that finishes the updates already taken."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import re
import socket
import tempfile
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.app import TICK_JOB, build_application
from bot.clock import ManualClock
from bot.config import Config, OutboxConfig, WebhookConfig
from bot.demo.seed import PERSONAS, seed_office
from bot.emulator import BotApiEmulator
from bot.emulator.params import Params
from bot.sandbox import SANDBOX_TOKEN, SANDBOX_USERNAME
from bot.services import outbox
from bot.services.container import Services
from bot.services.outbox import PENDING, SENT
from bot.updates import OrderedUpdateProcessor
from bot.webhook import DISPATCHER_GRACE, DISPATCHER_GRACE_MIN, SECRET_HEADER, WebhookServer
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Notification, Staff
from tests.conftest import STAFF, STAFF_EN, START

SECRET = "s3cret-token-for-tests_0123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclasses.dataclass
class Running:
    emu: BotApiEmulator
    services: Services
    hook: WebhookServer
    server: Any
    task: asyncio.Task[None]
    url: str
    processor: OrderedUpdateProcessor
    clock: ManualClock

    def take_updates(self) -> list[dict[str, Any]]:
        """What Telegram would post: the updates people made since the last take."""
        pending = list(self.emu.state.updates.pending)
        self.emu.state.updates.pending.clear()
        return pending

    async def post(self, body: bytes | str, secret: str | None = SECRET,
                   **headers: str) -> httpx.Response:
        sent = dict(headers)
        if secret is not None:
            sent[SECRET_HEADER] = secret
        async with httpx.AsyncClient() as client:
            return await client.post(self.url + "/telegram", content=body, headers=sent)

    async def deliver(self) -> list[httpx.Response]:
        return [await self.post(json.dumps(update)) for update in self.take_updates()]

    async def quiet(self) -> None:
        """Until no update is queued or being handled, twice in a row (an update taken
        from the queue is briefly in neither place)."""
        app = self.hook.app

        def idle() -> bool:
            return app.update_queue.empty() and not self.processor.in_flight

        await until(idle)
        await asyncio.sleep(0.05)
        await until(idle)


async def until(done: Callable[[], bool]) -> None:
    async with asyncio.timeout(20):
        while True:
            if done():
                return
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def serving(config: Config, *, run_scheduler: bool = True, latency: float = 0.0,
                  outbox_config: OutboxConfig | None = None) -> AsyncIterator[Running]:
    """The bot in webhook mode, Telegram played by the emulator (`latency` seconds added to
    each Bot API call), stopped at the end if the test has not stopped it."""
    port = free_port()
    config = dataclasses.replace(config, webhook=WebhookConfig(
        url="https://bot.example.test/telegram", listen="127.0.0.1", port=port,
        secret_token=SECRET, max_body_bytes=64 * 1024), outbox=outbox_config or config.outbox)
    await upgrade(config.database.url)
    clock = ManualClock(START)
    services = Services(config, Database(config.database.url), clock)
    await seed_office(services)
    emu = BotApiEmulator(token=SANDBOX_TOKEN, bot_username=SANDBOX_USERNAME,
                         now=clock.now, latency=latency)
    await emu.start()
    for persona in PERSONAS:
        emu.add_user(user_id=persona.telegram_id, first_name=persona.name,
                     language_code="en" if persona.language == "en" else "zh-hans")
    processor = OrderedUpdateProcessor()
    app = build_application(config, services, token=SANDBOX_TOKEN, base_url=emu.base_url,
                            base_file_url=emu.base_file_url, run_scheduler=run_scheduler,
                            processor=processor)
    hook = WebhookServer(app, config, services)
    server = hook.server()
    task = asyncio.create_task(hook.serve(server))
    # Listening, and Telegram told where to post (that comes once the server listens).
    await until(lambda: bool(emu.state.webhook.get("url")) or task.done())
    if task.done():
        task.result()
    try:
        yield Running(emu, services, hook, server, task, f"http://127.0.0.1:{port}",
                      processor, clock)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
        await emu.stop()


@pytest.fixture
async def running(config: Config) -> AsyncIterator[Running]:
    async with serving(config) as bot:
        yield bot


async def test_updates_with_the_secret_are_served_and_telegram_was_told_the_secret(
        running: Running) -> None:
    hook_state = running.emu.state.webhook
    assert hook_state["url"] == "https://bot.example.test/telegram"
    assert hook_state["secret_token"] == SECRET
    assert set(hook_state["allowed_updates"]) == {"message", "callback_query", "my_chat_member"}

    running.emu.send_text(STAFF, "/whoami")
    assert [r.status_code for r in await running.deliver()] == [200]
    await running.quiet()
    replies = running.emu.bot_messages(STAFF)
    assert replies and "张伟" in replies[-1]["text"]


async def test_a_wrong_or_missing_secret_gets_403_and_nothing_is_processed(
        running: Running, caplog: pytest.LogCaptureFixture) -> None:
    running.emu.send_text(STAFF, "/whoami")
    update = json.dumps(running.take_updates()[0])
    missing = await running.post(update, secret=None)
    wrong = await running.post(update, secret="not-the-secret-at-all")
    assert (missing.status_code, wrong.status_code) == (403, 403)
    await running.quiet()
    assert running.emu.bot_messages(STAFF) == []
    assert "wrong or missing secret token" in caplog.text


async def test_bad_bodies_are_refused_and_the_bot_keeps_serving(
        running: Running, caplog: pytest.LogCaptureFixture) -> None:
    deep = await running.post("[" * 5000 + "]" * 5000)
    bool_id = await running.post(json.dumps({"update_id": True, "message": {}}))
    not_json = await running.post("this is not json")
    not_update = await running.post(json.dumps([1, 2, 3]))
    no_id = await running.post(json.dumps({"message": {}}))
    too_large = await running.post(json.dumps({"update_id": 5, "pad": "x" * 70_000}))
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):  # no Content-Length: the limit holds on what arrives
            yield b"x" * 10_000

    async with httpx.AsyncClient() as client:
        chunked = await client.post(running.url + "/telegram", content=chunks(),
                                    headers={SECRET_HEADER: SECRET})
    assert "content-length" not in chunked.request.headers
    assert [r.status_code for r in (deep, bool_id, not_json, not_update, no_id, too_large,
                                     chunked)] == [400, 400, 400, 400, 400, 413, 413]
    # Each refusal is logged, with its status.
    refusals = [r.getMessage() for r in caplog.records if "webhook: refused" in r.getMessage()]
    assert [m.split(" with ")[1][:3] for m in refusals] == ["400"] * 5 + ["413"] * 2, refusals

    running.emu.send_text(STAFF_EN, "/whoami")
    assert [r.status_code for r in await running.deliver()] == [200]
    await running.quiet()
    assert "黄磊" in running.emu.bot_messages(STAFF_EN)[-1]["text"]
    async with httpx.AsyncClient() as client:
        health = (await client.get(running.url + "/healthz")).json()
    assert health["refused"] == 7


async def test_health_tells_database_dispatcher_and_last_update(running: Running) -> None:
    dispatcher = running.services.dispatcher
    assert dispatcher is not None
    await until(lambda: dispatcher.last_run is not None)  # the scheduler's first tick
    async with httpx.AsyncClient() as client:
        before = (await client.get(running.url + "/healthz")).json()
        running.emu.send_text(STAFF, "/whoami")
        await running.deliver()
        after = await client.get(running.url + "/healthz")
        assert before["ok"] and before["database"] and before["dispatcher"]
        assert before["last_update_at"] is None
        assert after.status_code == 200 and after.json()["last_update_at"] is not None

        # The database gone (its path is a directory, which SQLite cannot open): unhealthy,
        # 503, still answering.
        real = running.services.db
        with tempfile.TemporaryDirectory() as gone:
            running.services.db = Database(f"sqlite+aiosqlite:///{gone}")
            try:
                down = await client.get(running.url + "/healthz")
            finally:
                await running.services.db.dispose()
                running.services.db = real
        assert down.status_code == 503 and down.json()["database"] is False


async def test_health_says_503_once_the_dispatcher_has_not_come_round_within_the_grace(
        running: Running) -> None:
    """Alive means a pass started or ended at most the grace period ago, by the bot's clock;
    beyond it /healthz answers 503 with "dispatcher": false, the database still fine."""
    jobs = running.hook.app.job_queue
    assert jobs is not None
    tick = jobs.get_jobs_by_name(TICK_JOB)
    assert len(tick) == 1
    grace = max(running.services.config.outbox.dispatch_interval * DISPATCHER_GRACE,
                DISPATCHER_GRACE_MIN)
    tick[0].enabled = False  # the scheduler stuck: no more passes
    await running.services.tick()  # waits for a tick under way; the last pass ends now
    async with httpx.AsyncClient() as client:
        running.clock.advance(grace)
        edge = await client.get(running.url + "/healthz")
        running.clock.advance(timedelta(seconds=1))
        stale = await client.get(running.url + "/healthz")
        tick[0].enabled = True
        await running.services.tick()  # a pass: alive again
        again = await client.get(running.url + "/healthz")
    assert (edge.status_code, edge.json()["dispatcher"]) == (200, True)
    assert stale.status_code == 503
    assert {key: stale.json()[key] for key in ("ok", "database", "dispatcher", "accepting")} \
        == {"ok": False, "database": True, "dispatcher": False, "accepting": True}
    assert (again.status_code, again.json()["dispatcher"]) == (200, True)


async def test_an_instance_without_the_scheduler_has_no_dispatcher_to_judge(
        config: Config) -> None:
    """Its dispatcher never runs: /healthz says null for it and judges by the rest."""
    async with serving(config, run_scheduler=False) as bot, httpx.AsyncClient() as client:
        bot.clock.advance(timedelta(hours=1))
        health = await client.get(bot.url + "/healthz")
    assert bot.services.dispatcher is not None and bot.services.dispatcher.last_run is None
    assert health.status_code == 200
    assert {key: health.json()[key] for key in ("ok", "database", "dispatcher")} \
        == {"ok": True, "database": True, "dispatcher": None}


async def test_a_stop_finishes_the_updates_already_taken(running: Running) -> None:
    for _ in range(5):
        running.emu.send_text(STAFF, "/whoami")
    assert [r.status_code for r in await running.deliver()] == [200] * 5
    running.server.should_exit = True  # as SIGTERM does
    await asyncio.wait_for(running.task, 30)
    assert len(running.emu.bot_messages(STAFF)) == 5
    assert running.hook.accepting is False


async def test_once_the_stop_begins_updates_get_503_and_the_dispatcher_winds_down(
        running: Running) -> None:
    async with httpx.AsyncClient() as client:
        # A connection kept open from before the stop, as Telegram's are.
        opened = await client.post(running.url + "/telegram", content="{}")
        assert opened.status_code == 403
        running.server.handle_exit(15, None)  # what SIGTERM does
        running.emu.send_text(STAFF, "/whoami")
        late = await client.post(running.url + "/telegram",
                                 content=json.dumps(running.take_updates()[0]),
                                 headers={SECRET_HEADER: SECRET})
    assert late.status_code == 503
    assert running.services.dispatcher is not None and running.services.dispatcher.stopping
    await asyncio.wait_for(running.task, 30)
    assert running.emu.bot_messages(STAFF) == []  # Telegram will deliver it again later


async def test_a_stop_during_an_outbox_batch_sends_that_batch_and_leaves_the_rest_unclaimed(
        config: Config) -> None:
    """SIGTERM while the dispatcher's batch is on its way to Telegram (each Bot API call
    takes a while) and an update is still arriving on a connection Telegram opened before:
    serve() returns once every row of that batch is marked sent, each received once, and
    that update answered; the rows beyond the batch are still pending and nobody's claim,
    although the server went on finishing the request after the batch was done."""
    batch = 4
    quick = dataclasses.replace(config.outbox, batch_size=batch,
                                dispatch_interval=timedelta(seconds=0.2))
    async with serving(config, latency=0.3, outbox_config=quick) as bot:
        # An update whose body is still on its way: uvicorn's stop waits for it.
        bot.emu.send_text(STAFF, "/whoami")
        update = json.dumps(bot.take_updates()[0]).encode()
        rest_of_body = asyncio.Event()

        async def slowly() -> AsyncIterator[bytes]:
            yield update[:10]
            await rest_of_body.wait()
            yield update[10:]

        async with httpx.AsyncClient() as client:
            held = asyncio.create_task(client.post(
                bot.url + "/telegram", content=slowly(), headers={SECRET_HEADER: SECRET}))
            await until(lambda: bool(bot.server.server_state.tasks))

            stopped_with: list[int] = []
            call = bot.emu.handle_method

            async def stop_at_the_first_send(method: str, params: Params) -> Any:
                # The first of our rows reaches Telegram: the batch is in hand, none sent.
                if (method == "sendMessage" and not stopped_with
                        and "stop-" in (params.get_str("text") or "")):
                    stopped_with.append(len(sent_texts(bot)))
                    bot.server.handle_exit(15, None)  # what SIGTERM does
                return await call(method, params)

            bot.emu.handle_method = stop_at_the_first_send  # type: ignore[method-assign]
            now = bot.clock.now()
            async with bot.services.db.transaction() as s:
                recipients = list(await s.scalars(select(Staff.id).order_by(Staff.id)))
                assert len(recipients) == 10
                for n, staff_id in enumerate(recipients):  # one each: no chat waits
                    await outbox.schedule(
                        s, key=f"stop-{n}", recipient_id=staff_id,
                        template="notify.registered",
                        params={"name": f"stop-{n}", "department": "党政办"},
                        due_at=now - timedelta(seconds=len(recipients) - n), now=now)
            # The batch arrives while the server still waits for that request; a dispatcher
            # not told of the stop would claim more as each row is done.
            await until(lambda: len(sent_texts(bot)) >= batch)
            await asyncio.sleep(0.5)
            assert not bot.task.done()
            rest_of_body.set()
            assert (await held).status_code == 200
        await asyncio.wait_for(bot.task, 30)
        assert stopped_with == [0]

        async with bot.services.db.transaction() as s:
            rows = {row.key: row for row in await s.scalars(
                select(Notification).where(Notification.key.like("stop-%")))}
        first = [f"stop-{n}" for n in range(batch)]  # the batch: the first due
        assert {key for key, row in rows.items() if row.status == SENT} == set(first)
        assert [(row.status, row.claim_token) for key, row in sorted(rows.items())
                if key not in first] == [(PENDING, None)] * (len(recipients) - batch)
        assert sorted(sent_texts(bot)) == first  # each once, and nothing beyond the batch
        assert "张伟" in bot.emu.bot_messages(STAFF)[-1]["text"]  # the held update's reply


def sent_texts(bot: Running) -> list[str]:
    """The names of our test rows among the bot's messages, in every chat."""
    return [found.group() for persona in PERSONAS
            for message in bot.emu.bot_messages(persona.telegram_id)
            if (found := re.match(r"stop-\d+", message["text"]))]
