"""Who runs which race: a race's organisers, and the facilitator each of them is on the race's screens."""

from __future__ import annotations

import secrets

from sqlmodel import Session, col, select

from app.db import Database, now_ms
from app.errors import Conflict, NotFound
from app.kinds import Kind
from app.models import Organiser, Person, PersonSession, Race, RaceOrganiser, Role
from app.services import events, organisers
from app.services.organisers import Account


def races_of(session: Session, organiser_id: int) -> list[Race]:
    """Return the races an organiser runs (deleted ones left out), newest first."""
    query = (
        select(Race)
        .join(RaceOrganiser, col(RaceOrganiser.race_id) == Race.id)
        .where(RaceOrganiser.organiser_id == organiser_id, col(Race.deleted_ms).is_(None))
        .order_by(col(Race.created_ms).desc(), col(Race.id).desc())
    )
    return list(session.exec(query).all())


def require_race(session: Session, who: Account, slug: str) -> Race:
    """Return a race this organiser runs, or refuse as if it did not exist (another's race is not told)."""
    race = session.exec(
        select(Race)
        .join(RaceOrganiser, col(RaceOrganiser.race_id) == Race.id)
        .where(
            Race.slug == slug,
            RaceOrganiser.organiser_id == who.organiser_id,
            col(Race.deleted_ms).is_(None),
        )
    ).first()
    if race is None:
        raise NotFound("None of your races is at this address.")
    return race


def own_races(db: Database, who: Account) -> list[Race]:
    """Return the races the organiser runs, in one read."""
    with db.read() as session:
        return races_of(session, who.organiser_id)


def own_race(db: Database, who: Account, slug: str) -> Race:
    """Return one of the organiser's races by its slug, in one read (404 for another's)."""
    with db.read() as session:
        return require_race(session, who, slug)


def add(session: Session, race: Race, organiser: Organiser) -> RaceOrganiser:
    """Make an organiser one of the race's: they are a facilitator of it on its screens."""
    assert race.id is not None and organiser.id is not None
    if session.get(RaceOrganiser, (race.id, organiser.id)) is not None:
        raise Conflict("%(name)s already runs this race.", name=organiser.email)
    person = Person(race_id=race.id, name=organiser.name, role=Role.FACILITATOR, created_ms=now_ms())
    session.add(person)
    session.flush()
    link = RaceOrganiser(race_id=race.id, organiser_id=organiser.id, person_id=person.id, added_ms=now_ms())
    session.add(link)
    data = {"name": person.name, "role": Role.FACILITATOR, "organiser": organiser.id}
    events.record(session, race.id, Kind.PERSON_JOINED, data=data, person_id=person.id)
    return link


def control_session(db: Database, who: Account, slug: str) -> str:
    """Return a new session token of the organiser's facilitator in one of their races."""
    with db.write() as session:
        race = require_race(session, who, slug)
        link = session.get(RaceOrganiser, (race.id, who.organiser_id))
        assert link is not None and link.person_id is not None
        token = secrets.token_urlsafe(32)
        session.add(PersonSession(token=token, person_id=link.person_id, created_ms=now_ms()))
        return token


def share(db: Database, who: Account, slug: str, email: str) -> str:
    """Let another organiser run one of this organiser's races too; return their name."""
    email = organisers.clean_email(email)
    with db.write() as session:
        race = require_race(session, who, slug)
        other = organisers.find(session, email)
        if other is None:
            raise NotFound("There is no organiser with this e-mail address.")
        add(session, race, other)
        return other.name


def names(session: Session, race_ids: list[int]) -> dict[int, list[str]]:
    """Return race id -> the names of its organisers, in the order they were added."""
    if not race_ids:
        return {}
    rows = session.exec(
        select(RaceOrganiser.race_id, Organiser.name)
        .join(Organiser, col(Organiser.id) == RaceOrganiser.organiser_id)
        .where(col(RaceOrganiser.race_id).in_(race_ids))
        .order_by(col(RaceOrganiser.added_ms), col(Organiser.id))
    ).all()
    found: dict[int, list[str]] = {}
    for race_id, name in rows:
        found.setdefault(race_id, []).append(name)
    return found
