"""A race's planned start: the first phase starts by itself at the planned time, unless one was started first.

One kind of timed action (services/timed.py): PENDING is what is due (race, target, when, the state it is due
for) and `start_due` acts on one in the scheduler's write transaction, which holds the race's lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session, col

from app.db import Database, now_ms
from app.errors import Conflict
from app.kinds import Kind
from app.models import Race
from app.services import events, launch, phases
from app.services.agenda import require_facilitator
from app.services.people import Viewer

if TYPE_CHECKING:
    # timed.py lists this kind in KINDS, so it imports this module.
    from app.services.timed import Due

# Races whose planned start is still to come: no phase started, not ended, archived or deleted.
PENDING = select(col(Race.id), col(Race.id), col(Race.planned_start_ms), col(Race.planned_start_ms)).where(
    col(Race.planned_start_ms).is_not(None),
    col(Race.current_phase_id).is_(None),
    col(Race.ended_ms).is_(None),
    col(Race.archived_ms).is_(None),
    col(Race.deleted_ms).is_(None),
)


def start_due(session: Session, race: Race, due: Due, now: int) -> bool:
    """Start the race's first phase if its planned start (as it was due) has come and nothing started yet."""
    if (
        race.planned_start_ms != due.stamp
        or due.stamp > now
        or race.current_phase_id is not None
        or race.ended_ms is not None
        or race.archived_ms is not None
        or race.deleted_ms is not None
    ):
        return False
    agenda = phases.agenda(session, race.id or 0)
    race.planned_start_ms = None
    session.add(race)
    if not agenda:
        return False
    phases.begin(session, race, agenda[0])
    return True


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
