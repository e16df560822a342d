"""Profiles: a person's background and competences, asked once after joining."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, col, select

from app import i18n
from app.db import Database, now_ms
from app.errors import Forbidden, Invalid, NotFound
from app.i18n import N_
from app.kinds import Kind
from app.models import Background, Person, Race, Role
from app.services import events
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

# Offered before anyone has typed their own; the race's most used tags come first once they have.
COMMON_COMPETENCES = (
    N_("AI"),
    N_("Software"),
    N_("Hardware"),
    N_("Design"),
    N_("Materials"),
    N_("Energy"),
    N_("Sustainability"),
    N_("Business models"),
    N_("Market"),
    N_("Financing"),
    N_("Patents and IP"),
    N_("Law"),
    N_("Production"),
    N_("Health"),
)


def parse_tags(chosen: list[str], typed: str) -> list[str]:
    """Return clean tags from ticked suggestions and comma-separated text, first spelling kept."""
    typed = clean_text(typed, TAGS_TEXT_MAX, field=N_("the competences"), required=False)
    tags: list[str] = []
    seen: set[str] = set()
    for raw in [*chosen, *typed.replace(";", ",").replace("\n", ",").split(",")]:
        tag = " ".join(clean_text(raw, 10 * TAG_MAX, field=N_("a competence"), required=False).split())
        if not tag or tag.casefold() in seen:
            continue
        if len(tag) > TAG_MAX:
            raise Invalid("A competence can be at most %(limit)s characters.", limit=TAG_MAX)
        seen.add(tag.casefold())
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
    """Return competences to offer: those the race asks for, its most used, then common ones."""
    used: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    query = select(Person.competences).where(Person.race_id == race_id, col(Person.profile_ms).is_not(None))
    for tags in session.exec(query).all():
        for tag in tags:
            used[tag.casefold()] += 1
            spelling.setdefault(tag.casefold(), tag)
    race = session.get(Race, race_id)
    # The competences the race asks for come first, then what its people use most.
    asked = list(race.competences) if race is not None else []
    asked_keys = {tag.casefold() for tag in asked}
    most_used = [spelling[key] for key, _ in used.most_common(limit) if key not in asked_keys]
    found = asked + most_used[: max(0, limit - len(asked))]
    known = {tag.casefold() for tag in found}
    return (
        found
        + [tag for tag in COMMON_COMPETENCES if tag.casefold() not in known][: max(0, limit - len(found))]
    )


def update(
    db: Database, viewer: Viewer, *, background: str, company: str, competences: list[str], skip: bool = False
) -> Person:
    """Save (or skip) the viewer's background and competences."""
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
            person.competences = competences
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


def competence_label(tag: str) -> str:
    """Return a competence as shown: a suggested one translated (stored in English), a typed one as typed."""
    return i18n.gettext(tag) if tag in COMMON_COMPETENCES else tag
