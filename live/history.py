"""Recent frames per race, so a screen that reconnects gets exactly what it missed."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One render: the seq it started after, the seq it reached, and who it was rendered for."""

    after: int
    seq: int
    audiences: frozenset[str]
    frames: dict[str, str]
    size: int


class History:
    """A bounded log of renders; it answers a resume only when it saw the whole gap for that audience."""

    def __init__(self, max_entries: int = 512, max_bytes: int = 8 << 20) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: deque[Entry] = deque()
        self._bytes = 0

    def add(self, after: int, seq: int, audiences: frozenset[str], frames: dict[str, str]) -> None:
        """Remember a render; forget the oldest beyond the bounds."""
        size = sum(len(text) for text in frames.values())
        self._entries.append(Entry(after, seq, audiences, frames, size))
        self._bytes += size
        while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
            self._bytes -= self._entries.popleft().size

    def replay(self, audience: str, since: int) -> list[tuple[int, str]] | None:
        """Return the frames an audience missed after `since`, or None when the history cannot tell."""
        missed = [entry for entry in self._entries if entry.seq > since]
        if not missed:
            newest = self._entries[-1].seq if self._entries else None
            return [] if newest is not None and since <= newest else None
        if missed[0].after > since:
            return None  # the gap starts before what is kept
        if any(audience not in entry.audiences for entry in missed):
            return None  # nobody of this audience was watching: it was never rendered for it
        return [(entry.seq, entry.frames[audience]) for entry in missed if audience in entry.frames]

    @property
    def size(self) -> int:
        """Return the bytes held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)
