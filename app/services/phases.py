"""The agenda and its clock: state kept in the database, never ticked by the server."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app import memo
from app.db import Database, now_ms
from app.errors import Conflict, Forbidden, NotFound
from app.kinds import Kind
from app.models import Phase, PhaseState, Race, Role
from app.services import events
from app.services.people import Viewer


@dataclass(frozen=True)
class Clock:
    """What every screen needs to count down the same clock by itself."""

    phase: Phase | None
    next_phase: Phase | None
    state: str
    deadline_ms: int | None
    remaining_ms: int | None
    total_ms: int | None


def agenda(session: Session, race_id: int) -> list[Phase]:
    """Return the race's phases in order."""
    # The clock and the facilitators' agenda both show it: a render loads it once.
    return list(memo.once(("phases.agenda", race_id), lambda: _agenda(session, race_id)))


def _agenda(session: Session, race_id: int) -> list[Phase]:
    query = select(Phase).where(Phase.race_id == race_id).order_by(col(Phase.position))
    return list(session.exec(query).all())


def clock(session: Session, race: Race) -> Clock:
    """Return the race's clock as it stands."""
    phases = agenda(session, race.id or 0)
    current = next((phase for phase in phases if phase.id == race.current_phase_id), None)
    if current is None:
        return Clock(None, phases[0] if phases else None, "idle", None, None, None)
    later = [phase for phase in phases if phase.position > current.position]
    total = current.planned_minutes * 60_000 + current.extended_ms
    return Clock(
        current, later[0] if later else None, current.state, current.deadline_ms, current.remaining_ms, total
    )


def open_phase(session: Session, race: Race) -> Phase | None:
    """Return the phase that is running or paused, if any."""
    if race.current_phase_id is None:
        return None
    phase = session.get(Phase, race.current_phase_id)
    return phase if phase is not None and phase.state in (PhaseState.RUNNING, PhaseState.PAUSED) else None


def _require_facilitator(viewer: Viewer) -> None:
    if viewer.role != Role.FACILITATOR:
        raise Forbidden("Only a facilitator can run the clock.")


def _load(session: Session, viewer: Viewer, phase_id: int) -> tuple[Race, Phase]:
    race = session.get(Race, viewer.race_id)
    phase = session.get(Phase, phase_id)
    if race is None or phase is None or phase.race_id != race.id:
        raise NotFound("There is no such phase in this race.")
    return race, phase


def _record(session: Session, race: Race, phase: Phase, kind: Kind) -> int:
    return events.record(
        session,
        race.id or 0,
        kind,
        data={"phase": phase.id, "state": phase.state, "deadline_ms": phase.deadline_ms},
    ).seq


def begin(session: Session, race: Race, phase: Phase) -> int:
    """Start a phase from its full time in this transaction; the phase that was open is done."""
    previous = open_phase(session, race)
    now = now_ms()
    if previous is not None and previous.id != phase.id:
        previous.state = PhaseState.DONE
        session.add(previous)
    phase.state = PhaseState.RUNNING
    phase.started_ms = now
    phase.extended_ms = 0
    phase.remaining_ms = None
    phase.deadline_ms = now + phase.planned_minutes * 60_000
    race.current_phase_id = phase.id
    gallery_phase = race.gallery_phase_id if race.gallery_phase_id != phase.id else None
    if gallery_phase is not None:
        race.gallery_phase_id = None
    session.add_all([phase, race])
    seq = _record(session, race, phase, Kind.PHASE_STARTED)
    if gallery_phase is not None:
        # The gallery walk belonged to the phase that ended: it closes on every screen.
        seq = events.record(session, race.id or 0, Kind.GALLERY_CLOSED, data={"phase": gallery_phase}).seq
    return seq


def start(db: Database, viewer: Viewer, phase_id: int) -> int:
    """Start a phase from its full time; the phase that was open is done."""
    _require_facilitator(viewer)
    with db.write() as session:
        race, phase = _load(session, viewer, phase_id)
        return begin(session, race, phase)


def pause(db: Database, viewer: Viewer, phase_id: int) -> int:
    """Freeze the running phase's time left."""
    _require_facilitator(viewer)
    with db.write() as session:
        race, phase = _load(session, viewer, phase_id)
        if phase.state != PhaseState.RUNNING or phase.deadline_ms is None:
            raise Conflict("This phase is not running.")
        phase.remaining_ms = max(0, phase.deadline_ms - now_ms())
        phase.deadline_ms = None
        phase.state = PhaseState.PAUSED
        session.add(phase)
        return _record(session, race, phase, Kind.PHASE_PAUSED)


def resume(db: Database, viewer: Viewer, phase_id: int) -> int:
    """Let a paused phase run on from the time it had left."""
    _require_facilitator(viewer)
    with db.write() as session:
        race, phase = _load(session, viewer, phase_id)
        if phase.state != PhaseState.PAUSED:
            raise Conflict("This phase is not paused.")
        phase.deadline_ms = now_ms() + (phase.remaining_ms or 0)
        phase.remaining_ms = None
        phase.state = PhaseState.RUNNING
        session.add(phase)
        return _record(session, race, phase, Kind.PHASE_RESUMED)


def extend(db: Database, viewer: Viewer, phase_id: int, minutes: int) -> int:
    """Give the open phase more time, running or paused."""
    _require_facilitator(viewer)
    if minutes not in (1, 5, 10):
        raise Conflict("A phase can be extended by 1, 5 or 10 minutes.")
    with db.write() as session:
        race, phase = _load(session, viewer, phase_id)
        extra = minutes * 60_000
        if phase.state == PhaseState.RUNNING and phase.deadline_ms is not None:
            phase.deadline_ms += extra
        elif phase.state == PhaseState.PAUSED:
            phase.remaining_ms = (phase.remaining_ms or 0) + extra
        else:
            raise Conflict("Only an open phase can be extended.")
        phase.extended_ms += extra
        session.add(phase)
        return _record(session, race, phase, Kind.PHASE_EXTENDED)


def advance(db: Database, viewer: Viewer) -> int:
    """Close the open phase and start the next one in the agenda."""
    _require_facilitator(viewer)
    with db.read() as session:
        race = session.get(Race, viewer.race_id)
        assert race is not None
        state = clock(session, race)
    target = state.next_phase
    if target is None:
        raise Conflict("This is the last phase of the agenda.")
    return start(db, viewer, target.id or 0)
