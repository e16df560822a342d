"""Who holds each session token, kept in memory while it stays true, and dropped at once when it changes.

A write that changes what a person's Viewer says (a session ends, a move, a new name or language, an
erasure, the race deleted) names the person with `changed`, in its transaction. After the commit this
process's cache drops them before the write returns; on PostgreSQL the same transaction tells the other
processes (a NOTIFY that is delivered only if it commits), whose caches drop them when it arrives.
docs/security.md says what window remains and why it is safe.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import after_commit
from live import backplane

if TYPE_CHECKING:
    from app.services.people import Viewer

SIZE = 4096  # sessions kept: more than a county-wide race's people
# A bound on what no write of this app can tell the cache of: a change made by hand, or by `kraftsamla
# purge` on SQLite while the server runs (no backplane there).
KEPT_S = 300.0
# Where a connection of a watched database keeps its cache (the pool's record of the connection).
_CACHE = "kraftsamla.viewers"
# Where a write session keeps the people it changed until it commits.
_CHANGED = "kraftsamla.changed"


class ViewerCache:
    """Session token -> Viewer, least recently used dropped first; thread-safe. One per app (create_app)."""

    def __init__(self, size: int = SIZE, kept_s: float = KEPT_S) -> None:
        self.size = size
        self.kept_s = kept_s
        self._entries: OrderedDict[str, tuple[Viewer, float]] = OrderedDict()
        self._tokens: dict[int, set[str]] = {}  # person -> their cached tokens
        self._drops = 0
        self._lock = threading.Lock()
        # Names this cache's own notifications, which it has acted on already at commit.
        self.tag = secrets.token_hex(4)

    def get(self, token: str) -> Viewer | None:
        """Return the cached Viewer of a token, or None when it must be read."""
        with self._lock:
            found = self._entries.get(token)
            if found is None:
                return None
            if time.monotonic() - found[1] > self.kept_s:
                self._forget(token)
                return None
            self._entries.move_to_end(token)
            return found[0]

    def reading(self) -> int:
        """Return a mark to take before reading a Viewer from the database, for `put` afterwards."""
        return self._drops

    def put(self, token: str, viewer: Viewer, mark: int) -> None:
        """Keep what a read found, unless anything was dropped since its mark (the read may predate it)."""
        with self._lock:
            if mark != self._drops or self.size <= 0:
                return
            self._entries[token] = (viewer, time.monotonic())
            self._tokens.setdefault(viewer.person_id, set()).add(token)
            while len(self._entries) > self.size:
                self._forget(next(iter(self._entries)))

    def drop(self, person_ids: Iterable[int]) -> None:
        """Forget every session of these people."""
        with self._lock:
            self._drops += 1
            for person_id in person_ids:
                for token in self._tokens.pop(person_id, ()):
                    self._entries.pop(token, None)

    def heard(self, sender: str, person_ids: Iterable[int]) -> None:
        """Forget the sessions another process's write changed (the backplane told us)."""
        if sender != self.tag:
            self.drop(person_ids)

    def clear(self) -> None:
        """Forget every session (the backplane was down: what changed meanwhile is unknown)."""
        with self._lock:
            self._drops += 1
            self._entries.clear()
            self._tokens.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _forget(self, token: str) -> None:
        viewer, _ = self._entries.pop(token)
        tokens = self._tokens.get(viewer.person_id)
        if tokens is not None:
            tokens.discard(token)
            if not tokens:
                del self._tokens[viewer.person_id]

    def watch(self, engine: Engine) -> None:
        """Hear of the changes written through this engine (call before its first connection)."""

        def note(_dbapi: Any, record: Any) -> None:
            record.info[_CACHE] = self

        event.listen(engine, "connect", note)


def changed(session: Session, person_ids: Iterable[int]) -> None:
    """Note, in a write, people whose Viewer it changes: every cache drops them once it commits."""
    ids = {person_id for person_id in person_ids if person_id}
    if not ids:
        return
    conn = session.connection()
    cache: ViewerCache | None = conn.info.get(_CACHE)
    noted: set[int] | None = session.info.get(_CHANGED)
    if noted is None:
        noted = session.info[_CHANGED] = set()
        if cache is not None:
            after_commit(session, lambda: cache.drop(noted or ()))
    noted |= ids
    if conn.dialect.name == "postgresql":
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        backplane.notify_people(dbapi, cache.tag if cache is not None else "-", sorted(ids))
