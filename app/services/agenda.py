"""Editing the agenda: phases added, removed, reordered and changed by the facilitator."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlmodel import Session, select

from app.db import Database
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.i18n import N_
from app.kinds import Kind
from app.models import Phase, PhaseState, Race, Role, Vote
from app.services import events, phases
from app.services.people import Viewer, clean_text

NAME_MAX = 80
MINUTES = (1, 1440)
BUDGET = (0, 50)


@dataclass(frozen=True)
class PhaseForm:
    """What the facilitator may set on a phase."""

    name: str
    minutes: int
    board_open: bool = False
    voting_open: bool = False
    requests_open: bool = False
    vote_budget: int = 5
    lock_at_end: bool = False
    next_at_end: bool = False


def require_facilitator(viewer: Viewer) -> None:
    """Refuse anyone but a facilitator."""
    if viewer.role != Role.FACILITATOR:
        raise Forbidden("Only a facilitator can change the race.")


def _checked(form: PhaseForm) -> PhaseForm:
    name = clean_text(form.name, NAME_MAX, field=N_("the name"))
    if not MINUTES[0] <= form.minutes <= MINUTES[1]:
        raise Invalid("A phase lasts from %(low)s to %(high)s minutes.", low=MINUTES[0], high=MINUTES[1])
    if not BUDGET[0] <= form.vote_budget <= BUDGET[1]:
        raise Invalid("The vote budget is from %(low)s to %(high)s.", low=BUDGET[0], high=BUDGET[1])
    return replace(form, name=name)


def _clock_key(session: Session, race: Race) -> tuple[object, ...]:
    """Return what every screen's clock shows of the agenda: the current and the next phase."""
    state = phases.clock(session, race)
    return tuple(
        (phase.id, phase.name, phase.planned_minutes) if phase else None
        for phase in (state.phase, state.next_phase)
    )


def _record(session: Session, race: Race, kind: Kind, phase: Phase, before: tuple[object, ...]) -> int:
    session.flush()
    # Only when the clock's current or next phase changed does every screen need a new clock.
    clock = _clock_key(session, race) != before
    data = {"phase": phase.id, "name": phase.name, "clock": clock}
    return events.record(session, race.id or 0, kind, data=data).seq


def _race(session: Session, viewer: Viewer) -> Race:
    race = session.get(Race, viewer.race_id)
    assert race is not None
    return race


def _phase(session: Session, viewer: Viewer, phase_id: int) -> Phase:
    phase = session.get(Phase, phase_id)
    if phase is None or phase.race_id != viewer.race_id:
        raise NotFound("There is no such phase in this race.")
    return phase


def add(db: Database, viewer: Viewer, form: PhaseForm) -> int:
    """Add a phase at the end of the agenda."""
    require_facilitator(viewer)
    form = _checked(form)
    with db.write() as session:
        race = _race(session, viewer)
        before = _clock_key(session, race)
        existing = phases.agenda(session, viewer.race_id)
        phase = Phase(
            race_id=viewer.race_id,
            position=(existing[-1].position + 1) if existing else 0,
            name=form.name,
            planned_minutes=form.minutes,
            board_open=form.board_open,
            voting_open=form.voting_open,
            requests_open=form.requests_open,
            vote_budget=form.vote_budget,
            lock_at_end=form.lock_at_end,
            next_at_end=form.next_at_end,
        )
        session.add(phase)
        return _record(session, race, Kind.PHASE_ADDED, phase, before)


def update(db: Database, viewer: Viewer, phase_id: int, form: PhaseForm) -> int:
    """Rename a phase and set its minutes, what it opens and its vote budget."""
    require_facilitator(viewer)
    form = _checked(form)
    with db.write() as session:
        race = _race(session, viewer)
        phase = _phase(session, viewer, phase_id)
        before = _clock_key(session, race)
        if phase.state == PhaseState.RUNNING and phase.deadline_ms is not None:
            # A running phase keeps its start: a new length moves the deadline by the difference.
            phase.deadline_ms += (form.minutes - phase.planned_minutes) * 60_000
        elif phase.state == PhaseState.PAUSED and phase.remaining_ms is not None:
            phase.remaining_ms = max(0, phase.remaining_ms + (form.minutes - phase.planned_minutes) * 60_000)
        # A new length moves the deadline; the time-up lock setting may lock or unlock the boards now.
        changed = phase.planned_minutes != form.minutes or phase.lock_at_end != form.lock_at_end
        changed_clock = changed and phase.id == race.current_phase_id
        phase.name = form.name
        phase.planned_minutes = form.minutes
        phase.board_open = form.board_open
        phase.voting_open = form.voting_open
        phase.requests_open = form.requests_open
        phase.vote_budget = form.vote_budget
        phase.lock_at_end = form.lock_at_end
        phase.next_at_end = form.next_at_end
        session.add(phase)
        if changed_clock:
            before = ("changed",)
        return _record(session, race, Kind.PHASE_UPDATED, phase, before)


def remove(db: Database, viewer: Viewer, phase_id: int) -> int:
    """Take a phase that is not open out of the agenda."""
    require_facilitator(viewer)
    with db.write() as session:
        race = _race(session, viewer)
        phase = _phase(session, viewer, phase_id)
        if phase.state in (PhaseState.RUNNING, PhaseState.PAUSED):
            raise Conflict("The running phase cannot be removed. Move on to another phase first.")
        if session.exec(select(Vote.id).where(Vote.phase_id == phase.id)).first() is not None:
            raise Conflict("Votes were cast in this phase, so it stays in the agenda.")
        before = _clock_key(session, race)
        if race.current_phase_id == phase.id:
            race.current_phase_id = None
            session.add(race)
        session.delete(phase)
        session.flush()
        for position, rest in enumerate(phases.agenda(session, viewer.race_id)):
            if rest.position != position:
                rest.position = position
                session.add(rest)
        return _record(session, race, Kind.PHASE_REMOVED, phase, before)


def move(db: Database, viewer: Viewer, phase_id: int, direction: str) -> int:
    """Swap a phase with its neighbour, earlier ("up") or later ("down")."""
    require_facilitator(viewer)
    if direction not in ("up", "down"):
        raise Invalid("A phase moves up or down.")
    with db.write() as session:
        race = _race(session, viewer)
        phase = _phase(session, viewer, phase_id)
        before = _clock_key(session, race)
        ordered = phases.agenda(session, viewer.race_id)
        index = next(number for number, item in enumerate(ordered) if item.id == phase.id)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(ordered):
            raise Conflict("The phase is already at that end of the agenda.")
        ordered[index], ordered[other] = ordered[other], ordered[index]
        # Renumber the whole agenda, so positions stay unique and gapless whatever came before.
        for position, item in enumerate(ordered):
            if item.position != position:
                item.position = position
                session.add(item)
        return _record(session, race, Kind.PHASE_MOVED, phase, before)
