"""What placement and explanation share: the input types, the backgrounds and how names are compared."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

QUOTA_BACKGROUNDS = ("research", "student", "business")
BACKGROUNDS = ("company", "research", "student", "business", "other")


@dataclass(frozen=True)
class Participant:
    id: int
    name: str
    background: str = "other"
    company: str = ""
    competences: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChallengeNeed:
    id: int
    company: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bounds:
    min_size: int = 3
    max_size: int = 6
    teams_per_challenge: int | None = None


@dataclass(frozen=True)
class Slot:
    """A team to fill: its challenge and its place among that challenge's teams (0, 1, ...)."""

    challenge_id: int
    index: int


def normal(text: str) -> str:
    """Return text compared case- and space-insensitively."""
    return " ".join((text or "").split()).casefold()


def asked_tags(challenge: ChallengeNeed) -> list[str]:
    """Return the challenge's tags once each, in its order."""
    seen: set[str] = set()
    asked = []
    for tag in challenge.tags:
        if normal(tag) and normal(tag) not in seen:
            seen.add(normal(tag))
            asked.append(tag)
    return asked


def skills(person: Participant) -> set[str]:
    """Return the person's competences, compared case- and space-insensitively."""
    return {normal(tag) for tag in person.competences if normal(tag)}


def bound_challenges(needs: Sequence[ChallengeNeed], slots: Iterable[Slot]) -> dict[str, set[int]]:
    """Return normal company -> the ids of its challenges that have a team."""
    with_team = {slot.challenge_id for slot in slots}
    bound: dict[str, set[int]] = {}
    for challenge in needs:
        if normal(challenge.company) and challenge.id in with_team:
            bound.setdefault(normal(challenge.company), set()).add(challenge.id)
    return bound
