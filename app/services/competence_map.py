"""The race's competence map: who brings which competence, what the challenges ask for, and the gaps."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import col, select

from app.db import Database
from app.models import Background, Challenge, Person, Race, Role
from app.services.agenda import require_facilitator
from app.services.competences import label
from app.services.people import Viewer

BRINGERS = (Role.PARTICIPANT, Role.EXPERT)


@dataclass
class Competence:
    """One competence (its key), who brings it, which challenges ask for it."""

    tag: str
    people: list[Person] = field(default_factory=list)
    challenges: list[Challenge] = field(default_factory=list)


@dataclass
class CompetenceMap:
    """The whole map: competences by name, the gaps, and how many people come from each background."""

    race: Race
    competences: list[Competence]
    backgrounds: Counter[str]
    people: int

    @property
    def gaps(self) -> list[Competence]:
        """Return the competences a challenge asks for that nobody brings."""
        return [found for found in self.competences if found.challenges and not found.people]


def build(db: Database, viewer: Viewer) -> CompetenceMap:
    """Return the race's competence map, by label in the current language."""
    require_facilitator(viewer)
    with db.read() as session:
        race = session.get(Race, viewer.race_id)
        assert race is not None
        people = session.exec(
            select(Person)
            .where(
                Person.race_id == viewer.race_id,
                col(Person.role).in_(list(BRINGERS)),
                col(Person.erased_ms).is_(None),
            )
            .order_by(col(Person.id))
        ).all()
        challenges = session.exec(
            select(Challenge).where(Challenge.race_id == viewer.race_id).order_by(col(Challenge.id))
        ).all()
    found: dict[str, Competence] = {}
    for person in people:
        for tag in dict.fromkeys(person.competences or []):
            found.setdefault(tag, Competence(tag)).people.append(person)
    for challenge in challenges:
        for tag in dict.fromkeys(challenge.tags or []):
            found.setdefault(tag, Competence(tag)).challenges.append(challenge)
    backgrounds: Counter[str] = Counter({background.value: 0 for background in Background})
    backgrounds.update(person.background or Background.OTHER for person in people)
    ordered = sorted(found.values(), key=lambda competence: label(competence.tag).casefold())
    return CompetenceMap(race, ordered, backgrounds, len(people))
