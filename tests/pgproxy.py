"""A TCP proxy between the bot's engine and PostgreSQL, so a test can lose the database for
real without any privilege over the server: `cut()` closes every open connection and turns
new ones away, as a server that went down does; `stall()` keeps every connection open but
lets no byte through, as a network that silently drops packets looks from either end (no
reset ever comes; what was held back is delivered after `restore()`, as TCP would resend
it); `restore()` lets them through again.

`cut()` is synchronous so it can be called from inside a synchronous hook (the emulator's
event callback) at an exact point of the bot's work, before the bot gets control back.
"""

from __future__ import annotations

import asyncio
import contextlib


class PgProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = 0  # chosen by the system at start()
        self.up = True
        # Connections turned away while cut: how hard the bot knocks while the database is
        # gone.
        self.refused = 0
        self.accepted = 0
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.BaseTransport] = set()
        self._pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def cut(self) -> None:
        """The database is lost: every open connection drops, new ones are reset."""
        self.up = False
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()

    def stall(self) -> None:
        """Bytes stop moving both ways; connections stay open and new ones are accepted."""
        self._flowing.clear()

    def restore(self) -> None:
        self.up = True
        self._flowing.set()

    async def stop(self) -> None:
        self.cut()
        self._flowing.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._pipes):
            task.cancel()
        for task in list(self._pipes):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def __aenter__(self) -> PgProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _accept(self, client_reader: asyncio.StreamReader,
                      client_writer: asyncio.StreamWriter) -> None:
        if not self.up:
            self.refused += 1
            # A reset, not a polite close: the client fails at once, as against a port
            # nobody listens on, and the proxy keeps its port for the return.
            client_writer.transport.abort()
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(
                self.target_host, self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        if not self.up:  # cut while we were connecting upstream
            server_writer.transport.abort()
            client_writer.transport.abort()
            self.refused += 1
            return
        self.accepted += 1
        pair = (client_writer.transport, server_writer.transport)
        self._transports.update(pair)
        for reader, writer in ((client_reader, server_writer), (server_reader, client_writer)):
            task = asyncio.create_task(self._pipe(reader, writer, pair))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    pair: tuple[asyncio.BaseTransport, asyncio.BaseTransport]) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            # One side ended: end the other too, as a direct connection would.
            for transport in pair:
                self._transports.discard(transport)
                transport.abort()
