"""Wiring: the PTB Application, its handlers, the scheduler job that drives the outbox and the
daily sweeps. The same wiring serves production, the tests and the demo."""

from __future__ import annotations

import gc
import logging
import time
from typing import Any

from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
    Defaults,
)

import handlers
from bot.aiohttp_request import GET_UPDATES_POOL, AiohttpRequest
from bot.config import Config
from bot.persistence import DbPersistence
from bot.ratelimit import SlidingWindowRateLimiter
from bot.services.container import Services
from bot.updates import OrderedUpdateProcessor
from handlers.context import BotContext
from handlers.menu import publish_commands
from handlers.sender import TelegramNotifier

log = logging.getLogger(__name__)

TICK_JOB = "officebot-tick"
# What the bot listens to, in every mode: messages, button presses, and block/unblock.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def build_application(
    config: Config,
    services: Services,
    *,
    token: str | None = None,
    base_url: str | None = None,
    base_file_url: str | None = None,
    run_scheduler: bool = True,
    processor: OrderedUpdateProcessor | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    builder = (
        ApplicationBuilder()
        .token(token or config.telegram.token)
        .base_url(base_url or config.telegram.api_base_url)
        .base_file_url(base_file_url or config.telegram.file_base_url)
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(tzinfo=config.tz))
        # Bot API calls over aiohttp: half the CPU of PTB's httpx client per call.
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(GET_UPDATES_POOL))
        # Paces messages to Telegram's limits in sliding windows (30/s overall, 1/s per
        # private chat, 20/min per group), as the server counts them, so a broadcast gets no
        # 429; one that still comes is waited out and retried (bot/ratelimit.py).
        .rate_limiter(rate_limiter or SlidingWindowRateLimiter(max_retries=3))
        .concurrent_updates(processor or OrderedUpdateProcessor())
        .persistence(DbPersistence(services.db))
        .post_init(prepare)
        .post_shutdown(_post_shutdown)
    )
    app = builder.build()
    app.bot_data["services"] = services
    app.bot_data["run_scheduler"] = run_scheduler
    services.attach_notifier(TelegramNotifier(app.bot))
    assert services.dispatcher is not None
    # When polling stops, the outbox pass under way ends after the rows in hand.
    services.dispatcher.running = lambda: app.running
    handlers.register_all(app)
    return app


async def prepare(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """After initialize(), before start(): run_polling calls it as post_init; the sandbox
    calls it itself."""
    services: Services = app.bot_data["services"]
    await services.load()
    services.people.bot_username = app.bot.username
    await publish_commands(app.bot)
    if app.bot_data.get("run_scheduler") and app.job_queue is not None:
        app.job_queue.run_repeating(
            _tick, interval=services.config.outbox.dispatch_interval.total_seconds(),
            first=0.5, name=TICK_JOB,
            job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
        )


def freeze_startup_heap() -> None:
    """Once per process, when `officebot run` has built the bot: what start-up made (modules,
    mappers, catalogs, handlers) lives as long as the process, so the garbage collector
    stops going through it at every full collection. Not for the tests, which build many
    bots in one process: what the freeze holds is never collected."""
    gc.collect()
    gc.freeze()


async def _post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    services: Services = app.bot_data["services"]
    await services.db.dispose()


# After a failed tick (the database gone, say) the next ones wait 2, 4, 8 ... up to 60 s.
TICK_BACKOFF_MAX = 60.0


async def _tick(context: BotContext) -> None:
    state = context.bot_data.setdefault("tick", {"failures": 0, "resume_at": 0.0})
    if time.monotonic() < state["resume_at"]:
        return
    try:
        await context.services.tick()
    except Exception:
        # One failed tick must not stop the next ones; while it keeps failing, try less often
        # instead of filling the log. What a failed pass had claimed is settled by the first
        # pass that works (the dispatcher remembers it), or after the claim lease if this
        # process dies meanwhile: nothing is marked sent that was not.
        state["failures"] += 1
        wait = min(2.0 ** state["failures"], TICK_BACKOFF_MAX)
        state["resume_at"] = time.monotonic() + wait
        log.exception("scheduler tick failed (%d in a row); next try in %.0f s",
                      state["failures"], wait)
    else:
        if state["failures"]:
            log.warning("scheduler tick works again after %d failures", state["failures"])
        state["failures"], state["resume_at"] = 0, 0.0
