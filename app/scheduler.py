"""The scheduler: runs the timed actions when they fall due, waking at the next deadline the database holds.

It never ticks. It reads what is pending, acts on what is due, and sleeps until the next deadline or until a
change is committed (here or, through the backplane, in another process), which may have moved one. Every
process runs one; the actions themselves make sure only one of them acts (see services/timed.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

from starlette.concurrency import run_in_threadpool

from app.db import Database, now_ms
from app.services import timed

log = logging.getLogger("kraftsamla")

# After a failed action, look again this much later rather than at once.
RETRY_MS = 5_000


class Scheduler:
    """Does each timed action when it falls due; `step` is plain code a test drives with its own clock."""

    def __init__(
        self,
        db: Database,
        kinds: dict[str, timed.TimedAction] = timed.KINDS,
        clock: Callable[[], int] = now_ms,
        settle_s: float = 1.0,
    ) -> None:
        self.db = db
        self.kinds = kinds
        self.clock = clock
        # Commits come in bursts (a room posting cards): after one, wait this long and look once.
        self.settle_s = settle_s
        self._poked = asyncio.Event()

    def step(self, now: int | None = None) -> int | None:
        """Act on every action due at `now`; return when the next one falls due (None: nothing pending)."""
        now = self.clock() if now is None else now
        upcoming: list[int] = []
        for due in timed.pending(self.db, self.kinds):
            if due.at_ms > now:
                upcoming.append(due.at_ms)
                continue
            try:
                timed.act(self.db, due, now, self.kinds)
            except Exception:
                log.exception("timed action %s on race %s failed", due.kind, due.race_id)
                upcoming.append(now + RETRY_MS)
        return min(upcoming, default=None)

    def poke(self) -> None:
        """Note that something was committed: a deadline may have moved (call on the event loop)."""
        self._poked.set()

    async def run(self) -> None:
        """Act on what is due, then sleep until the next deadline or a commit, for ever."""
        while True:
            self._poked.clear()
            try:
                next_at = await run_in_threadpool(self.step)
            except Exception:
                # The database is away (a restart, a network cut): look again shortly.
                log.exception("the scheduler could not read the timed actions")
                next_at = self.clock() + RETRY_MS
            timeout = None if next_at is None else max(0.0, (next_at - self.clock()) / 1000)
            try:
                await asyncio.wait_for(self._poked.wait(), timeout)
            except TimeoutError:
                continue
            # Never past the deadline the database held.
            await asyncio.sleep(self.settle_s if timeout is None else min(self.settle_s, timeout))

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the scheduler while the app serves (what fell due while no server ran is done at once)."""
        task = asyncio.get_running_loop().create_task(self.run())
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
