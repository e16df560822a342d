"""How a connecting screen is brought up to date: a plan from what is known once its socket attached, no I/O.

docs/architecture.md ("Bringing a screen up to date") has the table of plans and why each is safe.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Step(enum.Enum):
    """What brings an attached socket up to date."""

    UP_TO_DATE = "up to date"  # it saw the seq its first look read: nothing to send
    REPLAY_FROM_MEMORY = "replay from memory"  # the hub's memory holds every frame it missed
    RENDER_GAP = "render the gap"  # render what it missed up to the seq its first look read
    SNAPSHOT = "snapshot"  # read its session and the race again: the gap to now when short, else everything


@dataclass(frozen=True)
class Arrival:
    """What is known when a socket has attached to the hub."""

    # The last seq the screen says it saw; None for a new screen.
    since: int | None
    # The race's seq its first look read with its session, before the attach; None when `since` is None.
    seq: int | None
    # No render of the race started or ran from before the first look until the attach: every later change,
    # sign-out and move reaches the socket.
    quiet: bool
    # The hub's memory holds every frame the socket's audience missed after `since`.
    in_memory: bool


@dataclass(frozen=True)
class Plan:
    """A step, and whether to read the session again first (a sign-out or move may have slipped by)."""

    step: Step
    check_session: bool = False


def replayable(since: int, seq: int, max_gap: int) -> bool:
    """Return True for a gap short enough to replay (a longer one, or one from the future: a snapshot)."""
    return 0 < seq - since <= max_gap


def plan(arrival: Arrival, max_gap: int) -> Plan:
    """Return how to bring an attached socket up to date."""
    since, seq = arrival.since, arrival.seq
    if since is None:
        return Plan(Step.SNAPSHOT, check_session=True)
    if arrival.quiet and since == seq:
        return Plan(Step.UP_TO_DATE)
    if arrival.in_memory:
        return Plan(Step.REPLAY_FROM_MEMORY, check_session=not arrival.quiet)
    if arrival.quiet and seq is not None and replayable(since, seq, max_gap):
        return Plan(Step.RENDER_GAP)
    return Plan(Step.SNAPSHOT, check_session=True)
