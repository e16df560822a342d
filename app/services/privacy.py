"""Personal data: a person's export, erasure as the race says, retention and purge, the audit trail."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import Any

from sqlalchemy import String, Table, delete, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from app import viewers
from app.db import Database, now_ms, table_of
from app.errors import Forbidden, Invalid, NotFound
from app.kinds import Kind
from app.models import AuditRecord, Card, CardRevision, Event, Person, PersonSession, Race, Role
from app.services import events, needs
from app.services.people import Viewer
from app.services.review import require_facilitator

log = logging.getLogger(__name__)
ERASE_MODES = ("keep", "remove")
RETENTION_MAX_DAYS = 3650
DAY_MS = 86_400_000
# A row is a person's own contribution when they are in one of these columns (not the expert who claimed it).
OWNER_COLUMNS = frozenset({"author_id", "asked_by", "person_id", "juror_id"})
# Event data that describes, rather than quotes, what happened: kept when the text is removed.
STRUCTURAL_KEYS = frozenset({"column", "role", "kind", "state", "status", "date"})
# Shorter text columns are codes and states (column, kind, status, key), not what someone wrote.
USER_TEXT_MIN_LENGTH = 100

Progress = Callable[[str, int, int], None]


def person_tables() -> list[tuple[Table, list[str]]]:
    """Return every table with columns that point at a person, and those columns."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        columns = [
            column.name
            for column in table.columns
            if any(key.column.table.name == "person" for key in column.foreign_keys)
        ]
        if columns and table.name != "personsession":
            found.append((table, columns))
    return found


def _audit(
    session: Session, race_id: int, action: str, subject: int | None, actor: int | None, detail: str = ""
) -> None:
    session.add(
        AuditRecord(
            race_id=race_id, action=action, subject_id=subject, actor_id=actor, detail=detail, at_ms=now_ms()
        )
    )


def _load_person(session: Session, viewer: Viewer, person_id: int, *, own_allowed: bool) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.race_id != viewer.race_id:
        raise NotFound("There is no such person in this race.")
    if viewer.role != Role.FACILITATOR and not (own_allowed and person_id == viewer.person_id):
        raise Forbidden("Only a facilitator can do this.")
    return person


def export_person(db: Database, viewer: Viewer, person_id: int) -> dict[str, Any]:
    """Return everything one person contributed, and note the export in the audit trail."""
    with db.write() as session:
        person = _load_person(session, viewer, person_id, own_allowed=True)
        race = session.get(Race, person.race_id)
        # A juror's values reach no one but the juror before the facilitator reveals them.
        hide_scores = person_id != viewer.person_id and (race is None or race.scores_revealed_ms is None)
        conn = session.connection()
        document: dict[str, Any] = {"format": "kraftsamla-person", "version": 1, "tables": {}}
        person_table = SQLModel.metadata.tables["person"]
        document["tables"]["person"] = [
            dict(row._mapping)
            for row in conn.execute(sa_select(person_table).where(person_table.c.id == person_id))
        ]
        for table, columns in person_tables():
            if table.name == "person" or (table.name == "score" and hide_scores):
                continue
            condition = table.c[columns[0]] == person_id
            for name in columns[1:]:
                condition = condition | (table.c[name] == person_id)
            rows = [
                dict(row._mapping)
                for row in conn.execute(
                    sa_select(table).where(condition).order_by(*table.primary_key.columns)
                )
            ]
            if rows:
                document["tables"][table.name] = rows
        _audit(session, person.race_id, "person.exported", person_id, viewer.person_id)
        events.record(
            session,
            person.race_id,
            Kind.PERSON_EXPORTED,
            data={"person": person_id},
            person_id=viewer.person_id,
        )
    return document


def set_policy(db: Database, viewer: Viewer, *, retention_days: int, erase_mode: str) -> int:
    """Set how long the race keeps personal data and what erasing a person does to their contributions."""
    require_facilitator(viewer)
    if erase_mode not in ERASE_MODES:
        raise Invalid("Choose what happens to an erased person's contributions.")
    if not 1 <= retention_days <= RETENTION_MAX_DAYS:
        raise Invalid("The retention period is between 1 and %(limit)s days.", limit=RETENTION_MAX_DAYS)
    with db.write() as session:
        race = session.get(Race, viewer.race_id)
        assert race is not None
        race.retention_days, race.erase_mode = retention_days, erase_mode
        session.add(race)
        return events.record(
            session,
            viewer.race_id,
            Kind.RACE_PRIVACY,
            data={"retention_days": retention_days, "erase_mode": erase_mode},
            person_id=viewer.person_id,
        ).seq


def erase(db: Database, viewer: Viewer, person_id: int) -> int:
    """Erase a person as the race's setting says, then scrub the file; return the event's seq."""
    with db.write() as session:
        person = _load_person(session, viewer, person_id, own_allowed=False)
        race = session.get(Race, person.race_id)
        assert race is not None
        seq = _erase(session, race, person, race.erase_mode, actor=viewer.person_id, why="")
    scrub(db)
    return seq


def _erase(session: Session, race: Race, person: Person, mode: str, *, actor: int | None, why: str) -> int:
    """Remove a person's name and details; keep or remove their contributions; one event and one audit row."""
    if db_is_sqlite(session):
        session.connection().exec_driver_sql("PRAGMA secure_delete=ON")
    person_id, name = person.id or 0, person.name
    removing = mode == "remove"
    removed_cards: set[int] = set()
    conn = session.connection()
    if removing:
        removed_cards = {
            card.id or 0 for card in session.exec(select(Card).where(Card.author_id == person_id))
        }
        for table, columns in person_tables():
            owners = [name_ for name_ in columns if name_ in OWNER_COLUMNS]
            if table.name in ("person", "event") or not owners:
                continue
            values = _blank(table)
            if values:
                for owner in owners:
                    conn.execute(update(table).where(table.c[owner] == person_id).values(**values))
        now = now_ms()
        conn.execute(update(table_of(Card)).where(col(Card.id).in_(removed_cards)).values(deleted_ms=now))
        conn.execute(
            update(table_of(CardRevision))
            .where(col(CardRevision.card_id).in_(removed_cards))
            .values(title="", body="", deleted=True)
        )
    for event in session.exec(select(Event).where(Event.race_id == race.id)):
        mine = event.person_id == person_id
        about_removed = removing and event.data.get("card") in removed_cards
        if mine or about_removed:
            event.data = {key: _scrubbed(key, value, name, removing) for key, value in event.data.items()}
            session.add(event)
    person.name, person.company, person.competences, person.lang = "", "", [], None
    # The browser they joined from is personal data too; joining again from it makes someone new.
    person.device = None
    person.erased_ms = now_ms()
    session.add(person)
    session.execute(delete(PersonSession).where(col(PersonSession.person_id) == person_id))
    viewers.changed(session, [person_id])
    _audit(session, race.id or 0, "person.erased", person_id, actor, why or mode)
    return events.record(
        session,
        race.id or 0,
        Kind.PERSON_ERASED,
        data={"person": person_id, "mode": mode},
        person_id=actor,
        team_id=person.team_id,
    ).seq


def _blank(table: Table) -> dict[str, str]:
    """Return the user-text columns of a table, each set to empty."""
    found = {}
    for column in table.columns:
        kind = getattr(column.type, "impl_instance", column.type)  # SQLModel's AutoString decorates String
        if isinstance(kind, String) and (kind.length or 10**6) >= USER_TEXT_MIN_LENGTH:
            found[column.name] = ""
    return found


def _scrubbed(key: str, value: Any, name: str, removing: bool) -> Any:
    if not isinstance(value, str):
        return value
    if key == "name" or (name and value == name):
        return ""
    if removing and key not in STRUCTURAL_KEYS:
        return ""
    return value


def db_is_sqlite(session: Session) -> bool:
    """Return whether the session talks to SQLite."""
    return session.connection().dialect.name == "sqlite"


def scrub(db: Database) -> None:
    """On SQLite: rebuild the file without free pages and empty the log, so erased text is gone."""
    if not db.is_sqlite:
        return
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        try:
            raw.execute("PRAGMA secure_delete=ON")
            raw.execute("VACUUM")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as error:
            # The erasure is committed; a busy file is scrubbed by the next erasure or `kraftsamla purge`.
            log.warning("could not vacuum the database after an erasure: %s", error)


def due_for_purge(db: Database, at_ms: int | None = None) -> list[str]:
    """Return the slugs of ended races whose retention period is over and who still have named people."""
    at_ms = at_ms if at_ms is not None else now_ms()
    with db.read() as session:
        found = session.exec(select(Race).where(col(Race.ended_ms).is_not(None))).all()
        return [race.slug for race in found if (race.ended_ms or 0) + race.retention_days * DAY_MS <= at_ms]


def purge(db: Database, at_ms: int | None = None, progress: Progress | None = None) -> tuple[int, int]:
    """Anonymise everyone in races past their retention; return (races, people)."""
    slugs = due_for_purge(db, at_ms)
    people = 0
    with db.read() as session:
        targets = [
            (race.id, person.id)
            for race in session.exec(select(Race).where(col(Race.slug).in_(slugs)))
            for person in session.exec(
                select(Person).where(Person.race_id == race.id, col(Person.erased_ms).is_(None))
            )
        ]
    for number, (race_id, person_id) in enumerate(targets, 1):
        with db.write() as session:
            race = session.get(Race, race_id)
            person = session.get(Person, person_id)
            assert race is not None and person is not None
            # Retention anonymises: names go, the race's record of what was made stays.
            _erase(session, race, person, "keep", actor=None, why="retention")
        people += 1
        if progress is not None:
            progress("people", number, len(targets))
    for slug in slugs:
        with db.write() as session:
            race_id = session.exec(select(Race.id).where(Race.slug == slug)).one()
            # The companies' contact people in the needs intake are personal data too.
            needs.forget_contacts(session, race_id or 0)
    scrub(db)  # also after an erasure whose own scrub found the file busy
    return len(slugs), people
