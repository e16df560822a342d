"""Profiles: a person's background and competences, asked once after joining."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, col, select

from app.db import Database, now_ms
from app.errors import Forbidden, Invalid, NotFound
from app.i18n import N_
from app.kinds import Kind
from app.models import Background, Person, Race, Role
from app.services import events
from app.services.competences import BUILT_IN, built_in, known_key, match_key, resolve
from app.services.people import Viewer, clean_text

COMPANY_MAX = 120
TAG_MAX = 40
TAGS_MAX = 12
TAGS_TEXT_MAX = 1000
PROFILE_ROLES = (Role.PARTICIPANT, Role.EXPERT)

BACKGROUND_LABELS = {
    Background.COMPANY: N_("Company"),
    Background.RESEARCH: N_("Research"),
    Background.STUDENT: N_("Student"),
    Background.BUSINESS: N_("Business development"),
    Background.OTHER: N_("Other"),
}


def parse_tags(chosen: list[str], typed: str) -> list[str]:
    """Return clean competences from ticked suggestions and comma-separated text, each once as first written.

    They are still text: a service turns them into keys (`competences.resolve`) in its transaction.
    """
    typed = clean_text(typed, TAGS_TEXT_MAX, field=N_("the competences"), required=False)
    tags: list[str] = []
    seen: set[str] = set()
    for raw in [*chosen, *typed.replace(";", ",").replace("\n", ",").split(",")]:
        tag = " ".join(clean_text(raw, 10 * TAG_MAX, field=N_("a competence"), required=False).split())
        same = built_in(tag) or match_key(tag)
        if not same or same in seen:
            continue
        if len(tag) > TAG_MAX:
            raise Invalid("A competence can be at most %(limit)s characters.", limit=TAG_MAX)
        seen.add(same)
        tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise Invalid("Choose at most %(limit)s competences.", limit=TAGS_MAX)
    return tags


def pending(db: Database, person_id: int) -> bool:
    """Return whether a person still has to answer (or skip) the profile questions."""
    with db.read() as session:
        person = session.get(Person, person_id)
    return person is not None and person.role in PROFILE_ROLES and person.profile_ms is None


def get(db: Database, viewer: Viewer) -> tuple[Race, Person, list[str]]:
    """Return the viewer's race, their profile and the competences to suggest."""
    with db.read() as session:
        race = session.get(Race, viewer.race_id)
        person = session.get(Person, viewer.person_id)
        if race is None or person is None:
            raise NotFound("You are not part of this race.")
        return race, person, suggestions(session, viewer.race_id)


def suggestions(session: Session, race_id: int, limit: int = 16) -> list[str]:
    """Return the keys of the competences to offer: those the race asks for, its most used, the built-in."""
    used: Counter[str] = Counter()
    query = select(Person.competences).where(Person.race_id == race_id, col(Person.profile_ms).is_not(None))
    for tags in session.exec(query).all():
        used.update(tags)
    race = session.get(Race, race_id)
    # The competences the race asks for come first, as the keys ticking them gives (their text when new).
    asked: list[str] = []
    for text in race.competences if race is not None else []:
        key = built_in(text) or known_key(session, race_id, text) or " ".join(text.split())
        if key and key not in asked:
            asked.append(key)
    most_used = [key for key, _ in used.most_common(limit) if key not in asked]
    found = asked + most_used[: max(0, limit - len(asked))]
    return found + [key for key in BUILT_IN if key not in found][: max(0, limit - len(found))]


def update(
    db: Database, viewer: Viewer, *, background: str, company: str, competences: list[str], skip: bool = False
) -> Person:
    """Save (or skip) the viewer's background and competences (as ticked or typed: stored as keys)."""
    if viewer.role not in PROFILE_ROLES:
        raise Forbidden("Only participants and experts have a profile.")
    with db.write() as session:
        person = session.get(Person, viewer.person_id)
        if person is None:
            raise NotFound("You are not part of this race.")
        if not skip:
            if background not in set(Background):
                raise Invalid("Choose one of the backgrounds.")
            company = clean_text(company, COMPANY_MAX, field=N_("the company name"), required=False)
            person.background = background
            person.company = company if background == Background.COMPANY else ""
            person.competences = resolve(session, viewer.race_id, competences)
        person.profile_ms = now_ms()
        session.add(person)
        events.record(
            session,
            viewer.race_id,
            Kind.PROFILE_UPDATED,
            data={"background": person.background, "competences": person.competences, "skipped": skip},
            person_id=viewer.person_id,
            team_id=person.team_id,
        )
        return person
