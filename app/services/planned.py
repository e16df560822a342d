"""A race's planned start: the first phase starts by itself at the planned time, unless one was started first.

Shaped as a timed action (a query of what is pending: race, target, when, the state it is due for; and a
function acting on one in a write transaction that holds the race's lock), so that it is one more kind for a
scheduler of timed actions.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.db import Database, now_ms
from app.errors import Conflict
from app.kinds import Kind
from app.models import Race
from app.services import events, launch, phases
from app.services.agenda import require_facilitator
from app.services.people import Viewer

# Races whose planned start is still to come: no phase started, not ended, archived or deleted.
PENDING = select(Race.id, Race.id, Race.planned_start_ms, Race.planned_start_ms).where(
    col(Race.planned_start_ms).is_not(None),
    col(Race.current_phase_id).is_(None),
    col(Race.ended_ms).is_(None),
    col(Race.archived_ms).is_(None),
    col(Race.deleted_ms).is_(None),
)


def start_due(session: Session, race: Race, planned_ms: int, now: int) -> bool:
    """Start the race's first phase if its planned start (as it was due) has come and nothing started yet."""
    if (
        race.planned_start_ms != planned_ms
        or planned_ms > now
        or race.current_phase_id is not None
        or race.ended_ms is not None
        or race.archived_ms is not None
    ):
        return False
    agenda = phases.agenda(session, race.id or 0)
    race.planned_start_ms = None
    session.add(race)
    if not agenda:
        return False
    phases.begin(session, race, agenda[0])
    return True


def due(db: Database) -> list[tuple[int, int]]:
    """Return (race id, planned start) of every race whose start is still to come, soonest first."""
    with db.read() as session:
        rows = session.exec(PENDING).all()
    starts = [(race_id, at_ms) for race_id, _target, at_ms, _stamp in rows if race_id and at_ms]
    return sorted(starts, key=lambda row: row[1])


def act(db: Database, race_id: int, planned_ms: int, now: int) -> bool:
    """Start one race's first phase when it is due; whoever gets there second finds nothing to do."""
    with db.write() as session:
        events.lock_race(session, race_id)
        race = session.get(Race, race_id)
        return race is not None and start_due(session, race, planned_ms, now)


def change(db: Database, viewer: Viewer, shown: str, date: str, time: str) -> int:
    """Set or clear (both empty) the planned start; `shown` is the one the screen showed (409 when stale)."""
    require_facilitator(viewer)
    with db.write() as session:
        events.lock_race(session, viewer.race_id)
        race = session.get(Race, viewer.race_id)
        assert race is not None
        if shown != str(race.planned_start_ms or ""):
            raise Conflict("The planned start was changed meanwhile; it is shown as it is now.")
        if race.current_phase_id is not None:
            raise Conflict("The race has started already.")
        race.planned_start_ms = launch.planned_start(date, time, race.timezone, now_ms())
        session.add(race)
        data = {"planned_start_ms": race.planned_start_ms}
        return events.record(
            session, race.id or 0, Kind.RACE_PLANNED, data=data, person_id=viewer.person_id
        ).seq
