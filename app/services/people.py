"""People: joining with a code, sessions, and who is looking at a screen."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from app import labels, viewers
from app.db import Database, now_ms, table_of
from app.errors import Conflict, Invalid, NotFound
from app.i18n import N_, Label, translate
from app.kinds import Kind
from app.models import Person, PersonSession, Race, Role
from app.services import devices, events, races

NAME_MAX = 80
ROLE_LABELS = labels.ROLES


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


# Embeddings, overrides and isolates reorder what others read around the text; the marks (LRM, RLM) do not.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _dropped(ch: str) -> bool:
    """Return whether a character goes: a control (not a line break or tab), a lone surrogate, a bidi one."""
    kind = unicodedata.category(ch)
    return (kind == "Cc" and ch not in "\n\t") or kind == "Cs" or ch in BIDI_CONTROLS


def clean_text(value: str, limit: int, *, field: str, required: bool = True) -> str:
    """Normalise user text (NFC, no controls or bidi overrides, trimmed) and enforce its length.

    Other format characters stay: a zero-width joiner holds an emoji family together, tags make a flag.
    """
    text = unicodedata.normalize("NFC", value or "")
    if not text.isprintable():
        # Printable text has no character of category C ("Other"): only other text is looked at by character.
        text = "".join(ch for ch in text if not _dropped(ch))
    text = text.strip()
    if required and not any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in text):
        raise Invalid("Please fill in %(field)s.", field=Label(field))
    if len(text) > limit:
        raise Invalid("%(field)s can be at most %(limit)s characters.", field=Label(field), limit=limit)
    return text


UNKNOWN_CODE = N_("That code does not open any race. Check it and try again.")


class UnknownCode(Invalid):
    """A code that opens no race: a wrong guess, limited per address (app/limits.py)."""


def join(
    db: Database, code: str, name: str, earlier: str | None = None, device: str | None = None
) -> tuple[str, str]:
    """Join the race a code opens; return (session token, slug).

    `device` is the browser's device token: joining again with the same role from the same browser gives the
    same person back (their team and votes), with a new session that ends their earlier ones. `earlier` is
    the session this browser held before: when it was in the same race, the event notes who the person was.
    """
    if not (code or "").strip():
        raise Invalid("Enter the code you were given.")
    with db.write() as session:
        found = races.find_code(session, code)
        if found is None:
            raise UnknownCode(UNKNOWN_CODE)
        race, role = found
        if role == Role.WALL and not (name or "").strip():
            name = translate(race.lang, "Wall")
        name = clean_text(name, NAME_MAX, field=N_("your name"))
        assert race.id is not None
        known = devices.digest(device) if device else None
        if known:
            # Two joins at once from one browser (a double submit) find or make one person, not two.
            events.lock_race(session, race.id)
        person = _returning(session, race.id, role, known) if known else None
        if person is not None:
            return _rejoin(session, person, name), race.slug
        person = Person(race_id=race.id, name=name, role=role, created_ms=now_ms(), device=known)
        session.add(person)
        session.flush()
        assert person.id is not None
        token = secrets.token_urlsafe(32)
        session.add(PersonSession(token=token, person_id=person.id, created_ms=now_ms()))
        data: dict[str, object] = {"name": name, "role": role}
        if known and _shares_device(session, race.id, known, person.id):
            data["shared"] = True  # the roster marks both
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


def _shares_device(session: Session, race_id: int, device: str, person_id: int) -> bool:
    """Return whether someone else of the race joined from this device."""
    query = select(Person.id).where(
        Person.race_id == race_id, Person.device == device, Person.id != person_id
    )
    return session.exec(query.limit(1)).first() is not None


def _returning(session: Session, race_id: int, role: str, device: str) -> Person | None:
    """Return the person this device already is in the race in this role, if any."""
    query = (
        select(Person)
        .where(
            Person.race_id == race_id,
            Person.role == role,
            Person.device == device,
            col(Person.erased_ms).is_(None),
        )
        .order_by(col(Person.id))
    )
    return session.exec(query).first()


def _rejoin(session: Session, person: Person, name: str) -> str:
    """Give a returning person a new session, ending their earlier ones; return its token."""
    now = now_ms()
    assert person.id is not None
    session.execute(
        update(PersonSession)
        .where(col(PersonSession.person_id) == person.id, col(PersonSession.ended_ms).is_(None))
        .values(ended_ms=now)
    )
    # Their earlier sessions end, and their name may change.
    viewers.changed(session, [person.id])
    token = secrets.token_urlsafe(32)
    session.add(PersonSession(token=token, person_id=person.id, created_ms=now))
    data: dict[str, object] = {"name": name, "role": person.role}
    if name != person.name:
        data["was_named"] = person.name
        person.name = name
        session.add(person)
    events.record(
        session, person.race_id, Kind.PERSON_REJOINED, data=data, person_id=person.id, team_id=person.team_id
    )
    return token


# Every request asks this: built once, and reading columns, not entities.
_VIEWER = (
    select_columns(
        *(col(column) for column in (Person.id, Person.name, Person.role, Person.team_id, Person.lang)),
        *(col(column) for column in (Race.id, Race.slug, Race.lang)),
    )
    .join(PersonSession, col(PersonSession.person_id) == Person.id)
    .join(Race, col(Race.id) == Person.race_id)
    .where(col(PersonSession.token) == bindparam("token"), col(PersonSession.ended_ms).is_(None))
)


def viewer(db: Database, token: str | None) -> Viewer | None:
    """Return who holds a session token, or None when it is unknown or ended."""
    if not token:
        return None
    with db.read() as session:
        return viewer_in(session, token)


# A live socket's look before it attaches: who, and the race's seq, in one statement.
VIEWER_AND_SEQ = _VIEWER.add_columns(col(Race.seq))


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


# Locked (PostgreSQL; SQLite is serial): a move of the person waits for the write that checked their team.
# A plain row on the session's connection: every team member's write asks.
_PEOPLE = table_of(Person)
_TEAM_NOW = select_columns(_PEOPLE.c.team_id).where(_PEOPLE.c.id == bindparam("person")).with_for_update()


def require_team(session: Session, viewer: Viewer) -> None:
    """Refuse a team member's write when a move committed after the request read who they are."""
    now = session.connection().execute(_TEAM_NOW, {"person": viewer.person_id}).scalar_one_or_none()
    if now != viewer.team_id:
        raise Conflict("You have been moved to another team: load the page again to see it.")


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
            viewers.changed(session, [who.person_id])
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
        viewers.changed(session, [person_id])


def members(session: Session, race_id: int) -> list[Person]:
    """Return the race's participants, by name."""
    query = select(Person).where(Person.race_id == race_id, Person.role == Role.PARTICIPANT)
    return list(session.exec(query.order_by(col(Person.name))).all())
