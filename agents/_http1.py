"""Keep-alive HTTP/1.1 connections for the fast path's chat-completions posts.

The SDK's HTTP library sends each request through several layers (the client's auth,
redirect and event-hook handling, the connection pool's bookkeeping, a protocol state machine
that validates every header again, async-library shims around each socket read and write);
for a model call that posts a few kilobytes and reads a JSON answer, those layers cost more
CPU than the rest of the call. :class:`Http1Pool` sends a request whose head (request line and
headers) was put together once, with its body, in one write on a kept-alive connection, and
reads the answer with an asyncio protocol: the status line, the headers, and a body framed by
``Content-Length``, chunked transfer coding or the connection's close.

It is used only for what it covers exactly (see ``agents._fastpath.DirectSender``): a plain
``http``/``https`` origin reached without a proxy, by a client with no auth, cookies or event
hooks. Timeouts follow the request's ``timeout`` (connect: opening a connection; read: the
longest wait for the next bytes of the answer; pool: the wait for a connection when all
``max_connections`` are busy); writes are buffered by the event loop, so a server that stops
reading runs into the read timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import deque
from typing import Any

__all__ = ["ConnectFailed", "Http1Pool", "ProtocolFailed", "RawResponse", "TimedOut"]


class TimedOut(Exception):
    """A connect, read or pool timeout."""


class ConnectFailed(Exception):
    """The connection could not be opened, or was lost before the answer was complete."""


class ProtocolFailed(Exception):
    """The server's answer was not HTTP/1.1 this module can read."""


class RawResponse:
    """A complete answer: ``status``, ``headers`` (raw name/value pairs, names as sent),
    ``body`` (as received, content coding not undone), and the status line's ``version`` and
    ``reason``."""

    __slots__ = ("body", "headers", "reason", "status", "version")

    def __init__(
        self,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        version: bytes = b"HTTP/1.1",
        reason: bytes = b"",
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.version = version
        self.reason = reason

    def header(self, name: bytes) -> bytes | None:
        """The last value of header ``name`` (lower case), or None."""
        found = None
        for key, value in self.headers:
            if key.lower() == name:
                found = value
        return found


_NO_BODY = frozenset({204, 304})


class _Connection(asyncio.Protocol):
    """One connection; reads one answer at a time into ``waiter``."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._buffer = bytearray()
        self._waiter: asyncio.Future[RawResponse] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._read_timeout: float | None = None
        self._last_data = 0.0
        self._head: tuple[int, list[tuple[bytes, bytes]], int, bool] | None = None
        self._status_line: tuple[bytes, bytes] = (b"HTTP/1.1", b"")
        self.keep_alive = True

    # -- asyncio.Protocol
    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():  # bytes nobody asked for: the connection is spoilt
            self.close()
            return
        self._buffer += data
        self._last_data = self.loop.time()
        try:
            response = self._parse(eof=False)
        except ProtocolFailed as exc:
            self._fail(exc)
            return
        if response is not None:
            self._finish(response)

    def eof_received(self) -> bool:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            try:
                response = self._parse(eof=True)
            except ProtocolFailed as exc:
                self._fail(exc)
            else:
                if response is not None:
                    self.keep_alive = False
                    self._finish(response)
                else:
                    self._fail(ConnectFailed("the server closed the connection mid-answer"))
        self.closed = True
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._cancel_timer()
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(ConnectFailed(f"connection lost: {exc or 'closed'}"))

    # -- requests
    async def exchange(self, data: bytes, read_timeout: float | None) -> RawResponse:
        """Write one request (head and body) and wait for its whole answer."""
        assert self.transport is not None
        waiter = self.loop.create_future()
        self._waiter, self._buffer, self._head = waiter, bytearray(), None
        self._read_timeout = read_timeout
        self.transport.write(data)
        if read_timeout is not None:
            self._last_data = self.loop.time()
            self._timer = self.loop.call_at(self._last_data + read_timeout, self._check_timeout)
        try:
            return await waiter
        finally:
            self._waiter = None
            self._cancel_timer()

    def _check_timeout(self) -> None:
        self._timer = None
        waiter, timeout = self._waiter, self._read_timeout
        if waiter is None or waiter.done() or timeout is None:
            return
        due = self._last_data + timeout
        if self.loop.time() >= due:
            self._fail(TimedOut("read timed out"))
        else:
            self._timer = self.loop.call_at(due, self._check_timeout)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _finish(self, response: RawResponse) -> None:
        assert self._waiter is not None
        self._cancel_timer()
        self._waiter.set_result(response)

    def _fail(self, exc: Exception) -> None:
        self.keep_alive = False
        self._cancel_timer()
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    # -- parsing
    def _parse(self, *, eof: bool) -> RawResponse | None:
        """The complete answer in the buffer, or None while more bytes are needed."""
        buffer = self._buffer
        while self._head is None:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > 1 << 20:
                    raise ProtocolFailed("response head longer than 1 MiB")
                return None
            head = self._read_head(bytes(buffer[:end]))
            del buffer[: end + 4]
            if head is not None:  # None: an interim 1xx answer, the real one follows
                self._head = head
        status, headers, length, chunked = self._head
        if chunked:
            body = _dechunk(buffer)
            if body is None:
                return None
        elif length >= 0:
            if len(buffer) < length:
                return None
            body = bytes(buffer[:length])
            if len(buffer) > length:  # more than one answer: do not reuse the connection
                self.keep_alive = False
        elif eof:  # framed by the connection's close
            body = bytes(buffer)
        else:
            return None
        return RawResponse(status, headers, body, *self._status_line)

    def _read_head(self, head: bytes) -> tuple[int, list[tuple[bytes, bytes]], int, bool] | None:
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise ProtocolFailed(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
        status = int(parts[1])
        self._status_line = (parts[0], parts[2] if len(parts) > 2 else b"")
        if 100 <= status < 200:
            if status == 101:
                raise ProtocolFailed("the server switched protocols")
            return None
        headers: list[tuple[bytes, bytes]] = []
        length, chunked = -1, False
        connection = b""
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or not name or name != name.strip() or line[:1] in b" \t":
                raise ProtocolFailed(f"malformed header line: {line[:80]!r}")
            value = value.strip(b" \t")
            headers.append((name, value))
            key = name.lower()
            if key == b"content-length":
                if not value.isdigit() or (length >= 0 and int(value) != length):
                    raise ProtocolFailed(f"bad Content-Length: {value[:40]!r}")
                length = int(value)
            elif key == b"transfer-encoding":
                codings = [c.strip().lower() for c in value.split(b",")]
                if codings[-1:] != [b"chunked"] or len(codings) != 1:
                    raise ProtocolFailed(f"unsupported Transfer-Encoding: {value[:40]!r}")
                chunked = True
            elif key == b"connection":
                connection = value.lower()
        if status in _NO_BODY:
            length, chunked = 0, False
        elif chunked:
            length = -1
        if b"close" in connection or (parts[0] == b"HTTP/1.0" and b"keep-alive" not in connection):
            self.keep_alive = False
        if length < 0 and not chunked:
            self.keep_alive = False
        return status, headers, length, chunked


def _dechunk(buffer: bytearray) -> bytes | None:
    """The body of a complete chunked message in ``buffer`` (trailers dropped), or None."""
    parts: list[bytes] = []
    at = 0
    while True:
        end = buffer.find(b"\r\n", at)
        if end < 0:
            return None
        size_text = bytes(buffer[at:end]).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ProtocolFailed(f"bad chunk size: {size_text[:20]!r}") from None
        at = end + 2
        if size == 0:
            trailer_end = buffer.find(b"\r\n", at)
            while trailer_end >= 0 and trailer_end != at:  # skip trailer fields
                at = trailer_end + 2
                trailer_end = buffer.find(b"\r\n", at)
            if trailer_end < 0:
                return None
            return b"".join(parts)
        if len(buffer) < at + size + 2:
            return None
        parts.append(bytes(buffer[at : at + size]))
        at += size + 2


class Http1Pool:
    """Kept-alive connections per origin (scheme, host, port) on one event loop.

    Args:
        ssl_context: For ``https`` origins (the client's verified context).
        max_connections: Connections open at once; a request beyond waits (pool timeout).
        keepalive_expiry: Seconds an idle connection is kept for reuse.
    """

    def __init__(
        self,
        ssl_context: ssl.SSLContext | None,
        *,
        max_connections: int | None = 1000,
        keepalive_expiry: float | None = 5.0,
    ) -> None:
        self._ssl = ssl_context
        self._max = max_connections
        self._expiry = keepalive_expiry
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._open = 0
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    async def send(
        self, origin: tuple[str, str, int], data: bytes, timeouts: dict[str, float | None]
    ) -> RawResponse:
        """Send ``data`` (a whole request) to ``origin`` and return the answer.

        Raises :class:`TimedOut`, :class:`ConnectFailed` or :class:`ProtocolFailed`.
        """
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._forget()
            self._loop = loop
        connection = await self._acquire(origin, loop, timeouts)
        try:
            response = await connection.exchange(data, timeouts.get("read"))
        except BaseException:
            connection.close()
            self._dropped()
            raise
        if connection.keep_alive and not connection.closed and not self._closed:
            connection.idle_since = loop.time()
            self._idle.setdefault(origin, []).append(connection)
            self._wake()
        else:
            connection.close()
            self._dropped()
        return response

    async def _acquire(
        self,
        origin: tuple[str, str, int],
        loop: asyncio.AbstractEventLoop,
        timeouts: dict[str, float | None],
    ) -> _Connection:
        """An idle connection to ``origin``, else a new one; when ``max_connections`` are open
        (none idle for this origin), an idle one to another origin is closed to make room, or
        the request waits for one to come free (at most the pool timeout)."""
        deadline = None
        while True:
            connection = self._reuse(origin, loop)
            if connection is not None:
                return connection
            if self._closed:
                raise ConnectFailed("the client has been closed")
            if self._max is None or self._open < self._max or self._close_one_idle():
                return await self._connect(origin, loop, timeouts)
            if deadline is None:
                pool = timeouts.get("pool")
                deadline = None if pool is None else loop.time() + pool
            await self._wait_for_slot(loop, None if deadline is None else deadline - loop.time())

    def _reuse(
        self, origin: tuple[str, str, int], loop: asyncio.AbstractEventLoop
    ) -> _Connection | None:
        idle = self._idle.get(origin)
        now = loop.time()
        while idle:
            connection = idle.pop()
            transport = connection.transport
            fresh = self._expiry is None or now - connection.idle_since < self._expiry
            if connection.closed or transport is None or transport.is_closing() or not fresh:
                connection.close()
                self._open = max(0, self._open - 1)
                continue
            return connection  # still counted in _open
        return None

    async def _connect(
        self,
        origin: tuple[str, str, int],
        loop: asyncio.AbstractEventLoop,
        timeouts: dict[str, float | None],
    ) -> _Connection:
        self._open += 1
        scheme, host, port = origin
        context = None
        if scheme == "https":
            context = self._ssl if self._ssl is not None else ssl.create_default_context()
            context.set_alpn_protocols(["http/1.1"])
        try:
            connect = loop.create_connection(
                lambda: _Connection(loop), host, port, ssl=context,
                server_hostname=host if context is not None else None,
            )  # fmt: skip
            async with asyncio.timeout(timeouts.get("connect")):
                _transport, connection = await connect
        except TimeoutError:
            self._dropped()
            raise TimedOut("connect timed out") from None
        except (OSError, ssl.SSLError) as exc:
            self._dropped()
            raise ConnectFailed(str(exc) or type(exc).__name__) from exc
        except BaseException:
            self._dropped()
            raise
        return connection

    async def _wait_for_slot(self, loop: asyncio.AbstractEventLoop, timeout: float | None) -> None:
        """Wait until a request ends (its connection idle again or closed)."""
        if timeout is not None and timeout <= 0:
            raise TimedOut("pool timed out (all connections busy)")
        slot: asyncio.Future[None] = loop.create_future()
        self._waiting.append(slot)
        try:
            async with asyncio.timeout(timeout):
                await slot
        except TimeoutError:
            raise TimedOut("pool timed out (all connections busy)") from None
        finally:
            with contextlib.suppress(ValueError):
                self._waiting.remove(slot)

    def _close_one_idle(self) -> bool:
        for idle in self._idle.values():
            if idle:
                idle.pop(0).close()
                self._open = max(0, self._open - 1)
                return True
        return False

    def _dropped(self) -> None:
        """One connection fewer is open: a request waiting for a slot may go ahead."""
        self._open = max(0, self._open - 1)
        self._wake()

    def _wake(self) -> None:
        while self._waiting:
            slot = self._waiting.popleft()
            if not slot.done():
                slot.set_result(None)
                break

    def _forget(self) -> None:
        """Drop the connections of another (closed) event loop."""
        for idle in self._idle.values():
            for connection in idle:
                with contextlib.suppress(Exception):
                    connection.close()
        self._idle.clear()
        self._open = 0

    def close(self) -> None:
        """Close every idle connection; later requests fail."""
        self._closed = True
        self._forget()
