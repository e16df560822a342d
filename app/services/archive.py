"""After a race: archived (read-only, kept for follow-up) or deleted with its data; codes replaced.

Each is recorded in the audit list. A deleted race keeps its row (name, slug, when) and its audit records, so
that its organisers can see who deleted it; everything else of it is removed.
"""

from __future__ import annotations

from sqlalchemy import Table, delete, update
from sqlalchemy import select as select_rows
from sqlmodel import Session, SQLModel, col, select

from app import viewers
from app.db import Database, now_ms
from app.errors import Conflict, Invalid
from app.kinds import Kind
from app.models import AuditRecord, Organiser, Person, Race, RaceCode, RaceOrganiser, Role
from app.services import events, owners, races
from app.services.organisers import Account

# What deleting a race keeps: its row and who ran it, so the audit list can say what was deleted and by whom.
KEPT = frozenset({"race", "raceorganiser", "auditrecord"})


def audit(session: Session, race_id: int, action: str, who: Account, detail: str = "") -> None:
    """Note an organiser's action on a race in its audit list."""
    record = AuditRecord(
        race_id=race_id, action=action, organiser_id=who.organiser_id, detail=detail[:500], at_ms=now_ms()
    )
    session.add(record)


def replace_code(db: Database, who: Account, slug: str, role: str, shown: str) -> str:
    """Give a role a new code; the one shown stops working at once (409 when it was already replaced)."""
    if role not in set(Role):
        raise Invalid("There is no such role.")
    with db.write() as session:
        race = owners.require_race(session, who, slug)
        events.lock_race(session, race.id or 0)
        row = session.exec(
            select(RaceCode).where(col(RaceCode.race_id) == race.id, col(RaceCode.role) == role)
        ).one()
        if row.code != shown:
            raise Conflict("This code was replaced meanwhile; the new one is shown now.")
        # Recorded first: an archived race refuses it, and nothing changes.
        events.record(session, race.id or 0, Kind.CODE_REPLACED, data={"role": role})
        row.code = races.unique_code(session, Role(role))
        session.add(row)
        audit(session, race.id or 0, "code.replaced", who, role)
        return row.code


def archive(db: Database, who: Account, slug: str) -> None:
    """Archive an ended race: it stays readable, and nothing in it changes any more."""
    with db.write() as session:
        race = owners.require_race(session, who, slug)
        events.lock_race(session, race.id or 0)
        session.refresh(race)
        if race.ended_ms is None:
            raise Conflict("Only a race that has ended can be archived. End it on its control screen first.")
        if race.archived_ms is not None:
            raise Conflict("This race is archived already.")
        events.record(session, race.id or 0, Kind.RACE_ARCHIVED)
        race.archived_ms = now_ms()
        session.add(race)
        audit(session, race.id or 0, "race.archived", who)


def unarchive(db: Database, who: Account, slug: str) -> None:
    """Take a race out of the archive, so that it can be changed again (outcomes, erasures)."""
    with db.write() as session:
        race = owners.require_race(session, who, slug)
        events.lock_race(session, race.id or 0)
        session.refresh(race)
        if race.archived_ms is None:
            raise Conflict("This race is not archived.")
        race.archived_ms = None
        session.add(race)
        session.flush()
        events.record(session, race.id or 0, Kind.RACE_UNARCHIVED)
        audit(session, race.id or 0, "race.unarchived", who)


def delete_race(db: Database, who: Account, slug: str, typed_name: str) -> tuple[int, list[int]]:
    """Delete a race and all its data once its name is typed; return it and the people whose screens close."""
    with db.write() as session:
        race = owners.require_race(session, who, slug)
        events.lock_race(session, race.id or 0)
        if " ".join(typed_name.split()) != " ".join(race.name.split()):
            raise Invalid("Type the race's name exactly as it is written to delete it.")
        assert race.id is not None
        people = [
            found for found in session.exec(select(Person.id).where(col(Person.race_id) == race.id)) if found
        ]
        session.execute(
            update(RaceOrganiser).where(col(RaceOrganiser.race_id) == race.id).values(person_id=None)
        )
        remove_data(session, race.id)
        viewers.changed(session, [person_id for person_id in people if person_id is not None])
        race.deleted_ms = now_ms()
        race.archived_ms = race.archived_ms or race.deleted_ms
        race.current_phase_id = race.spotlight_card_id = race.gallery_phase_id = None
        race.intake_token, race.intake_open = None, False
        session.add(race)
        audit(session, race.id, "race.deleted", who, f"{race.name} ({race.slug})")
        return race.id, [person_id for person_id in people if person_id is not None]


def remove_data(session: Session, race_id: int) -> None:
    """Delete every row of a race, directly (race_id) or through a row that is, children first."""
    tables = [table for table in SQLModel.metadata.sorted_tables if table.name not in KEPT]
    owned = {table.name for table in tables if "race_id" in table.c}
    for table in reversed(tables):
        if "race_id" in table.c:
            session.execute(delete(table).where(table.c.race_id == race_id))
            continue
        for key in table.foreign_keys:
            parent = key.column.table
            if parent.name in owned:
                assert isinstance(parent, Table)
                ids = select_rows(parent.c.id).where(parent.c.race_id == race_id)
                session.execute(delete(table).where(key.parent.in_(ids)))


def history(db: Database, who: Account, limit: int = 50) -> list[tuple[AuditRecord, str, str]]:
    """Return the organiser's races' newest organiser actions: (record, race name, organiser name)."""
    with db.read() as session:
        rows = session.execute(
            select_rows(AuditRecord, col(Race.name), col(Organiser.name))
            .join(Race, col(Race.id) == AuditRecord.race_id)
            .join(RaceOrganiser, col(RaceOrganiser.race_id) == Race.id)
            .join(Organiser, col(Organiser.id) == AuditRecord.organiser_id)
            .where(col(RaceOrganiser.organiser_id) == who.organiser_id)
            .order_by(col(AuditRecord.id).desc())
            .limit(limit)
        ).all()
    return [(record, race_name, organiser_name) for record, race_name, organiser_name in rows]
