"""Caches of the live renders: recent results by key, shared by the screens that arrive together."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from sqlmodel import Session

from app.screens.rules import Changes, changes
from app.services import events

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    """A few recent results by key, the least recently used dropped first.

    Screens arriving together (a reconnect storm) want the same result at once: `making(key)` is the lock to
    hold while it is made (look again under it), so that the first makes it and the others wait for it.
    """

    def __init__(self, size: int, stripes: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self._stripes = [threading.Lock() for _ in range(stripes)]

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def making(self, key: K) -> threading.Lock:
        """Return the lock to hold while the result for `key` is made (one lock per stripe of keys)."""
        return self._stripes[hash(key) % len(self._stripes)]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class RaceRegions:
    """Race-wide regions rendered at a recent seq, shared by every screen's snapshot at that seq."""

    def __init__(self, size: int = 8, stripes: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, int], dict[tuple[str, object, str], str]] = OrderedDict()
        self._lock = threading.Lock()
        # Screens arriving together would each render a region the first has not finished yet: one renders,
        # the others wait for it. A lock per stripe of (seq, region, language), held for one region at a time.
        self._stripes = [threading.Lock() for _ in range(stripes)]

    def rendering(self, key: tuple[int, int], region: str, lang: str) -> threading.Lock:
        """Return the lock to hold while a race-wide region is rendered (or found) at a seq."""
        return self._stripes[hash((key, region, lang)) % len(self._stripes)]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def at(self, key: tuple[int, int]) -> dict[tuple[str, object, str], str]:
        """Return the regions rendered at (race, seq), to read and to add to."""
        with self._lock:
            found = self._items.setdefault(key, {})
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return found


class GapChanges:
    """What the events in a gap (since, seq] touched, for a few recent gaps: in a reconnect storm most screens
    last saw the same frame, and each would otherwise load and map the same events."""

    def __init__(self, size: int = 64) -> None:
        self._items: Recent[tuple[int, int, int], Changes] = Recent(size)

    def get(self, session: Session, race_id: int, since: int, seq: int) -> Changes:
        """Return what the race's events after `since`, up to `seq` (the race's seq in this read), touched."""
        key = (race_id, since, seq)
        found = self._items.get(key)
        if found is None:
            with self._items.making(key):
                found = self._items.get(key)
                if found is None:
                    found = changes(events.since(session, race_id, since))
                    self._items.put(key, found)
        return found

    def known(self, race_id: int, since: int, seq: int) -> Changes | None:
        """Return what the gap touched when a screen read it lately; else None (nothing is read)."""
        return self._items.get((race_id, since, seq))
