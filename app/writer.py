"""SQLite's writer: concurrent writes share one transaction and one COMMIT, each in a savepoint of its own."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

# Writes one group holds at most: past it the group commits even while others wait, so the first write of a
# group is not held back by an endless queue behind it.
GROUP_MAX = 64

# Told the seqs a committed group moved, race -> its highest seq.
OnGroup = Callable[[dict[int, int]], None]
# Where a write's session keeps what must run once its changes are committed (`app.db.after_commit`).
AFTER_COMMIT = "kraftsamla.after_commit"


class LostTransaction(RuntimeError):
    """SQLite ended the group's transaction under a write that raised nothing (never expected)."""


class _Group:
    """One transaction on the write connection, and what its writes wait for."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        # BEGIN IMMEDIATE (the engine's begin event): the group holds SQLite's write lock from here.
        self.transaction = conn.begin()
        self.writes = 0
        self.stored = 0
        self.published: dict[int, int] = {}
        self.after_commit: list[Callable[[], None]] = []
        self.error: BaseException | None = None
        self.done = threading.Event()

    def ended(self) -> bool:
        """Return whether the transaction is gone: its first write rolled it back, or SQLite did."""
        try:
            raw: Any = None if self.conn.invalidated else self.conn.connection.dbapi_connection
            return raw is None or not raw.in_transaction
        except Exception:
            return True

    def keep(self, published: dict[int, int], after_commit: list[Callable[[], None]]) -> None:
        """Count a write that went through, merge its seqs (the highest per race) and what runs at commit."""
        self.stored += 1
        self.after_commit += after_commit
        for race_id, seq in published.items():
            self.published[race_id] = max(seq, self.published.get(race_id, seq))


class GroupWriter:
    """Runs each write in a savepoint of the open group, and commits the group when nobody else is waiting.

    Leader and followers: a write takes the turn (the write lock) and opens the group's transaction if none
    is open. After its block it passes the turn on when others wait and the group is not full, then waits
    for the group's outcome; otherwise it commits, tells `on_group` the group's seqs once, and wakes the
    others. Alone, a write commits at once; under load one COMMIT (one fsync) serves the writes waiting.
    """

    def __init__(self, engine: Engine, on_group: OnGroup, limit: int = GROUP_MAX) -> None:
        self._engine = engine
        self._on_group = on_group
        self._limit = limit
        self._turn = threading.Lock()
        # Guards `_waiting`; notified as writers arrive (tests wait on it for a group to form).
        self.state = threading.Condition()
        self._waiting = 0
        self._group: _Group | None = None

    @property
    def waiting(self) -> int:
        """Return how many writes wait for the turn."""
        return self._waiting

    @contextmanager
    def write(self) -> Iterator[Session]:
        """Yield a session in the group's transaction; return once the group's COMMIT succeeded."""
        group = self._take_turn()
        published: dict[int, int] = {}
        after_commit: list[Callable[[], None]] = []
        failed: BaseException | None = None
        try:
            # The group's first write needs no savepoint: when it fails it rolls back the transaction, which
            # holds nothing else, and the group ends. Alone, a write costs what a transaction of its own does.
            session = Session(
                bind=group.conn,
                join_transaction_mode="create_savepoint" if group.writes else "rollback_only",
                expire_on_commit=False,
            )
            session.info["published"] = published
            session.info[AFTER_COMMIT] = after_commit
            try:
                session.begin()
                yield session
                session.commit()  # the write's rows join the group's; nothing is committed yet
            except BaseException as error:
                failed = error
                session.rollback()  # its own rows alone (to its savepoint, or the first write's transaction)
            finally:
                session.close()
        except BaseException as error:
            # The savepoint could not be rolled back: the transaction cannot be trusted, nor the group.
            failed = failed or error
            group.conn.invalidate()
        group.writes += 1
        if failed is None:
            group.keep(published, after_commit)
        ended = group.ended()
        with self.state:
            pass_on = not ended and self._waiting > 0 and group.writes < self._limit
        try:
            if not pass_on:
                # Lost: SQLite rolled back writes this group had kept (FULL, IOERR under a statement).
                self._end(group, ended and group.stored > 0, failed)
        finally:
            if not pass_on:
                self._group = None
                group.done.set()
            self._turn.release()
        if failed is not None:
            raise failed  # it fails alone, whatever becomes of the group
        if pass_on:
            group.done.wait()
            if group.error is not None:
                raise _own_copy(group.error) from group.error
        elif group.error is not None:
            raise group.error

    def _take_turn(self) -> _Group:
        """Wait for the turn and return the open group, opening one if none is."""
        with self.state:
            self._waiting += 1
            self.state.notify_all()
        self._turn.acquire()
        with self.state:
            self._waiting -= 1
        if self._group is None:
            try:
                conn = self._engine.connect()
                try:
                    self._group = _Group(conn)
                except BaseException:
                    conn.close()
                    raise
            except BaseException:
                self._turn.release()
                raise
        return self._group

    def _end(self, group: _Group, lost: bool, failed: BaseException | None) -> None:
        """Commit the group (or roll it back when nothing of it is kept), then publish its seqs once."""
        try:
            if lost:
                group.error = failed or LostTransaction("the write transaction ended under a write")
            elif group.stored:
                group.transaction.commit()
        except BaseException as error:
            # Disk full, read-only, a deferred constraint: none of the group's writes is stored.
            group.error = error
        finally:
            if group.error is not None:
                # Dropped with whatever SQLite kept of the transaction (a failed COMMIT may leave it open).
                group.conn.invalidate()
            elif not group.stored:
                _roll_back(group)
            group.conn.close()
        if group.error is None:
            # Before any write of the group is acknowledged or shown (a cache that must forget a sign-out).
            for run in group.after_commit:
                run()
            if group.published:
                self._on_group(group.published)


def _roll_back(group: _Group) -> None:
    """Roll back a group that kept nothing, or drop its connection when even that fails."""
    try:
        if group.transaction.is_active:
            group.transaction.rollback()
    except Exception:
        group.conn.invalidate()


def _own_copy(error: BaseException) -> BaseException:
    """Return a copy of a group's error for one of its writes to raise (their tracebacks stay apart)."""
    try:
        return copy.copy(error)
    except Exception:
        return RuntimeError(str(error))
