"""How the app feeds the live layer: renders for the hub, screens closed when a session ends, commits in."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager, suppress

from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from app import presence, settings
from app.db import Database
from app.screens import Renderer
from app.services import races
from app.viewers import ViewerCache
from live import Hub
from live.backplane import PostgresListener
from live.presence import PresenceChannel

# The close code of a screen whose session ended, or that may not connect.
CLOSE_POLICY = 1008
# How long a process waits at start to hear the others' changes before it serves (/healthz says so until).
LISTENER_WAIT_S = 5.0


def owner_of(person_id: int) -> str:
    """Return the hub's owner tag for a person's sockets."""
    return f"person:{person_id}"


def close_screens(hub: Hub, race_id: int, person_id: int, keep: str | None = None) -> int:
    """Close the live screens of a person (signed out, erased, moved to another team) but those of audience
    `keep`; return how many."""
    return hub.cut_owner(race_id, owner_of(person_id), CLOSE_POLICY, keep)


class LiveWiring:
    """The hub of one app, rendering with the app's renderer and fed by every commit to its database."""

    def __init__(self, db: Database, renderer: Renderer, viewers: ViewerCache) -> None:
        self.db = db
        self.renderer = renderer
        self.viewers = viewers
        self.hub = Hub(self._render, self._refresh, refresh_window=settings.LIVE_PRESENCE_WINDOW_S)
        self.listener: PostgresListener | None = None
        # Told each render's seconds, its wait for a worker thread included (the metrics).
        self.on_render: Callable[[float], None] | None = None
        # Told every commit the hub hears, of this process or another, on the event loop (the scheduler).
        self.on_commit: list[Callable[[int, int], None]] = []

    async def _render(
        self, race_id: int, after_seq: int, audiences: frozenset[str]
    ) -> tuple[int, dict[str, str]]:
        started = time.perf_counter()
        seq, frames, closing = await run_in_threadpool(self.renderer.changes, race_id, after_seq, audiences)
        if self.on_render is not None:
            self.on_render(time.perf_counter() - started)
        # Signed out, erased or moved to another team, on this process or another: their open screens close
        # here too, before these frames are queued (a moved person's screen loads its new team; one that
        # already shows the new team stays).
        for person_id, keep in closing.items():
            close_screens(self.hub, race_id, person_id, keep)
        return seq, frames

    async def _refresh(self, race_id: int, audiences: frozenset[str]) -> dict[str, str]:
        return await run_in_threadpool(self.renderer.presence, race_id, audiences)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Feed the hub while the app serves: this process's commits, and through the backplane others'."""
        loop = asyncio.get_running_loop()

        def publish(race_id: int, seq: int) -> None:
            # Services commit in worker threads; the hub lives on the event loop.
            loop.call_soon_threadsafe(self._committed, race_id, seq)

        self.db.publishers.append(publish)
        # Before the first socket: after a restart every screen reconnects at once. A database that does
        # not answer yet is no reason not to start (the first socket compiles them then).
        with suppress(OperationalError):
            await run_in_threadpool(self.renderer.prepare)
        sharing: PresenceChannel | None = None
        tasks: list[asyncio.Task[None]] = []
        if not self.db.is_sqlite:
            self.listener = PostgresListener(
                self.db.dsn, self._committed, self._catch_up, on_people=self.viewers.heard
            )
            tasks.append(loop.create_task(self.listener.run()))
            # Who is online on the other processes, and they of ours (live/presence.py).
            sharing = PresenceChannel(self.db.dsn, presence.registry.local, self._refresh_races)
            presence.registry.share(sharing)
            tasks.append(loop.create_task(sharing.run()))
            # Serve once this process hears the others' changes.
            with suppress(TimeoutError):
                await asyncio.wait_for(self.listener.connected.wait(), LISTENER_WAIT_S)
        try:
            yield
        finally:
            if sharing is not None:
                await sharing.say_goodbye()
                presence.registry.share(None)
            for task in tasks:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            self.db.publishers.remove(publish)

    def _committed(self, race_id: int, seq: int) -> None:
        self.hub.publish(race_id, seq)
        for told in self.on_commit:
            told(race_id, seq)

    def _refresh_races(self, race_ids: Iterable[int]) -> None:
        """Render who is online again in races whose people came or went on another process."""
        for race_id in race_ids:
            self.hub.refresh(race_id)

    async def _catch_up(self) -> None:
        """Publish where each watched race stands: what was committed while the backplane was down."""
        # Whose sessions changed meanwhile is not known: every cached one is read again.
        self.viewers.clear()
        seqs = await run_in_threadpool(races.current_seqs, self.db, self.hub.races())
        for race_id, seq in seqs.items():
            self.hub.publish(race_id, seq)
