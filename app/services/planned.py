"""A race's planned start, set or cleared by a facilitator; at that time the first phase starts by itself
(the "planned-start" timed action in services/timed.py), unless one was started first."""

from __future__ import annotations

from app.db import Database, now_ms
from app.errors import Conflict
from app.kinds import Kind
from app.models import Race
from app.services import events, launch
from app.services.agenda import require_facilitator
from app.services.people import Viewer


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
