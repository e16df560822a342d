"""People: joining with a code, sessions, and who is looking at a screen."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from app.db import Database, now_ms
from app.errors import Invalid, NotFound
from app.i18n import N_, translate
from app.kinds import Kind
from app.models import Person, PersonSession, Race, Role
from app.services import events, races

NAME_MAX = 80


@dataclass(frozen=True)
class Viewer:
    """The person behind a request, with what the screens need to know about them."""

    person_id: int
    name: str
    role: str
    race_id: int
    slug: str
    team_id: int | None
    lang: str


def clean_text(value: str, limit: int, *, field: str, required: bool = True) -> str:
    """Normalise user text (NFC, no control characters, trimmed) and enforce its length."""
    text = unicodedata.normalize("NFC", value or "")
    if not text.isprintable():
        # Printable text has no character of category C ("Other"): only other text is looked at by character.
        text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = text.strip()
    if required and not text:
        raise Invalid("Please fill in %(field)s.", field=field)
    if len(text) > limit:
        raise Invalid("%(field)s can be at most %(limit)s characters.", field=field, limit=limit)
    return text


def join(db: Database, code: str, name: str, earlier: str | None = None) -> tuple[str, str]:
    """Join the race a code opens; return (session token, slug).

    `earlier` is the session this browser held before: when it was in the same race, the event notes who the
    person was, so a juror who took part earlier on a team is kept from judging it.
    """
    if not (code or "").strip():
        raise Invalid("Enter the code you were given.")
    with db.write() as session:
        found = races.find_code(session, code)
        if found is None:
            raise Invalid("That code does not open any race. Check it and try again.")
        race, role = found
        if role == Role.WALL and not (name or "").strip():
            name = translate(race.lang, "Wall")
        name = clean_text(name, NAME_MAX, field=N_("your name"))
        assert race.id is not None
        person = Person(race_id=race.id, name=name, role=role, created_ms=now_ms())
        session.add(person)
        session.flush()
        assert person.id is not None
        token = secrets.token_urlsafe(32)
        session.add(PersonSession(token=token, person_id=person.id, created_ms=now_ms()))
        data: dict[str, object] = {"name": name, "role": role}
        if earlier:
            was = session.exec(
                select(Person.id)
                .join(PersonSession, col(PersonSession.person_id) == Person.id)
                .where(PersonSession.token == earlier, Person.race_id == race.id)
            ).first()
            if was is not None:
                data["was"] = was
        events.record(session, race.id, Kind.PERSON_JOINED, data=data, person_id=person.id)
        return token, race.slug


# Every request asks this: built once, and reading columns, not entities.
_VIEWER = (
    select(Person.id, Person.name, Person.role, Person.team_id, Person.lang, Race.id, Race.slug, Race.lang)
    .join(PersonSession, col(PersonSession.person_id) == Person.id)
    .join(Race, col(Race.id) == Person.race_id)
    .where(PersonSession.token == bindparam("token"), col(PersonSession.ended_ms).is_(None))
)


def viewer(db: Database, token: str | None) -> Viewer | None:
    """Return who holds a session token, or None when it is unknown or ended."""
    if not token:
        return None
    with db.read() as session:
        return viewer_in(session, token)


# A live socket's first look: who, and the race's seq, in one statement (see app/screens/frames.first_look).
VIEWER_AND_SEQ = _VIEWER.add_columns(Race.seq)


def viewer_in(session: Session, token: str) -> Viewer | None:
    """Return who holds a session token as the session's snapshot sees it, or None."""
    row = session.execute(_VIEWER, {"token": token}).first()
    return None if row is None else viewer_from(row)


def viewer_from(row: Sequence[Any]) -> Viewer:
    """Return the viewer of a row of `_VIEWER` (or `VIEWER_AND_SEQ`)."""
    person_id, name, role, team_id, lang, race_id, slug, race_lang = row[:8]
    return Viewer(
        person_id=person_id,
        name=name,
        role=role,
        race_id=race_id,
        slug=slug,
        team_id=team_id,
        lang=lang or race_lang,
    )


def leave(db: Database, token: str) -> Viewer | None:
    """End a session (signing out); return whose it was."""
    who = viewer(db, token)
    if who is None:
        return None
    with db.write() as session:
        row = session.get(PersonSession, token)
        if row is not None and row.ended_ms is None:
            row.ended_ms = now_ms()
            session.add(row)
            events.record(session, who.race_id, Kind.PERSON_LEFT, person_id=who.person_id)
    return who


def set_language(db: Database, person_id: int, lang: str) -> None:
    """Remember a person's choice of language."""
    with db.write() as session:
        person = session.get(Person, person_id)
        if person is None:
            raise NotFound("You are not part of this race.")
        person.lang = lang
        session.add(person)


def members(session: Session, race_id: int) -> list[Person]:
    """Return the race's participants, by name."""
    query = select(Person).where(Person.race_id == race_id, Person.role == Role.PARTICIPANT)
    return list(session.exec(query.order_by(col(Person.name))).all())
