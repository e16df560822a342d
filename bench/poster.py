"""A lean poster for the sustained benchmark: forms posted one at a time over a kept-open HTTP/1.1 connection.

h11 builds each request and reads each response; the bytes come straight from the event loop's callbacks, as
`_Wire` in bench/fanout.py reads a screen's frames. With sixteen people posting as fast as they can, a full
client (httpx) spent more of this 2-core machine than the bare server it was measuring, so it set the figure.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlencode, urlsplit

import h11

# How long a post waits for its whole answer before the connection is given up.
ANSWER_TIMEOUT_S = 120.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class PostFailed(ConnectionError):
    """The connection broke, or the server's answer was not HTTP/1.1 as h11 reads it."""


@dataclass
class Answer:
    """A server's answer to one post."""

    status: int
    body: bytes
    headers: list[tuple[bytes, bytes]] = field(default_factory=list, compare=False)


class Poster(asyncio.Protocol):
    """One keep-alive connection that posts forms one after the other and reads each answer whole."""

    def __init__(
        self, host: str, headers: dict[str, str] | None = None, answer_within: float = ANSWER_TIMEOUT_S
    ) -> None:
        self.host = host
        self.headers = [("Host", host), *(headers or {}).items()]
        self.answer_within = answer_within
        self.timer: asyncio.TimerHandle | None = None
        self.connection = h11.Connection(h11.CLIENT)
        self.transport: asyncio.Transport | None = None
        self.waiting: asyncio.Future[Answer] | None = None
        self.status = 0
        self.answer_headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        # Why the connection can carry no more posts, once it cannot; whether the server has closed its side.
        self.broken: PostFailed | None = None
        self.ended = False
        # Whether an earlier request here got its answer; whether the current one has begun to be answered.
        self.reused = False
        self.answered_now = False

    @classmethod
    async def connect(
        cls, base: str, headers: dict[str, str] | None = None, answer_within: float = ANSWER_TIMEOUT_S
    ) -> Poster:
        """Open a connection to base (http://host:port); a post waits `answer_within` s for its answer."""
        parts = urlsplit(base)
        assert parts.hostname is not None and parts.port is not None, base
        loop = asyncio.get_running_loop()
        _, poster = await loop.create_connection(
            lambda: cls(parts.netloc, headers, answer_within), parts.hostname, parts.port
        )
        return poster

    async def post(self, path: str, form: dict[str, str]) -> Answer:
        """Post a form to path and return the answer; raise PostFailed if none came whole in time."""
        return await self.send(path, form)

    async def get(self, path: str) -> Answer:
        """Get path and return the answer; raise PostFailed if none came whole in time."""
        return await self.send(path, None)

    def send(self, path: str, form: dict[str, str] | None) -> asyncio.Future[Answer]:
        """Write the post of a form (urlencoded) to path, or a GET when form is None; return its future."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Answer] = loop.create_future()
        if self.broken is not None:
            future.set_exception(self.broken)
            return future
        assert self.transport is not None and self.waiting is None, "one post at a time"
        body = urlencode(form).encode() if form is not None else b""
        headers = [*self.headers, ("Content-Length", str(len(body)))]
        if form is not None:
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        method = "POST" if form is not None else "GET"
        request = self.connection.send(h11.Request(method=method, target=path, headers=headers))
        data = self.connection.send(h11.Data(data=body))
        end = self.connection.send(h11.EndOfMessage())
        self.waiting = future
        self.answered_now = False
        self.timer = loop.call_later(self.answer_within, self.timed_out)
        self.transport.write(b"".join((request or b"", data or b"", end or b"")))
        return future

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.connection.receive_data(data)
        self.read()

    def eof_received(self) -> bool | None:
        self.ended = True
        self.connection.receive_data(b"")
        self.read()
        self.fail(PostFailed("the server closed the connection"))
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        reason = f": {exc}" if exc is not None else ""
        self.fail(PostFailed(f"the connection was lost{reason}"))

    def read(self) -> None:
        """Read every event h11 has parsed: a whole answer settles the post waiting for it."""
        while self.broken is None:
            try:
                event = self.connection.next_event()
            except h11.RemoteProtocolError as exc:
                what = (
                    "closed the connection before its whole answer"
                    if self.ended
                    else "answered not in HTTP/1.1"
                )
                self.fail(PostFailed(f"the server {what} ({exc})"))
                return
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            if isinstance(event, h11.Response):
                self.answered_now = True
                self.status, self.body = event.status_code, []
                self.answer_headers = list(event.headers)
            elif isinstance(event, h11.Data):
                self.body.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                answer = Answer(self.status, b"".join(self.body), self.answer_headers)
                waiting, self.waiting, self.body = self.waiting, None, []
                self.reused = True
                self.stop_timer()
                if waiting is not None and not waiting.done():
                    waiting.set_result(answer)
                if self.connection.our_state is h11.DONE and self.connection.their_state is h11.DONE:
                    self.connection.start_next_cycle()
                else:  # the server asked to close (Connection: close): no more posts here
                    self.fail(PostFailed("the server closed the connection after its answer"))
            elif isinstance(event, h11.ConnectionClosed):
                self.fail(PostFailed("the server closed the connection"))
            # h11.InformationalResponse (100 Continue): nothing to do, the whole body was sent

    def timed_out(self) -> None:
        self.timer = None
        self.fail(PostFailed(f"no whole answer within {self.answer_within:g} s"))

    def stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def fail(self, error: PostFailed) -> None:
        """Fail the post waiting for an answer, and every later post, with error."""
        self.stop_timer()
        if self.broken is None:
            self.broken = error
        waiting, self.waiting = self.waiting, None
        if waiting is not None and not waiting.done():
            waiting.set_exception(self.broken)
        if self.transport is not None:
            self.transport.close()

    def close(self) -> None:
        """Close the connection."""
        self.fail(PostFailed("closed by this client"))


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user and system, all threads) a process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        # The command may hold spaces and parentheses: the fields counted here come after its last ')'.
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass
class Usage:
    """CPU used by this process and by some servers over a measured window."""

    seconds: float
    client_cpu_s: float
    server_cpu_s: float

    @property
    def client_cores(self) -> float:
        return self.client_cpu_s / self.seconds

    @property
    def server_cores(self) -> float:
        return self.server_cpu_s / self.seconds


class Window:
    """Measure the wall time and the CPU of this process and of the server processes pids while it is open."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids

    def __enter__(self) -> Window:
        self.started = time.perf_counter()
        self.client = time.process_time()
        self.servers = sum(cpu_seconds(pid) for pid in self.pids)
        return self

    def __exit__(self, *exc: object) -> None:
        self.usage = Usage(
            time.perf_counter() - self.started,
            time.process_time() - self.client,
            sum(cpu_seconds(pid) for pid in self.pids) - self.servers,
        )
