"""Webhook mode: Telegram posts updates to our own ASGI server (starlette on uvicorn), PTB's
custom-webhook pattern. Behind nginx with TLS (docs/deploy.md).

Every update request must carry Telegram's secret token header; a wrong or missing one, a
body that is not a JSON update, or a body over the configured size is refused and logged,
and the server keeps serving. `/healthz` tells a monitor whether the database answers, the
dispatcher is ticking and when the last update came.

Shutdown (SIGTERM/SIGINT) is graceful: uvicorn stops accepting connections and finishes the
requests it has (updates still arriving on open connections get 503; Telegram sends them
again later), the dispatcher ends its pass after the rows in hand (at most a batch),
then the Application processes the updates already queued, waits for the running scheduler
tick and flushes persistence. A second signal while that runs is only logged: the stop is
already under way.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, prepare
from bot.config import Config
from bot.services.container import Services

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DB_CHECK_TIMEOUT = 3.0
# The dispatcher counts as alive while its last pass is at most this many intervals old.
DISPATCHER_GRACE = 5
DISPATCHER_GRACE_MIN = timedelta(seconds=90)  # a pass may take up to 20 s (PASS_LIMIT)

PTBApp = Application[Any, Any, Any, Any, Any, Any]


class TooLarge(Exception):
    pass


class WebhookServer:
    def __init__(self, app: PTBApp, config: Config, services: Services) -> None:
        if not config.webhook.secret_token:
            raise ValueError("webhook mode needs webhook.secret_token "
                             "(or $OFFICEBOT_WEBHOOK_SECRET)")
        self.app = app
        self.config = config
        self.services = services
        self.secret = config.webhook.secret_token.encode()
        self.accepting = True
        self.last_update_at: datetime | None = None
        self.refused = 0
        self.asgi = Starlette(routes=[
            Route(config.webhook.path, self.receive, methods=["POST"]),
            Route("/healthz", self.health, methods=["GET"]),
        ])

    # --- updates ------------------------------------------------------------------------------

    def _refuse(self, request: Request, status: int, why: str) -> Response:
        self.refused += 1
        client = request.client.host if request.client else "?"
        log.warning("webhook: refused a request from %s with %d: %s", client, status, why)
        return JSONResponse({"ok": False, "error": why}, status_code=status)

    async def _body(self, request: Request) -> bytes:
        limit = self.config.webhook.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise TooLarge
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise TooLarge
        return bytes(body)

    async def receive(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            return self._refuse(request, 403, "wrong or missing secret token")
        if not self.accepting:
            # Telegram retries a failed delivery: the next instance (or this one, restarted)
            # takes it.
            return self._refuse(request, 503, "shutting down")
        try:
            body = await self._body(request)
        except TooLarge:
            return self._refuse(request, 413, "body too large")
        except ClientDisconnect:
            return self._refuse(request, 400, "client went away")
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            return self._refuse(request, 400, "body is not JSON")
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if type(update_id) is not int:  # bool is an int to isinstance
            return self._refuse(request, 400, "not a Telegram update")
        try:
            update = Update.de_json(data, self.app.bot)
        except Exception as exc:  # a malformed update must not take the server down
            return self._refuse(request, 400, f"not a Telegram update ({type(exc).__name__})")
        await self.app.update_queue.put(update)
        self.last_update_at = datetime.now(UTC)
        return Response(status_code=200)

    # --- health -------------------------------------------------------------------------------

    async def _database_ok(self) -> bool:
        try:
            async with asyncio.timeout(DB_CHECK_TIMEOUT):
                await self.services.db.ping()
            return True
        except Exception as exc:
            log.warning("healthz: database check failed: %r", exc)
            return False

    def _dispatcher_ok(self) -> bool | None:
        """None when this instance runs no scheduler (nothing to judge)."""
        if not self.app.bot_data.get("run_scheduler"):
            return None
        dispatcher = self.services.dispatcher
        last = dispatcher.last_run if dispatcher is not None else None
        if last is None:
            return False
        grace = max(self.config.outbox.dispatch_interval * DISPATCHER_GRACE,
                    DISPATCHER_GRACE_MIN)
        return self.services.clock.now() - last <= grace

    async def health(self, request: Request) -> Response:
        database = await self._database_ok()
        dispatcher = self._dispatcher_ok()
        healthy = database and dispatcher is not False and self.accepting
        body = {
            "ok": healthy,
            "database": database,
            "dispatcher": dispatcher,
            "accepting": self.accepting,
            "last_update_at": self.last_update_at.isoformat() if self.last_update_at else None,
            "refused": self.refused,
        }
        return JSONResponse(body, status_code=200 if healthy else 503)

    # --- running ------------------------------------------------------------------------------

    def server(self) -> uvicorn.Server:
        hook = self.config.webhook
        return _Server(uvicorn.Config(
            self.asgi, host=hook.listen, port=hook.port, log_level="warning",
            lifespan="off", access_log=False), self)

    def stopping(self) -> None:
        """The stop has begun: updates still arriving on open connections get 503 (Telegram
        delivers them again later), and the dispatcher ends after the rows in hand (at most
        a batch)."""
        self.accepting = False
        if self.services.dispatcher is not None:
            self.services.dispatcher.stopping = True

    async def register(self) -> None:
        """Tell Telegram where to post, with the secret, and which updates we take."""
        hook = self.config.webhook
        if not hook.url:
            raise ValueError("webhook mode needs webhook.url (the public https address)")
        await self.app.bot.set_webhook(url=hook.url, secret_token=hook.secret_token,
                                       allowed_updates=ALLOWED_UPDATES,
                                       drop_pending_updates=False)

    async def serve(self, server: uvicorn.Server | None = None, *,
                    register: bool = True) -> None:
        """Run until uvicorn is told to stop (a signal, or server.should_exit), then shut
        down gracefully."""
        server = server or self.server()
        async with self.app:
            await prepare(self.app)
            await self.app.start()
            with _signals_while_stopping():
                serving = asyncio.create_task(server.serve())
                try:
                    # Telegram is told where to post only once we listen there.
                    while True:  # uvicorn has no "started" event to await
                        if server.started or serving.done():
                            break
                        await asyncio.sleep(0.02)
                    if register and not serving.done():
                        await self.register()
                    await serving
                finally:
                    if not serving.done():  # registering failed: stop listening too
                        server.should_exit = True
                        await serving
                    self.stopping()
                    log.info("webhook: stopping; finishing queued updates and the outbox batch")
                    await self.app.stop()
        await self.services.db.dispose()


class _Server(uvicorn.Server):
    """uvicorn's server that tells the webhook the moment a stop is asked for."""

    def __init__(self, config: uvicorn.Config, hook: WebhookServer) -> None:
        super().__init__(config)
        self.hook = hook

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.hook.stopping()
        super().handle_exit(sig, frame)


@contextlib.contextmanager
def _signals_while_stopping() -> Iterator[None]:
    """uvicorn re-raises the signal that stopped it once it has stopped, to the handler it
    found; with the default handlers that would kill the process before the Application has
    finished its updates and the outbox batch. So the handler it finds is this one, which
    only notes a second signal."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def noted(sig: int, _frame: FrameType | None) -> None:
        log.info("webhook: signal %d noted; finishing before exit", sig)

    originals = {sig: signal.signal(sig, noted) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in originals.items():
            signal.signal(sig, handler)
