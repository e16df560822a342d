"""Who is online: the people whose screens hold a live socket, on this process and (PostgreSQL) the others.

This process's sockets are counted here; with several processes, live/presence.py carries each one's changes
to the others and keeps what they said, and `online` answers for them all.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Presence:
    """Connected sockets per race and person; safe to read from the render threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: dict[int, dict[int, list[Any]]] = {}
        # The channel to the other processes (a live.presence.PresenceChannel), while one is shared.
        self.channel: Any = None

    def share(self, channel: Any) -> None:
        """Count the other processes' people too, through a channel (None: this process's only)."""
        self.channel = channel

    def arrive(self, race_id: int, person_id: int, conn: Any) -> bool:
        """Note a socket; return True when its person just came online."""
        with self._lock:
            people = self._sockets.setdefault(race_id, {})
            conns = people.setdefault(person_id, [])
            conns.append(conn)
            return len(conns) == 1

    def leave(self, race_id: int, person_id: int, conn: Any) -> bool:
        """Forget a socket; return True when its person just went offline."""
        with self._lock:
            people = self._sockets.get(race_id, {})
            conns = people.get(person_id, [])
            if conn in conns:
                conns.remove(conn)
            if conns:
                return False
            people.pop(person_id, None)
            if not people:
                self._sockets.pop(race_id, None)
            return True

    def online(self, race_id: int) -> frozenset[int]:
        """Return the ids of the race's people who are online, here or on another process."""
        with self._lock:
            here = frozenset(self._sockets.get(race_id, {}))
        channel = self.channel
        return here | channel.remote.online(race_id) if channel is not None else here

    def local(self) -> dict[int, set[int]]:
        """Return race id -> the people with a socket on this process."""
        with self._lock:
            return {race: set(people) for race, people in self._sockets.items()}

    def counts(self) -> Counter[int]:
        """Return race id -> people online, on every process (for the metrics, tests and diagnostics)."""
        with self._lock:
            races = set(self._sockets)
        channel = self.channel
        if channel is not None:
            races |= channel.remote.races()
        return Counter({race: len(self.online(race)) for race in races})


# One registry per process, like the hub's sockets it mirrors.
registry = Presence()


def attach(hub: Any, race_id: int, person_id: int, conn: Any) -> None:
    """Note a socket of a person; the facilitators' overview follows when they come online."""
    if registry.arrive(race_id, person_id, conn):
        hub.refresh(race_id)
        if registry.channel is not None:
            registry.channel.changed(race_id, person_id, True)


def detach(hub: Any, race_id: int, person_id: int, conn: Any) -> None:
    """Forget a socket; the facilitators' overview follows when its person went offline."""
    if registry.leave(race_id, person_id, conn):
        hub.refresh(race_id)
        if registry.channel is not None:
            registry.channel.changed(race_id, person_id, False)
