"""The bot's HTTP client for the Bot API: PTB's request interface over aiohttp.

PTB ships one implementation, over httpx. A Bot API call through it cost this process about
1.1 ms of CPU against 0.6 ms through aiohttp (a sendMessage to the emulator, PTB's own
parsing included on both sides; docs/performance.md §1), and the bot makes one to three
calls for each update it handles. PTB documents BaseRequest as the place to plug in another
client; this one keeps HTTPXRequest's defaults, timeouts and errors:

- pool: 256 connections for the bot's calls, 1 for getUpdates (as ApplicationBuilder sets);
- `pool_timeout` bounds waiting for a free connection, `connect_timeout` opening one,
  `read_timeout` waiting for the answer (getUpdates adds its long-poll time to it);
- aiohttp has no write timeout, and starts `read_timeout` only once the body is sent: an
  upload is bounded as a whole by `write_timeout` (20 s for files, `media_write_timeout`, as
  in PTB), plus `read_timeout`, plus the time to send the file at 16 KiB/s. So a stalled
  upload gives up late: a 20 MiB file after about 22 minutes (20 s + 5 s + 1280 s), where
  httpx's write timeout would have noticed the stall in 20 s. Kept so: what the bot uploads
  is small and made by it (spreadsheets, calendar files; files people sent go again by
  file_id), and a lower bound would cut short a large file on a poor line that is still
  going; catching the stall itself needs a watch on the body's progress that aiohttp does
  not offer;
- a timeout raises `TimedOut`, any other transport failure `NetworkError`, both from
  telegram.error, so PTB's retries, our error handler and the dispatcher treat them as before;
- a proxy from the environment (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY), as httpx
  honours them: an office that reaches Telegram only through a proxy keeps working. HTTP(S)
  proxies only; a SOCKS one is refused with a clear error (httpx needed an extra for it);
- redirects are not followed (nor are they by httpx): a wrong `api_base_url` that redirects
  must not send the token-bearing request elsewhere.
"""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB's private DefaultValue: "not passed, use the instance's own value".
_NOT_PASSED = type(BaseRequest.DEFAULT_NONE)
Timeout = Any  # a float, None (no limit) or BaseRequest.DEFAULT_NONE

BOT_POOL = 256
GET_UPDATES_POOL = 1
# An upload may take its write timeout plus the time to send it at this rate (a poor mobile
# link): a large file on a slow line still goes, a stalled one gives up.
UPLOAD_FLOOR_BYTES_PER_S = 16 * 1024
# Control characters are not allowed in a multipart header; httpx percent-encoded them.
_HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


class AiohttpRequest(BaseRequest):
    """One aiohttp session and connection pool; made in `initialize`, inside the event loop
    that will use it (aiohttp binds a session to its loop), and made again after `shutdown`."""

    __slots__ = ("_connect", "_media_write", "_pool", "_pool_size", "_proxies", "_read",
                 "_session", "_write")

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
        self._proxies: dict[str, str | None] = {}

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
        self._proxies.clear()

    def _proxy_for(self, url: str) -> str | None:
        """The environment's proxy for this URL's origin, looked up once per session."""
        origin = url.split("/", 3)
        key = "/".join(origin[:3])
        if key not in self._proxies:
            parts = urllib.parse.urlsplit(url)
            found = None
            if not urllib.request.proxy_bypass(parts.hostname or ""):
                env = urllib.request.getproxies()
                found = env.get(parts.scheme) or env.get("all")
            if found and urllib.parse.urlsplit(found).scheme not in ("http", "https"):
                raise NetworkError(f"the proxy {found!r} from the environment is not an HTTP(S) "
                                   "proxy; the bot's Bot API client takes HTTP(S) proxies only")
            self._proxies[key] = found or None
        return self._proxies[key]

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
        size = sum(len(content) for _, content, _ in files.values()
                   if isinstance(content, bytes)) if files else 0
        timeout = aiohttp.ClientTimeout(
            total=(write + (read or 0) + size / UPLOAD_FLOOR_BYTES_PER_S
                   if files and write is not None else None),
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
                form.add_field(name, content, filename=_HEADER_UNSAFE.sub("_", filename),
                               content_type=mime)
            data = form
        elif request_data is not None:
            data = request_data.json_parameters  # sent form-encoded, as PTB's httpx client does
        proxy = self._proxy_for(url)
        try:
            async with session.request(method, url, data=data, timeout=timeout, proxy=proxy,
                                       allow_redirects=False) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as err:
            raise TimedOut("Timed out waiting for a connection to the Bot API "
                           "(pool or connect timeout); the request was not sent") from err
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # The class name says what failed when the message is empty.
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
