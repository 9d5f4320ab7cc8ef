"""Benchmarks 1 and 4: updates per second, reply latency and memory of the real bot.

The real bot (bot/app.py's build_application: handlers, services, SQLite, persistence, the
OrderedUpdateProcessor) polls the Bot API emulator on 127.0.0.1, in this process and event
loop, as in the tests and the demo. 50 registered people (roles, a roster, a task each, the
seal registry, as bot/demo/seed.py makes them) work through a mix of steps: /duty, /signin,
a progress report (/progress <task> <percent> <note>) and the eleven steps of a seal request
(/seal, the seal's button, the title, the type's button, copies, purpose, recipient, urgency,
in the office, the document, then 取消 at the summary so every round starts the same).

1. Latency at 20 updates/s offered: one step every 50 ms, each by the person idle longest
   (every 2.5 s each, as people read before they answer); the bot as production wires it,
   rate limiter included. Latency: from the update's arrival at the emulator to the bot's
   first message or edit in that chat (for a press answered only with a popup, the popup).
   Target p95 < 100 ms.
2. Throughput: the 50 people with no pause, each step sent as soon as the last one is fully
   handled; then a bare PTB echo bot (default settings) the same way through the same
   emulator. Target: ours at least half of the echo bot's updates per second. Both without
   Telegram's flood limits, which would cap any bot at 30 messages/s: this compares the work
   per update, not Telegram's budget.
3. With 50 ms added to every Bot API call (emulator latency=0.05): PTB's default one update at
   a time against our OrderedUpdateProcessor, same load, fresh database each; target >= 10x.
   Then each person sends three progress reports in a burst, without waiting, and every
   chat's answers must come in the order they were sent.
4. Resident memory (VmRSS) after the bot has started and after runs 1 and 2; target < 150 MB.
   It includes the emulator and the simulated people, who share the process.

    .venv/bin/python -m bench.throughput [--seconds 12]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import logging
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter, MessageHandler, filters

from bench.common import bench_config, header, out, percentile, rss_mb
from bot.app import ALLOWED_UPDATES, build_application, freeze_startup_heap, prepare
from bot.clock import ManualClock
from bot.config import Config, TelegramConfig
from bot.emulator import BotApiEmulator
from bot.ratelimit import NoPacing, SlidingWindowRateLimiter
from bot.services.access import Actor, Role
from bot.services.container import Services
from bot.services.people import actor_of
from bot.updates import OrderedUpdateProcessor
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Department, Staff, StaffRole

MODULE = "bench.throughput"
TOKEN = "123456789:BENCH-token"
TZ = ZoneInfo("Asia/Shanghai")
# A Wednesday, 08:20: the day shift's sign-in window is open.
START = datetime(2026, 11, 25, 8, 20, tzinfo=TZ)
USERS = 50
FIRST_ID = 600_001
OFFERED_RATE = 20.0
WARM_UP = 2.0  # seconds of each run not counted: caches, first connections
STEP_TIMEOUT = 15.0
SEALS = (("中共示范镇委员会印章", "文书01", "领导01"),
         ("示范镇人民政府印章", "文书01", "领导02"),
         ("党政办公室印章", "文书01 文书02", "领导01/领导03"))
DEPARTMENTS = ("党政办", "经济发展办", "社会事务办", "综合执法队", "财政所")
PDF = b"%PDF-1.4 bench document"


# --- the office ------------------------------------------------------------------------------


@dataclass
class Person:
    telegram_id: int
    name: str
    staff_id: int = 0
    task_id: int = 0


def _name(n: int) -> str:
    if n < 5:
        return f"领导{n + 1:02d}"
    if n < 8:
        return f"文书{n - 4:02d}"
    return f"干部{n + 1:02d}"


def _roles(n: int) -> tuple[Role, ...]:
    if n < 5:
        return (Role.LEADER,)
    if n == 5:
        return (Role.ADMIN, Role.CLERK)
    if n < 8:
        return (Role.CLERK, Role.SEAL_KEEPER)
    return (Role.STAFF,)


async def seed(services: Services) -> list[Person]:
    """Fifty people with roles, today's roster, a task for each (accepted, as its owner
    would) and the seal registry: the way bot/demo/seed.py makes its office of ten."""
    now = services.clock.now()
    people = [Person(FIRST_ID + n, _name(n)) for n in range(USERS)]
    async with services.db.transaction() as s:
        depts = []
        for name in DEPARTMENTS:
            dept = Department(name=name, created_at=now)
            s.add(dept)
            depts.append(dept)
        await s.flush()
        for n, person in enumerate(people):
            staff = Staff(name=person.name, department_id=depts[n % len(depts)].id,
                          title="干事", phone=f"1380000{n:04d}", language="zh",
                          telegram_user_id=person.telegram_id, created_at=now,
                          roles=[StaffRole(role=r.value) for r in _roles(n)])
            s.add(staff)
            await s.flush()
            person.staff_id = staff.id
    actors: dict[int, Actor] = {}
    async with services.db.transaction() as s:
        for staff in await s.scalars(select(Staff).options(selectinload(Staff.roles))):
            actors[staff.id] = await actor_of(staff, "zh")
    clerk, leader = actors[people[5].staff_id], actors[people[0].staff_id]
    duty = services.duty
    today = duty.today()
    for day, kind, who in ((today, "day", people[8]), (today, "night", people[9]),
                           (today + timedelta(days=1), "day", people[10])):
        draft = await duty.draft(clerk, day, kind, who.name, people[1].name, "")
        await duty.create_shift(clerk, draft)
    deadline = (now + timedelta(days=10)).astimezone(services.config.tz).date()
    for person in people:
        # Nobody hands a task to themselves: the first leader's comes from the second.
        giver = actors[people[1].staff_id] if person is people[0] else leader
        draft = await services.task_assign.prepare(
            giver, f"{person.name}的督办事项", person.name,
            f"{deadline.year}年{deadline.month}月{deadline.day}日")
        view = await services.task_assign.create(giver, draft)
        person.task_id = view.id
        await services.tasks.accept(actors[person.staff_id], view.id)
    admin = actors[people[5].staff_id]
    for name, keepers, route in SEALS:
        await services.seals.add_seal(admin, name, keepers, route)
    return people


# --- one bot on the emulator -----------------------------------------------------------------


@dataclass
class Bench:
    """The emulator, the bot and the tally of one run."""

    emu: BotApiEmulator
    app: Application[Any, Any, Any, Any, Any, Any]
    people: list[Person]
    db: Database | None = None
    processed: dict[int, asyncio.Future[None]] = field(default_factory=dict)
    # Per chat: when the person's latest action reached the emulator; seconds until the
    # bot's first message or edit there; seconds until its first answer to a button.
    waiting: dict[int, tuple[float, asyncio.Future[float], asyncio.Future[float]]] = field(
        default_factory=dict)

    def on_event(self, event: dict[str, Any]) -> None:
        pending = self.waiting.get(event["chat_id"])
        if pending is None:
            return
        sent, content, answer = pending
        future = content if event["type"] in ("message", "edit") else answer \
            if event["type"] == "callback_answer" else None
        if future is not None and not future.done():
            future.set_result(time.perf_counter() - sent)

    def on_processed(self, update: object) -> None:
        if isinstance(update, Update):
            future = self.processed.pop(update.update_id, None)
            if future is not None and not future.done():
                future.set_result(None)

    async def stop(self) -> None:
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        if self.db is not None:
            await self.db.dispose()
        await self.emu.stop()
        # What this bot froze goes back to the collector: the next bot of this benchmark
        # freezes its own start-up, as its own process would.
        gc.unfreeze()


def _emulator(latency: float, clock: ManualClock | None = None) -> BotApiEmulator:
    emu = BotApiEmulator(token=TOKEN, latency=latency,
                         now=clock.now if clock is not None else None)
    for n in range(USERS):
        emu.add_user(FIRST_ID + n, _name(n))
    return emu


async def start_ours(workdir: Path, tag: str, *, latency: float = 0.0,
                     limiter: BaseRateLimiter[Any] | None = None,
                     one_at_a_time: bool = False) -> Bench:
    config: Config = bench_config(workdir / f"{tag}.db")
    config = dataclasses.replace(config, telegram=TelegramConfig(token=TOKEN))
    await upgrade(config.database.url)
    db = Database(config.database.url)
    clock = ManualClock(START)
    services = Services(config, db, clock)
    people = await seed(services)
    emu = _emulator(latency, clock)
    await emu.start()
    # PTB's default is one update at a time: with a limit of 1 the Application awaits each
    # update before taking the next, exactly as with concurrent_updates(False).
    processor = OrderedUpdateProcessor(1 if one_at_a_time else 64)
    app = build_application(config, services, base_url=emu.base_url,
                            base_file_url=emu.base_file_url, run_scheduler=False,
                            processor=processor, rate_limiter=limiter)
    bench = Bench(emu, app, people, db)
    processor.listeners.append(bench.on_processed)
    emu.subscribe(bench.on_event)
    await app.initialize()
    await prepare(app)
    freeze_startup_heap()  # as `officebot run` does
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=10,
                                    allowed_updates=ALLOWED_UPDATES)
    return bench


async def _echo(update: Update, context: Any) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def start_echo() -> Bench:
    emu = _emulator(0.0)
    await emu.start()
    app = (ApplicationBuilder().token(TOKEN).base_url(emu.base_url)
           .base_file_url(emu.base_file_url).build())
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    bench = Bench(emu, app, [Person(FIRST_ID + n, _name(n)) for n in range(USERS)])
    emu.subscribe(bench.on_event)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=10)
    return bench


# --- what people do --------------------------------------------------------------------------

Act = Callable[[BotApiEmulator, Person, int], int]  # (emulator, person, round) -> update_id


def _text(make: Callable[[Person, int], str]) -> Act:
    return lambda emu, p, r: emu.send_text(p.telegram_id, make(p, r))


def _press(label: Callable[[Person, int], str]) -> Act:
    return lambda emu, p, r: emu.press_button(p.telegram_id, label(p, r))


SEAL_STEPS: tuple[tuple[str, Act], ...] = (
    ("seal", _text(lambda p, r: "/seal")),
    ("seal", _press(lambda p, r: SEALS[r % len(SEALS)][0])),
    ("seal", _text(lambda p, r: f"关于申请第{r}批工作经费的请示")),
    ("seal", _press(lambda p, r: "请示")),
    ("seal", _text(lambda p, r: "2")),
    ("seal", _text(lambda p, r: "报县财政局审批")),
    ("seal", _text(lambda p, r: "县财政局")),
    ("seal", _press(lambda p, r: "普通")),
    ("seal", _press(lambda p, r: "🏢 在办公室用印")),
    ("seal", lambda emu, p, r: emu.send_document(p.telegram_id, "经费请示.pdf", PDF,
                                                 "application/pdf")),
    ("seal", _press(lambda p, r: "✖ 取消")),
)
DUTY: tuple[str, Act] = ("duty", _text(lambda p, r: "/duty"))
SIGNIN: tuple[str, Act] = ("signin", _text(lambda p, r: "/signin"))


def _progress(offset: int) -> tuple[str, Act]:
    return ("progress", _text(
        lambda p, r: f"/progress {p.task_id} {(r * 3 + offset) % 9 * 10 + 10} 按计划推进"))


# One round: 17 steps, the seal request's eleven among the others.
ROUND: tuple[tuple[str, Act], ...] = (
    DUTY, _progress(0), *SEAL_STEPS[:4], SIGNIN, _progress(1), *SEAL_STEPS[4:8], DUTY,
    _progress(2), *SEAL_STEPS[8:])
ECHO_ROUND: tuple[tuple[str, Act], ...] = (("echo", _text(lambda p, r: f"你好 {r}")),)


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    done: int = 0
    errors: int = 0
    offered: int = 0
    skipped: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    counting: bool = False


class Walker:
    """One simulated person going round the steps, one at a time."""

    def __init__(self, bench: Bench, person: Person, steps: tuple[tuple[str, Act], ...],
                 tally: Tally, *, wait_processed: bool) -> None:
        self.bench = bench
        self.person = person
        self.steps = steps
        self.tally = tally
        self.wait_processed = wait_processed
        self.position = 0
        self.round = 0
        self.idle_since = time.perf_counter()

    async def step(self) -> None:
        kind, act = self.steps[self.position]
        bench, chat = self.bench, self.person.telegram_id
        loop = asyncio.get_running_loop()
        content: asyncio.Future[float] = loop.create_future()
        answer: asyncio.Future[float] = loop.create_future()
        done: asyncio.Future[None] = loop.create_future()
        try:
            bench.waiting[chat] = (time.perf_counter(), content, answer)
            update_id = act(bench.emu, self.person, self.round)
            if self.wait_processed:
                bench.processed[update_id] = done
                await asyncio.wait_for(done, STEP_TIMEOUT)
            else:
                await asyncio.wait_for(content, STEP_TIMEOUT)
            # The answer people see: the bot's message or edit; a press answered only with
            # a popup counts from the popup. An update that got neither is an error.
            reply = content if content.done() else answer
            if not reply.done():
                raise LookupError("no answer")
        except (LookupError, TimeoutError):
            # A step that found no button or got no answer: start the round again.
            self.tally.errors += 1
            self.position = 0
            bench.emu.send_text(chat, "/cancel")
            await asyncio.sleep(0.5)
            return
        finally:
            self.idle_since = time.perf_counter()
        if self.tally.counting:
            self.tally.latencies.append(reply.result())
            self.tally.done += 1
            self.tally.kinds[kind] = self.tally.kinds.get(kind, 0) + 1
        self.position += 1
        if self.position == len(self.steps):
            self.position, self.round = 0, self.round + 1


async def flat_out(bench: Bench, steps: tuple[tuple[str, Act], ...], seconds: float, *,
                   wait_processed: bool = True) -> tuple[Tally, float]:
    """Everyone at once with no pause; returns the tally and the counted seconds."""
    tally = Tally()
    people = [Walker(bench, p, steps, tally, wait_processed=wait_processed)
              for p in bench.people]
    stop = False

    async def loop(person: Walker) -> None:
        while not stop:
            await person.step()

    tasks = [asyncio.create_task(loop(p)) for p in people]
    await asyncio.sleep(WARM_UP)
    tally.counting = True
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    tally.counting = False
    counted = time.perf_counter() - started
    stop = True
    await asyncio.gather(*tasks)
    return tally, counted


async def offered(bench: Bench, rate: float, seconds: float) -> tuple[Tally, float]:
    """One step every 1/rate s, by whoever has been idle longest (and at least 1.2 s: a
    person reads the answer before the next tap)."""
    tally = Tally()
    people = [Walker(bench, p, ROUND, tally, wait_processed=True) for p in bench.people]
    busy: set[Walker] = set()
    running: set[asyncio.Task[None]] = set()

    async def one(person: Walker) -> None:
        try:
            await person.step()
        finally:
            busy.discard(person)

    started = time.perf_counter()
    counting_from = started + WARM_UP
    beat = 0
    while (now := time.perf_counter()) < counting_from + seconds:
        tally.counting = now >= counting_from
        idle = [p for p in people if p not in busy and now - p.idle_since >= 1.2]
        if tally.counting:
            tally.offered += 1
        if idle:
            person = min(idle, key=lambda p: p.idle_since)
            busy.add(person)
            task = asyncio.create_task(one(person))
            running.add(task)
            task.add_done_callback(running.discard)
        elif tally.counting:
            tally.skipped += 1
        beat += 1
        await asyncio.sleep(max(0.0, started + beat / rate - time.perf_counter()))
    tally.counting = False
    counted = time.perf_counter() - counting_from
    await asyncio.gather(*running)
    return tally, counted


PERCENT = re.compile(r"(\d+)%")


async def burst_order(bench: Bench) -> tuple[int, int]:
    """Each person sends three progress reports at once (30%, 60%, 90%), not waiting; then
    every chat's answers are read back. Returns (chats in order, chats checked)."""
    futures = []
    before = {p.telegram_id: len(bench.emu.bot_messages(p.telegram_id)) for p in bench.people}
    loop = asyncio.get_running_loop()
    for person in bench.people:
        for percent in (30, 60, 90):
            update_id = bench.emu.send_text(
                person.telegram_id, f"/progress {person.task_id} {percent} 第{percent}步")
            future: asyncio.Future[None] = loop.create_future()
            bench.processed[update_id] = future
            futures.append(future)
    await asyncio.wait_for(asyncio.gather(*futures), 60)
    in_order = 0
    for person in bench.people:
        answers = bench.emu.bot_messages(person.telegram_id)[before[person.telegram_id]:]
        # The first percentage each answer names is the one reported ("…」30%").
        seen = [int(m.group(1)) for a in answers
                if (m := PERCENT.search(a.get("text", "").split("」", 1)[-1]))]
        in_order += seen == [30, 60, 90]
    return in_order, len(bench.people)


# --- the runs --------------------------------------------------------------------------------


def _line(label: str, tally: Tally, counted: float) -> float:
    rate = tally.done / counted if counted else 0.0
    out(f"{label}: {tally.done} updates in {counted:.1f} s = {rate:.1f} updates/s; "
        f"latency p50 {percentile(tally.latencies, 50) * 1000:.1f} ms, "
        f"p95 {percentile(tally.latencies, 95) * 1000:.1f} ms; errors {tally.errors}")
    return rate


def _verdict(met: bool) -> str:
    return "MET" if met else "MISSED"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=12.0,
                        help="counted seconds of each run (after a 2 s warm-up)")
    args = parser.parse_args()
    seconds = args.seconds
    logging.basicConfig(level=logging.ERROR)
    header("throughput, latency and memory of the real bot on the emulator", MODULE)
    out(f"round of {len(ROUND)} steps per person: "
        + ", ".join(f"{k} x{sum(1 for kind, _ in ROUND if kind == k)}"
                    for k in ("duty", "signin", "progress", "seal")))
    with tempfile.TemporaryDirectory(prefix="officebot-bench-") as tmp:
        work = Path(tmp)
        # 1 and 4: the production wiring (our rate limiter), 20 updates/s offered.
        bench = await start_ours(work, "ours", limiter=SlidingWindowRateLimiter())
        rss_start = rss_mb()
        out(f"RSS after start: {rss_start:.1f} MB")
        tally, counted = await offered(bench, OFFERED_RATE, seconds)
        out(f"offered {tally.offered / counted:.1f} updates/s ({tally.skipped} beats found "
            f"nobody idle)")
        _line("ours at 20/s offered", tally, counted)
        p95_ms = percentile(tally.latencies, 95) * 1000
        out(f"target p95 < 100 ms at 20 updates/s: {_verdict(p95_ms < 100)}")
        await bench.stop()
        # 2: flat out, ours and the echo bot, without flood limits on either.
        bench = await start_ours(work, "ours-flat", limiter=NoPacing())
        tally, counted = await flat_out(bench, ROUND, seconds)
        ours = _line("ours flat out", tally, counted)
        out("  steps counted: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.kinds.items())))
        rss_after = rss_mb()
        await bench.stop()
        echo_bench = await start_echo()
        tally, counted = await flat_out(echo_bench, ECHO_ROUND, seconds, wait_processed=False)
        echo = _line("bare PTB echo bot flat out", tally, counted)
        await echo_bench.stop()
        out(f"ours / echo: {ours / echo:.2f} (target >= 0.5): {_verdict(ours >= echo / 2)}")
        # 3: 50 ms on every Bot API call.
        one = await start_ours(work, "one-at-a-time", latency=0.05, limiter=NoPacing(),
                               one_at_a_time=True)
        tally, counted = await flat_out(one, ROUND, seconds)
        sequential = _line("50 ms latency, one at a time (PTB default)", tally, counted)
        await one.stop()
        ordered = await start_ours(work, "ordered", latency=0.05, limiter=NoPacing())
        tally, counted = await flat_out(ordered, ROUND, seconds)
        concurrent = _line("50 ms latency, OrderedUpdateProcessor", tally, counted)
        in_order, chats = await burst_order(ordered)
        await ordered.stop()
        ratio = concurrent / sequential if sequential else float("inf")
        out(f"ordered / one at a time: {ratio:.1f}x (target >= 10x): {_verdict(ratio >= 10)}")
        out(f"bursts of three per chat answered in order: {in_order}/{chats} chats: "
            f"{_verdict(in_order == chats)}")
        out(f"RSS after start {rss_start:.1f} MB, after runs 1-2 {rss_after:.1f} MB "
            f"(target < 150 MB): {_verdict(max(rss_start, rss_after) < 150)}")


if __name__ == "__main__":
    asyncio.run(main())
