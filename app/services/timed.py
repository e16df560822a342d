"""Timed actions: what the race does by itself at a time the database holds, done once whoever runs it.

A kind of timed action is a query of what is pending (`Due` rows: when, and the state it is due for) and a
function that acts on one inside a write transaction that holds the race's lock. The function checks that
the state is still the one it was due for and does nothing otherwise, so when several processes (or a
facilitator) get there at once, exactly one acts. To add a kind, write both and list it in KINDS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Executable, or_, select
from sqlmodel import Session, col

from app.db import Database
from app.kinds import Kind
from app.models import Phase, PhaseState, Race
from app.services import events, phases


@dataclass(frozen=True)
class Due:
    """One pending action: its kind, the race and row it acts on, when, and the state it is due for."""

    kind: str
    race_id: int
    target: int
    at_ms: int
    stamp: int


@dataclass(frozen=True)
class TimedAction:
    """A kind of timed action: what is pending (race, target, at, stamp rows) and how to act on one."""

    pending: Executable
    act: Callable[[Session, Race, Due, int], bool]


# Time-up of the current phase, when it asks to lock the boards or start the next phase then.
_TIMEUP = (
    select(col(Phase.race_id), col(Phase.id), col(Phase.deadline_ms), col(Phase.deadline_ms))
    .join(Race, col(Race.current_phase_id) == Phase.id)
    .where(
        col(Phase.state) == PhaseState.RUNNING,
        col(Phase.deadline_ms).is_not(None),
        or_(col(Phase.lock_at_end), col(Phase.next_at_end)),
        or_(col(Phase.timeup_ms).is_(None), col(Phase.timeup_ms) != Phase.deadline_ms),
        col(Race.ended_ms).is_(None),
    )
)


def _timeup(session: Session, race: Race, due: Due, now: int) -> bool:
    """At the current phase's deadline: lock its boards and/or start the next phase, once per deadline."""
    phase = session.get(Phase, due.target)
    if (
        phase is None
        or race.ended_ms is not None
        or race.current_phase_id != phase.id
        or phase.state != PhaseState.RUNNING
        or phase.deadline_ms != due.stamp
        or phase.deadline_ms > now
        or phase.timeup_ms == phase.deadline_ms
    ):
        return False
    phase.timeup_ms = phase.deadline_ms
    session.add(phase)
    data = {
        "phase": phase.id,
        "locked": phase.lock_at_end,
        "state": phase.state,
        "deadline_ms": phase.deadline_ms,
    }
    events.record(session, race.id or 0, Kind.PHASE_TIMEUP, data=data)
    upcoming = phases.clock(session, race).next_phase if phase.next_at_end else None
    if upcoming is not None:
        phases.begin(session, race, upcoming)
    return True


# The two minutes in which the last start can be undone.
_UNDO = select(col(Race.id), col(Race.id), col(Race.undo_until_ms), col(Race.undo_seq)).where(
    col(Race.undo_until_ms).is_not(None)
)


def _undo_expired(session: Session, race: Race, due: Due, now: int) -> bool:
    """Close the undo of the last start when its two minutes are over (control screens drop the button)."""
    if race.undo_seq != due.stamp or race.undo_until_ms is None or race.undo_until_ms > now:
        return False
    race.undo_seq = race.undo_until_ms = None
    session.add(race)
    events.record(session, race.id or 0, Kind.PHASE_UNDO_EXPIRED, data={"seq": due.stamp})
    return True


# Races whose planned start is still to come: no phase started, not ended, archived or deleted.
_PLANNED = select(col(Race.id), col(Race.id), col(Race.planned_start_ms), col(Race.planned_start_ms)).where(
    col(Race.planned_start_ms).is_not(None),
    col(Race.current_phase_id).is_(None),
    col(Race.ended_ms).is_(None),
    col(Race.archived_ms).is_(None),
    col(Race.deleted_ms).is_(None),
)


def _planned_start(session: Session, race: Race, due: Due, now: int) -> bool:
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


KINDS: dict[str, TimedAction] = {
    "timeup": TimedAction(_TIMEUP, _timeup),
    "undo": TimedAction(_UNDO, _undo_expired),
    # The first phase at the race's planned start (set by services/planned.py).
    "planned-start": TimedAction(_PLANNED, _planned_start),
}


def pending(db: Database, kinds: dict[str, TimedAction] = KINDS) -> list[Due]:
    """Return every pending timed action of every race, soonest first."""
    with db.read() as session:
        found = [
            Due(name, race_id, target, at_ms, stamp)
            for name, kind in kinds.items()
            for race_id, target, at_ms, stamp in session.execute(kind.pending).all()
        ]
    return sorted(found, key=lambda due: due.at_ms)


def act(db: Database, due: Due, now: int, kinds: dict[str, TimedAction] = KINDS) -> bool:
    """Do one due action if its state is still the one it was due for; return whether it acted."""
    with db.write() as session:
        # Another process acting on the same race waits here, then finds the state changed and does nothing.
        events.lock_race(session, due.race_id)
        race = session.get(Race, due.race_id)
        if race is None:
            return False
        return kinds[due.kind].act(session, race, due, now)
