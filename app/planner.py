"""Starts races at their planned time: sleeps until the next planned start the database holds, never ticks.

Every process runs one; `services/planned.py` makes sure only one of them starts a race. It wakes at the
next planned start, or when a commit (here, or another process's through the backplane) may have moved one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

from starlette.concurrency import run_in_threadpool

from app.db import Database, now_ms
from app.services import planned

log = logging.getLogger("kraftsamla")

# After a failure (the database away), look again this much later.
RETRY_MS = 5_000


class Planner:
    """Starts each race due; `step` is plain code a test drives with its own clock."""

    def __init__(self, db: Database, clock: Callable[[], int] = now_ms, settle_s: float = 1.0) -> None:
        self.db = db
        self.clock = clock
        # Commits come in bursts (a room posting cards): after one, wait this long and look once.
        self.settle_s = settle_s
        self._poked = asyncio.Event()

    def step(self, now: int | None = None) -> int | None:
        """Start every race due at `now`; return when the next start falls due (None: none planned)."""
        now = self.clock() if now is None else now
        upcoming: list[int] = []
        for race_id, at_ms in planned.due(self.db):
            if at_ms > now:
                upcoming.append(at_ms)
                continue
            try:
                planned.act(self.db, race_id, at_ms, now)
            except Exception:
                log.exception("the planned start of race %s failed", race_id)
                upcoming.append(now + RETRY_MS)
        return min(upcoming, default=None)

    def poke(self) -> None:
        """Note that something was committed: a planned start may have moved (call on the event loop)."""
        self._poked.set()

    async def run(self) -> None:
        """Start what is due, then sleep until the next planned start or a commit, for ever."""
        while True:
            self._poked.clear()
            try:
                next_at = await run_in_threadpool(self.step)
            except Exception:
                log.exception("the planner could not read the planned starts")
                next_at = self.clock() + RETRY_MS
            timeout = None if next_at is None else max(0.0, (next_at - self.clock()) / 1000)
            try:
                await asyncio.wait_for(self._poked.wait(), timeout)
            except TimeoutError:
                continue
            await asyncio.sleep(self.settle_s if timeout is None else min(self.settle_s, timeout))

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the planner while the app serves (a start due while no server ran is made at once)."""
        task = asyncio.get_running_loop().create_task(self.run())
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
