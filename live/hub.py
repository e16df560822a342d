"""The hub: render a change once per audience and queue the same text to each of its sockets."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from live.history import History

log = logging.getLogger("kraftsamla.live")

# (seq the frames reflect, audience -> text). The app renders them from its templates.
Frames = tuple[int, dict[str, str]]
Render = Callable[[int, int, frozenset[str]], Awaitable[Frames]]
# Frames that carry no race state (who is online): race, audiences present -> audience -> text.
Refresh = Callable[[int, frozenset[str]], Awaitable[dict[str, str]]]
Send = Callable[[str], Awaitable[None]]

CLOSE_TRY_AGAIN = 1013


class Connection:
    """One socket: a queue bounded in messages and bytes, drained by its own writer.

    The bounds hold the backlog: what waits behind what the screen needs now. The frames a socket is primed
    with (its snapshot or replay) and a frame offered while nothing waits go through however large they are:
    a facilitator's snapshot holds the whole roster, and a screen that cannot have it can never catch up.
    A socket created `catching_up` (its snapshot is being read) is not held to the byte bound until it is
    primed: nothing can be sent to it before, and its snapshot drops the frames it covers.
    """

    def __init__(
        self,
        send: Send,
        *,
        max_messages: int = 256,
        max_bytes: int = 4 << 20,
        owner: str = "",
        catching_up: bool = False,
    ) -> None:
        self._send = send
        # Whose socket this is (opaque to the hub), so that all of one person's sockets can be found.
        self.owner = owner
        self.close_code: int | None = None
        # (seq or -1, text, True for a refresh: a newer refresh replaces one still waiting).
        self._queue: deque[tuple[int, str, bool]] = deque()
        # The first `_primed` frames of the queue are the priming ones; `_bytes` counts the frames after them.
        self._primed = 0
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
        for entry in list(self._queue)[self._primed :]:
            if entry[2]:
                self._queue.remove(entry)
                self._bytes -= len(entry[1])
        return self._append(-1, text, refresh=True)

    def prime(self, seq: int, frames: list[tuple[int, str]]) -> None:
        """Put what brings the screen to `seq` first (snapshot or replay); drop queued frames it covers."""
        kept = [entry for entry in self._queue if entry[0] > seq or entry[0] < 0]
        self._queue = deque([*((frame_seq, frame, False) for frame_seq, frame in frames), *kept])
        self._primed = len(frames)
        self._bytes = sum(len(entry[1]) for entry in kept)
        self.last_seq = max(self.last_seq, seq)
        self.catching_up = False
        self._ready.set()

    def _append(self, seq: int, text: str, *, refresh: bool = False) -> bool:
        if self.closed or self.overflowed:
            return False
        backlog = len(self._queue) - self._primed
        too_big = self._bytes + len(text) > self.max_bytes and not self.catching_up
        if backlog and (backlog >= self.max_messages or too_big):
            # A screen this far behind resyncs from a snapshot; it must not hold memory for the others.
            self.overflowed = True
            self._queue.clear()
            self._primed = 0
            self._bytes = 0
            self._ready.set()
            return False
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
                while self._queue:
                    _, text, _ = self._queue.popleft()
                    if self._primed:
                        self._primed -= 1
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

    A send scarcely ever waits (only when the screen's socket buffer is full), yet a timeout scope around each
    one armed and cancelled a timer per socket and frame: a fifth of the server's CPU in a fan-out to 1,000
    screens (py-spy). Instead each writer notes when its send started, and one task looks at the writers a few
    times per timeout and cancels a send that has run for longer. The loop runs one thing at a time, so a send
    seen unfinished is still the await the cancellation lands in.
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


@dataclass
class _Channel:
    """The sockets of one race, by audience, and how far its frames have been rendered."""

    # None until the first snapshot says where the race stands.
    rendered_seq: int | None = None
    target_seq: int = -1
    audiences: dict[str, set[Connection]] = field(default_factory=dict)
    # The same sockets by owner: a storm of arrivals checks each one's count without scanning them all.
    owners: dict[str, set[Connection]] = field(default_factory=dict)
    history: History = field(default_factory=History)
    task: asyncio.Task[None] | None = None
    refresh_wanted: bool = False
    # The hub's stamp when a render of this race last started or ended, and whether one is under way.
    stamp: int = 0
    rendering: bool = False
    # Set while refreshes are being gathered for one render (see Hub.refresh).
    refresh_timer: asyncio.TimerHandle | None = None


class Hub:
    """Routes each race's changes to the sockets that must see them."""

    def __init__(self, render: Render, refresh: Refresh | None = None, refresh_window: float = 0.0) -> None:
        self._render = render
        self._refresh = refresh
        # Refreshes asked within this many seconds of the first are rendered once, at its end.
        self._refresh_window = refresh_window
        self._channels: dict[int, _Channel] = {}
        # Counts the starts and ends of renders of every race (see `stamp` and `quiet_since`), and the
        # latest stamp of a race forgotten since: a race watched again starts from it (its renders are
        # not kept, but a socket that looked before the last of them may have missed it).
        self._stamp = 0
        self._forgotten = 0

    def stamp(self) -> int:
        """Return a stamp to give `quiet_since` later: a socket may read the race before it attaches."""
        return self._stamp

    def quiet_since(self, race_id: int, stamp: int) -> bool:
        """Return whether the race is watched and no frame of it was rendered since `stamp`, nor is being.

        A socket that read where the race stands, then attached, misses nothing when this holds: every frame
        after its read is rendered after the attach, for the audiences attached then.
        """
        channel = self._channels.get(race_id)
        return channel is not None and channel.stamp <= stamp and not channel.rendering

    def attach(self, race_id: int, audience: str, conn: Connection, max_per_owner: int = 0) -> bool:
        """Add a socket to an audience, before its snapshot is read; False when its owner has too many."""
        channel = self._channels.get(race_id)
        if channel is None:
            channel = self._channels[race_id] = _Channel(stamp=self._forgotten)
        if max_per_owner and conn.owner and len(channel.owners.get(conn.owner, ())) >= max_per_owner:
            if not channel.audiences:
                self._forget(race_id)
            return False
        channel.audiences.setdefault(audience, set()).add(conn)
        channel.owners.setdefault(conn.owner, set()).add(conn)
        return True

    def owned(self, race_id: int, owner: str) -> list[Connection]:
        """Return the sockets of one owner in a race."""
        channel = self._channels.get(race_id)
        if channel is None:
            return []
        return list(channel.owners.get(owner, ()))

    def cut_owner(self, race_id: int, owner: str, code: int) -> int:
        """Close every socket of one owner (signed out, removed); return how many."""
        sockets = self.owned(race_id, owner)
        for conn in sockets:
            conn.cut(code)
        return len(sockets)

    def resume(self, race_id: int, audience: str, conn: Connection, since: int) -> bool:
        """Replay from memory what an attached socket missed after `since`; False when memory cannot tell."""
        channel = self._channels.get(race_id)
        if channel is None or channel.rendered_seq is None or since > channel.rendered_seq:
            return False
        frames = channel.history.replay(audience, since)
        if frames is None:
            return False
        conn.prime(channel.rendered_seq, frames)
        return True

    def synced(self, race_id: int, seq: int) -> None:
        """Note where a fresh snapshot found the race; the first one sets where rendering starts."""
        channel = self._channels.get(race_id)
        if channel is None:
            return
        if channel.rendered_seq is None:
            channel.rendered_seq = seq
        self.publish(race_id, seq)

    def detach(self, race_id: int, audience: str, conn: Connection) -> None:
        """Remove a socket; forget the race when nobody watches it."""
        conn.close()
        channel = self._channels.get(race_id)
        if channel is None:
            return
        members = channel.audiences.get(audience)
        if members is not None:
            members.discard(conn)
            if not members:
                del channel.audiences[audience]
        owned = channel.owners.get(conn.owner)
        if owned is not None:
            owned.discard(conn)
            if not owned:
                del channel.owners[conn.owner]
        if not channel.audiences and channel.task is None:
            if channel.refresh_timer is not None:
                channel.refresh_timer.cancel()
            self._forget(race_id)

    def publish(self, race_id: int, seq: int) -> None:
        """Note that a race reached a seq; render and fan out unless a render is already under way."""
        channel = self._channels.get(race_id)
        if channel is None:
            return
        channel.target_seq = max(channel.target_seq, seq)
        if channel.rendered_seq is None:
            return
        if channel.task is None and (channel.target_seq > channel.rendered_seq or channel.refresh_wanted):
            channel.task = asyncio.get_running_loop().create_task(self._fan_out(race_id, channel))

    def refresh(self, race_id: int) -> None:
        """Re-render the state that has no seq (who is online), in turn with the race's other renders."""
        channel = self._channels.get(race_id)
        if channel is None or self._refresh is None:
            return
        channel.refresh_wanted = True
        if self._refresh_window <= 0:
            self.publish(race_id, channel.target_seq)
        elif channel.refresh_timer is None:
            # A storm of arrivals renders the overview once per window, not once per socket.
            loop = asyncio.get_running_loop()
            channel.refresh_timer = loop.call_later(self._refresh_window, self._refresh_due, race_id, channel)

    def _refresh_due(self, race_id: int, channel: _Channel) -> None:
        channel.refresh_timer = None
        if self._channels.get(race_id) is channel:
            self.publish(race_id, channel.target_seq)

    async def _fan_out(self, race_id: int, channel: _Channel) -> None:
        try:
            # Changes that arrive while a render runs are folded into the next one.
            while channel.rendered_seq is not None and channel.audiences:
                if channel.target_seq <= channel.rendered_seq:
                    if not channel.refresh_wanted or self._refresh is None:
                        break
                    # One task renders a race, so a refresh never overtakes a newer frame.
                    channel.refresh_wanted = False
                    try:
                        extra = await self._refresh(race_id, frozenset(channel.audiences))
                    except Exception:
                        log.exception("refreshing race %s failed", race_id)
                        return
                    for audience, text in extra.items():
                        for conn in tuple(channel.audiences.get(audience, ())):
                            conn.offer_refresh(text)
                    continue
                audiences = frozenset(channel.audiences)
                self._stamp_render(channel, rendering=True)
                try:
                    seq, frames = await self._render(race_id, channel.rendered_seq, audiences)
                except Exception:
                    log.exception("rendering race %s after seq %s failed", race_id, channel.rendered_seq)
                    return
                finally:
                    self._stamp_render(channel, rendering=False)
                for audience, text in frames.items():
                    for conn in tuple(channel.audiences.get(audience, ())):
                        conn.offer(seq, text)
                if seq <= channel.rendered_seq:
                    break  # the database has not shown this render anything new
                channel.history.add(channel.rendered_seq, seq, audiences, frames)
                channel.rendered_seq = seq
        finally:
            channel.task = None
            if not channel.audiences:
                self._forget(race_id)
            else:
                self.publish(race_id, channel.target_seq)

    def _forget(self, race_id: int) -> None:
        channel = self._channels.pop(race_id, None)
        if channel is not None:
            if channel.rendering:
                self._stamp += 1
            self._forgotten = max(self._forgotten, self._stamp if channel.rendering else channel.stamp)

    def _stamp_render(self, channel: _Channel, *, rendering: bool) -> None:
        self._stamp += 1
        channel.stamp = self._stamp
        channel.rendering = rendering

    def races(self) -> list[int]:
        """Return the races someone is watching."""
        return list(self._channels)

    def connections(self, race_id: int) -> int:
        """Return how many sockets watch a race."""
        channel = self._channels.get(race_id)
        return sum(len(members) for members in channel.audiences.values()) if channel else 0
