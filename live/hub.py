"""The hub: render a change once per audience and queue the same text to each of its sockets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from live.connection import Connection
from live.history import History

log = logging.getLogger("kraftsamla.live")

# (seq the frames reflect, audience -> text). The app renders them from its templates.
Frames = tuple[int, dict[str, str]]
Render = Callable[[int, int, frozenset[str]], Awaitable[Frames]]
# Frames that carry no race state (who is online): race, audiences present -> audience -> text.
Refresh = Callable[[int, frozenset[str]], Awaitable[dict[str, str]]]


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
    # The hub's render count when a render of this race last started or ended, and whether one is under way.
    last_render: int = 0
    rendering: bool = False
    # The audiences of the render under way: a socket of another audience attached during it gets none of it.
    rendering_for: frozenset[str] = frozenset()
    # The lowest seq a socket was brought to while frames after it may not have reached it (Hub.caught_up):
    # the next render starts there instead of at rendered_seq.
    restart_at: int | None = None
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
        # Counts the starts and ends of renders of every race (see `render_count` and `quiet_since`), and
        # the latest count of a race forgotten since: a race watched again starts from it (its renders are
        # not kept, but a socket that looked before the last of them may have missed it).
        self._renders = 0
        self._forgotten = 0
        # Read by the app's metrics: frames handed to sockets, and sockets cut off as too far behind.
        self.frames = 0
        self.cut_offs = 0
        self._on_cut_off = self._cut_off  # one bound method for every socket

    def render_count(self) -> int:
        """Return how many renders started and ended so far, for `quiet_since` once a socket attached."""
        return self._renders

    def quiet_since(self, race_id: int, count: int) -> bool:
        """Return whether the race is watched and no frame of it was rendered since `count`, nor is being.

        A socket that read where the race stands, then attached, misses nothing when this holds: every frame
        after its read is rendered after the attach, for the audiences attached then.
        """
        channel = self._channels.get(race_id)
        return channel is not None and channel.last_render <= count and not channel.rendering

    def attach(self, race_id: int, audience: str, conn: Connection, max_per_owner: int = 0) -> bool:
        """Add a socket to an audience, before its snapshot is read; False when its owner has too many."""
        channel = self._channels.get(race_id)
        if channel is None:
            channel = self._channels[race_id] = _Channel(last_render=self._forgotten)
        if max_per_owner and conn.owner and len(channel.owners.get(conn.owner, ())) >= max_per_owner:
            if not channel.audiences:
                self._forget(race_id)
            return False
        channel.audiences.setdefault(audience, set()).add(conn)
        channel.owners.setdefault(conn.owner, set()).add(conn)
        conn.on_cut_off = self._on_cut_off
        return True

    def _cut_off(self) -> None:
        self.cut_offs += 1

    def owned(self, race_id: int, owner: str) -> list[Connection]:
        """Return the sockets of one owner in a race."""
        channel = self._channels.get(race_id)
        if channel is None:
            return []
        return list(channel.owners.get(owner, ()))

    def cut_owner(self, race_id: int, owner: str, code: int, keep: str | None = None) -> int:
        """Close the sockets of an owner (signed out, moved) but those of audience `keep`; return how many."""
        channel = self._channels.get(race_id)
        kept = channel.audiences.get(keep, set()) if channel is not None and keep is not None else set()
        sockets = [conn for conn in self.owned(race_id, owner) if conn not in kept]
        for conn in sockets:
            conn.cut(code)
        return len(sockets)

    def holds(self, race_id: int, audience: str, since: int) -> bool:
        """Return True when memory holds every frame an audience missed after `since`."""
        return self._missed(race_id, audience, since) is not None

    def replay(self, race_id: int, audience: str, conn: Connection, since: int) -> bool:
        """Replay from memory what an attached socket missed after `since`; False when memory cannot tell."""
        channel = self._channels.get(race_id)
        frames = self._missed(race_id, audience, since)
        if channel is None or channel.rendered_seq is None or frames is None:
            return False
        conn.catch_up(channel.rendered_seq, frames)
        if channel.rendering and audience not in channel.rendering_for:
            self._restart_at(channel, channel.rendered_seq)
        return True

    def _missed(self, race_id: int, audience: str, since: int) -> list[tuple[int, str]] | None:
        channel = self._channels.get(race_id)
        if channel is None or channel.rendered_seq is None or since > channel.rendered_seq:
            return None
        return channel.history.replay(audience, since)

    def caught_up(self, race_id: int, seq: int, audience: str | None = None) -> None:
        """Note that a socket of `audience` was brought to `seq` by what it read after its attach.

        The first one sets where rendering starts. A socket that read an older seq than the hub has rendered
        from (another socket read after it, right after a restart) or that is not among the audiences of the
        render under way would miss the changes in between: the next render starts from its seq. Frames
        replace by id, so the others get that range again harmlessly, and drop what they already have.
        """
        channel = self._channels.get(race_id)
        if channel is None:
            return
        if channel.rendered_seq is None:
            channel.rendered_seq = seq
        elif seq < channel.rendered_seq or (channel.rendering and audience not in channel.rendering_for):
            self._restart_at(channel, seq)
        self.publish(race_id, seq)

    @staticmethod
    def _restart_at(channel: _Channel, seq: int) -> None:
        channel.restart_at = seq if channel.restart_at is None else min(channel.restart_at, seq)

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
        behind = channel.restart_at is not None and channel.restart_at < channel.target_seq
        if channel.task is None and (
            channel.target_seq > channel.rendered_seq or channel.refresh_wanted or behind
        ):
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
                start = channel.rendered_seq
                if channel.restart_at is not None and not channel.rendering:
                    start, channel.restart_at = min(start, channel.restart_at), None
                if channel.target_seq <= start:
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
                        members = tuple(channel.audiences.get(audience, ()))
                        self.frames += len(members)
                        for conn in members:
                            conn.offer_refresh(text)
                    continue
                audiences = channel.rendering_for = frozenset(channel.audiences)
                self._note_render(channel, rendering=True)
                try:
                    seq, frames = await self._render(race_id, start, audiences)
                except Exception:
                    log.exception("rendering race %s after seq %s failed", race_id, start)
                    return
                finally:
                    self._note_render(channel, rendering=False)
                for audience, text in frames.items():
                    members = tuple(channel.audiences.get(audience, ()))
                    self.frames += len(members)
                    for conn in members:
                        conn.offer(seq, text)
                if seq <= start:
                    break  # the database has not shown this render anything new
                channel.history.add(start, seq, audiences, frames)
                channel.rendered_seq = max(channel.rendered_seq, seq)
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
                self._renders += 1
            self._forgotten = max(
                self._forgotten, self._renders if channel.rendering else channel.last_render
            )

    def _note_render(self, channel: _Channel, *, rendering: bool) -> None:
        self._renders += 1
        channel.last_render = self._renders
        channel.rendering = rendering

    def races(self) -> list[int]:
        """Return the races someone is watching."""
        return list(self._channels)

    def audience_sizes(self) -> dict[str, int]:
        """Return audience -> sockets, over every race (for metrics: read when scraped, not kept)."""
        sizes: dict[str, int] = {}
        for channel in list(self._channels.values()):
            for audience, members in list(channel.audiences.items()):
                sizes[audience] = sizes.get(audience, 0) + len(members)
        return sizes

    def connections(self, race_id: int) -> int:
        """Return how many sockets watch a race."""
        channel = self._channels.get(race_id)
        return sum(len(members) for members in channel.audiences.values()) if channel else 0
