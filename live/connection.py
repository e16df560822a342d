"""One socket's side of the hub: a bounded queue drained by its own writer, and the watchdog of its sends."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

Send = Callable[[str], Awaitable[None]]
# Writes a frame at once if that cannot wait; False when it must go through Send (see app/wsproto.py).
SendNow = Callable[[str], bool]

CLOSE_TRY_AGAIN = 1013


class Connection:
    """One socket: a queue bounded in messages and bytes, drained by its own writer.

    The bounds hold the backlog: what waits behind what the screen needs now. The frames a socket catches up
    with (its snapshot or replay) and a frame offered while nothing waits go through however large they are:
    a facilitator's snapshot holds the whole roster, and a screen that cannot have it can never catch up.
    A socket created `catching_up` (its snapshot is being read) is not held to the byte bound until it has
    its catch-up: nothing can be sent to it before, and its snapshot drops the frames it covers.

    With `send_now`, a frame offered to a caught-up socket whose queue is empty and whose writer is idle is
    written at once by the caller (the hub's fan-out), and the writer is not woken: a fan-out to 1,000
    screens then costs one write each, not a task switch and a coroutine chain each. When the socket cannot
    take it at once (its buffer is full, it is closing) the frame is queued as before.
    """

    def __init__(
        self,
        send: Send,
        *,
        max_messages: int = 256,
        max_bytes: int = 4 << 20,
        owner: str = "",
        catching_up: bool = False,
        send_now: SendNow | None = None,
    ) -> None:
        self._send = send
        self._send_now = send_now
        # Whose socket this is (opaque to the hub), so that all of one person's sockets can be found.
        self.owner = owner
        self.close_code: int | None = None
        # (seq or -1, text, True for a refresh: a newer refresh replaces one still waiting).
        self._queue: deque[tuple[int, str, bool]] = deque()
        # The first `_leading` frames of the queue are the catch-up; `_bytes` counts the frames after them.
        self._leading = 0
        self._bytes = 0
        self._ready = asyncio.Event()
        self.max_messages = max_messages
        self.max_bytes = max_bytes
        self.catching_up = catching_up
        self.last_seq = -1
        self.overflowed = False
        self.closed = False
        # The loop time a send started, while it runs; whether the watchdog cut it off.
        self.sending_since: float | None = None
        self.send_expired = False
        # Told once when the queue overflows (the hub counts cut-offs for the metrics).
        self.on_cut_off: Callable[[], None] | None = None

    def offer(self, seq: int, text: str) -> bool:
        """Queue a frame unless this socket already has that state; False means it was cut off."""
        if seq <= self.last_seq:
            return not (self.closed or self.overflowed)
        self.last_seq = seq
        return self._append(seq, text)

    def offer_control(self, text: str) -> bool:
        """Queue a frame that carries no race state (a time probe's answer)."""
        return self._append(-1, text)

    def offer_refresh(self, text: str) -> bool:
        """Queue state that has no seq (who is online) in place of the older refresh still waiting, if any."""
        for entry in list(self._queue)[self._leading :]:
            if entry[2]:
                self._queue.remove(entry)
                self._bytes -= len(entry[1])
        return self._append(-1, text, refresh=True)

    def catch_up(self, seq: int, frames: list[tuple[int, str]]) -> None:
        """Put what brings the screen to `seq` first (snapshot or replay); drop queued frames it covers."""
        kept = [entry for entry in self._queue if entry[0] > seq or entry[0] < 0]
        self._queue = deque([*((frame_seq, frame, False) for frame_seq, frame in frames), *kept])
        self._leading = len(frames)
        self._bytes = sum(len(entry[1]) for entry in kept)
        self.last_seq = max(self.last_seq, seq)
        self.catching_up = False
        self._ready.set()

    def _append(self, seq: int, text: str, *, refresh: bool = False) -> bool:
        if self.closed or self.overflowed or self.close_code is not None:
            # Cut: nothing offered after the cut may reach the screen (a moved person's old team).
            return False
        backlog = len(self._queue) - self._leading
        too_big = self._bytes + len(text) > self.max_bytes and not self.catching_up
        if backlog and (backlog >= self.max_messages or too_big):
            # A screen this far behind resyncs from a snapshot; it must not hold memory for the others.
            self.overflowed = True
            self._queue.clear()
            self._leading = 0
            self._bytes = 0
            self._ready.set()
            if self.on_cut_off is not None:
                self.on_cut_off()
            return False
        if (
            self._send_now is not None
            and not self._queue
            and self.sending_since is None
            and not self.catching_up
            and self.close_code is None
            and self._send_now(text)
        ):
            return True
        self._queue.append((seq, text, refresh))
        self._bytes += len(text)
        self._ready.set()
        return True

    @property
    def pending(self) -> int:
        """Return how many frames wait to be sent."""
        return len(self._queue)

    async def run_writer(self, send_timeout: float) -> int | None:
        """Send queued frames in order until closed; return a close code when the socket must be cut off.

        A send that has not finished after `send_timeout` seconds cuts the socket off (see _Watchdog).
        """
        loop = asyncio.get_running_loop()
        writer = asyncio.current_task()
        assert writer is not None
        watchdog = _Watchdog.of(loop)
        watchdog.watch(self, writer, send_timeout)
        try:
            while not self.closed:
                await self._ready.wait()
                self._ready.clear()
                if self.overflowed:
                    return CLOSE_TRY_AGAIN
                if self.close_code is not None:
                    return self.close_code
                while self._queue and self.close_code is None:
                    _, text, _ = self._queue.popleft()
                    if self._leading:
                        self._leading -= 1
                    else:
                        self._bytes -= len(text)
                    self.sending_since = loop.time()
                    try:
                        await self._send(text)
                    except asyncio.CancelledError:
                        if not self.send_expired:
                            raise
                        writer.uncancel()  # the watchdog's cancellation, not the caller's
                        return CLOSE_TRY_AGAIN
                    finally:
                        self.sending_since = None
                    # Sent: an idle socket must not keep its last frame (a facilitator's snapshot is MBs).
                    del text
            return None
        finally:
            watchdog.forget(self)

    def cut(self, code: int) -> None:
        """Have the writer stop and close the socket with this code."""
        self.close_code = code
        self._ready.set()

    def close(self) -> None:
        """Stop the writer."""
        self.closed = True
        self._ready.set()


class _Watchdog:
    """Cuts off the sends that take too long, for every writer on one event loop.

    A send scarcely ever waits (only when the screen's socket buffer is full), and a timer per socket and
    frame would cost a fan-out dearly: each writer notes when its send started, and one task looks at the
    writers a few times per timeout and cancels a send that has run for longer. The loop runs one thing at a
    time, so a send seen unfinished is still the await the cancellation lands in.
    """

    _loops: dict[int, _Watchdog] = {}

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._writers: dict[Connection, tuple[asyncio.Task[object], float]] = {}
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop) -> _Watchdog:
        """Return the watchdog of a loop."""
        found = cls._loops.get(id(loop))
        if found is None or found._loop is not loop:
            found = cls._loops[id(loop)] = cls(loop)
        return found

    def watch(self, conn: Connection, writer: asyncio.Task[object], timeout: float) -> None:
        """Watch a writer's sends."""
        self._writers[conn] = (writer, timeout)
        if self._task is None:
            self._task = self._loop.create_task(self._run())

    def forget(self, conn: Connection) -> None:
        """Stop watching a writer."""
        self._writers.pop(conn, None)

    async def _run(self) -> None:
        try:
            while self._writers:
                # A look every tenth of the shortest timeout (at most a second): a send is cut off after
                # 0.9 to 1.0 times its timeout.
                step = min(1.0, min(timeout for _, timeout in self._writers.values()) / 10)
                await asyncio.sleep(step)
                now = self._loop.time()
                for conn, (writer, timeout) in list(self._writers.items()):
                    started = conn.sending_since
                    if started is not None and now - started >= timeout - step and not conn.send_expired:
                        conn.send_expired = True
                        writer.cancel()
        finally:
            self._task = None
            if not self._writers and self._loops.get(id(self._loop)) is self:
                del self._loops[id(self._loop)]
