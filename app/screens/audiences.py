"""Who sees the same bytes: a role, a language, and the team or person whose own regions they see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app import i18n
from app.models import Role

if TYPE_CHECKING:
    from app.services.people import Viewer

NO_TEAM = 0
NO_PERSON = 0
# Roles with regions of a person's own (an expert's queue, a juror's progress).
PERSONAL_ROLES = frozenset({Role.EXPERT, Role.JURY})


@dataclass(frozen=True)
class Audience:
    """Everyone who sees the same bytes: one role, one language, one team (participants) or person.

    An expert's queue is ordered by their own competences and a juror's progress counts the teams they may
    score, so each expert and each juror is an audience of their own.
    """

    role: str
    team_id: int
    lang: str
    person_id: int = NO_PERSON

    @property
    def key(self) -> str:
        """Return the audience as the hub's text key."""
        key = f"{self.role}:{self.team_id}:{self.lang}"
        return f"{key}:{self.person_id}" if self.person_id else key

    @classmethod
    def parse(cls, key: str) -> Audience:
        """Read an audience back from its key."""
        role, team, lang, *person = key.split(":")
        return cls(role, int(team), lang, int(person[0]) if person else NO_PERSON)


def audience(role: str, team_id: int | None, lang: str, person_id: int = NO_PERSON) -> Audience:
    """Return the audience of a person on their screen."""
    if role == Role.PARTICIPANT:
        return Audience(role, team_id or NO_TEAM, i18n.pick(lang))
    if role in PERSONAL_ROLES:
        return Audience(role, NO_TEAM, i18n.pick(lang), person_id)
    return Audience(role, NO_TEAM, i18n.pick(lang))


def watches(viewer: Viewer | None, audience_key: str) -> bool:
    """Return whether a signed-in person (None: signed out) is one of an audience."""
    if viewer is None:
        return False
    return audience(viewer.role, viewer.team_id, viewer.lang, viewer.person_id).key == audience_key
