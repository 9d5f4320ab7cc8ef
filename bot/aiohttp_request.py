"""The bot's HTTP client for the Bot API: PTB's request interface over aiohttp.

PTB ships one implementation, over httpx. A Bot API call through it cost this process about
1.1 ms of CPU against 0.6 ms through aiohttp (a sendMessage to the emulator, PTB's own
parsing included on both sides; docs/performance.md §1), and the bot makes two to three
calls for each update it handles. PTB documents BaseRequest as the place to plug in another
client; this one keeps HTTPXRequest's defaults, timeouts and errors:

- pool: 256 connections for the bot's calls, 1 for getUpdates (as ApplicationBuilder sets);
- `pool_timeout` bounds waiting for a free connection, `connect_timeout` opening one,
  `read_timeout` waiting for the answer (getUpdates adds its long-poll time to it);
- aiohttp has no write timeout: an upload is bounded as a whole by `write_timeout` (20 s for
  files, `media_write_timeout`, as in PTB) plus `read_timeout`;
- a timeout raises `TimedOut`, any other transport failure `NetworkError`, both from
  telegram.error, so PTB's retries, our error handler and the dispatcher treat them as before.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB's private DefaultValue: "not passed, use the instance's own value".
_NOT_PASSED = type(BaseRequest.DEFAULT_NONE)
Timeout = Any  # a float, None (no limit) or BaseRequest.DEFAULT_NONE

BOT_POOL = 256
GET_UPDATES_POOL = 1


class AiohttpRequest(BaseRequest):
    """One aiohttp session and connection pool; made in `initialize`, inside the event loop
    that will use it (aiohttp binds a session to its loop), and made again after `shutdown`."""

    __slots__ = ("_connect", "_media_write", "_pool", "_pool_size", "_read", "_session",
                 "_write")

    def __init__(self, connection_pool_size: int = BOT_POOL, *, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0,
                 media_write_timeout: float | None = 20.0) -> None:
        self._pool_size = connection_pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                # The Bot API sets no cookies; a jar would only cost time on every answer.
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.USER_AGENT},
                timeout=aiohttp.ClientTimeout(total=None),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        write_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        connect_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        pool_timeout: Timeout = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else None
        read = self._read if isinstance(read_timeout, _NOT_PASSED) else read_timeout
        connect = self._connect if isinstance(connect_timeout, _NOT_PASSED) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, _NOT_PASSED) else pool_timeout
        write = ((self._media_write if files else self._write)
                 if isinstance(write_timeout, _NOT_PASSED) else write_timeout)
        timeout = aiohttp.ClientTimeout(
            total=(write or 0) + (read or 0) if files and write is not None else None,
            # aiohttp's `connect` is the wait for a pooled connection plus opening a new one.
            connect=None if pool is None and connect is None else (pool or 0) + (connect or 0),
            sock_connect=connect,
            sock_read=read,
        )
        data: Any = None
        if files:
            # Raw UTF-8 file names, as Telegram takes them (aiohttp would send 值班表.xlsx
            # percent-encoded, and Telegram would keep it so).
            form = aiohttp.FormData(request_data.json_parameters if request_data else None,
                                    quote_fields=False)
            for name, (filename, content, mime) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime)
            data = form
        elif request_data is not None:
            data = request_data.json_parameters  # sent form-encoded, as PTB's httpx client does
        try:
            async with session.request(method, url, data=data, timeout=timeout) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as err:
            raise TimedOut("Timed out waiting for a connection to the Bot API "
                           "(pool or connect timeout); the request was not sent") from err
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # The class name says what failed when the message is empty.
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
