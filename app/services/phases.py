"""The agenda and its clock: state kept in the database, never ticked by the server.

Every clock action names the state it acts on (`Shown`): the phase the facilitator's screen showed as current
and, for pause, resume and extend, the clock it showed. When another facilitator (or a timed action) got
there first, the action is refused with a 409 and changes nothing, so two presses of "next phase" advance one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app import memo
from app.db import Database, now_ms
from app.errors import Conflict, Forbidden, NotFound
from app.i18n import N_
from app.kinds import Kind
from app.models import Event, Phase, PhaseState, Race, Role
from app.services import events
from app.services.people import Viewer

# How long the last start (or next phase) can be undone.
UNDO_MS = 2 * 60_000
# What a start replaces and an undo puts back: a phase's clock, not its settings nor its time-up mark.
CLOCK_FIELDS = ("state", "started_ms", "deadline_ms", "remaining_ms", "extended_ms")
MOVED_ON = N_(
    "Another facilitator has changed the phase since your screen showed it. Here is where it stands now."
)
CLOCK_CHANGED = N_(
    "Another facilitator has paused, resumed or extended the clock since your screen showed it. "
    "Here is where it stands now."
)
RACE_ENDED = N_("The race has ended. Reopen it to run the clock again.")


@dataclass(frozen=True)
class Clock:
    """What every screen needs to count down the same clock by itself."""

    phase: Phase | None
    next_phase: Phase | None
    state: str
    deadline_ms: int | None
    remaining_ms: int | None
    total_ms: int | None

    @property
    def locked(self) -> bool:
        """Return whether the current phase's time is up and it has locked the boards."""
        phase = self.phase
        return phase is not None and locked_at_timeup(
            phase.state, phase.lock_at_end, phase.timeup_ms, phase.deadline_ms
        )


@dataclass(frozen=True)
class Shown:
    """What the facilitator's screen showed: the current phase (None: none) and its clock's stamp if sent."""

    phase: int | None
    clock: str | None = None
    # False when only the clock was sent: the current phase is then not checked.
    names_phase: bool = True


def agenda(session: Session, race_id: int) -> list[Phase]:
    """Return the race's phases in order."""
    # The clock and the facilitators' agenda both show it: a render loads it once.
    return list(memo.once(("phases.agenda", race_id), lambda: _agenda(session, race_id)))


def _agenda(session: Session, race_id: int) -> list[Phase]:
    query = select(Phase).where(Phase.race_id == race_id).order_by(col(Phase.position))
    return list(session.exec(query).all())


def clock(session: Session, race: Race) -> Clock:
    """Return the race's clock as it stands; an ended race's clock is stopped ("race-ended")."""
    phases = agenda(session, race.id or 0)
    current = next((phase for phase in phases if phase.id == race.current_phase_id), None)
    if race.ended_ms is not None:
        return Clock(current, None, "race-ended", None, None, None)
    if current is None:
        return Clock(None, phases[0] if phases else None, "idle", None, None, None)
    later = [phase for phase in phases if phase.position > current.position]
    total = current.planned_minutes * 60_000 + current.extended_ms
    return Clock(
        current, later[0] if later else None, current.state, current.deadline_ms, current.remaining_ms, total
    )


def stamp(phase: Phase | None) -> str:
    """Return the clock a screen shows of a phase, as pause, resume and extend send it back."""
    if phase is None:
        return ""
    if phase.state == PhaseState.RUNNING:
        return f"running:{phase.deadline_ms}"
    if phase.state == PhaseState.PAUSED:
        return f"paused:{phase.remaining_ms}"
    return str(phase.state)


def open_phase(session: Session, race: Race) -> Phase | None:
    """Return the phase that is running or paused, if any."""
    if race.current_phase_id is None:
        return None
    phase = session.get(Phase, race.current_phase_id)
    return phase if phase is not None and phase.state in (PhaseState.RUNNING, PhaseState.PAUSED) else None


def locked_at_timeup(
    state: str | None, lock_at_end: bool | None, timeup_ms: int | None, deadline_ms: int | None
) -> bool:
    """Return whether a phase's boards are locked because its time is up (and it asks for that)."""
    return bool(
        state == PhaseState.RUNNING and lock_at_end and timeup_ms is not None and timeup_ms == deadline_ms
    )


def _require_facilitator(viewer: Viewer) -> None:
    if viewer.role != Role.FACILITATOR:
        raise Forbidden("Only a facilitator can run the clock.")


def running_race(session: Session, race_id: int) -> Race:
    """Lock the race for this transaction and return it, refusing when it has ended."""
    # Locked before anything is read: a second action waits here and then sees what the first one did.
    events.lock_race(session, race_id)
    race = session.get(Race, race_id)
    assert race is not None
    if race.ended_ms is not None:
        raise Conflict(RACE_ENDED)
    return race


def _phase(session: Session, race: Race, phase_id: int) -> Phase:
    phase = session.get(Phase, phase_id)
    if phase is None or phase.race_id != race.id:
        raise NotFound("There is no such phase in this race.")
    return phase


def _check(race: Race, phase: Phase | None, shown: Shown | None) -> None:
    """Refuse when the screen showed another current phase or another clock than there is now."""
    if shown is None:
        return
    if shown.names_phase and shown.phase != race.current_phase_id:
        raise Conflict(MOVED_ON)
    if shown.clock is not None and shown.clock != stamp(phase):
        raise Conflict(CLOCK_CHANGED)


def _record(
    session: Session, race: Race, phase: Phase | None, kind: Kind, person_id: int | None, **data: Any
) -> Event:
    data.update(
        phase=phase.id if phase else None,
        state=phase.state if phase else None,
        deadline_ms=phase.deadline_ms if phase else None,
        # The time left too, so a replay shows a paused clock as it stood.
        remaining_ms=phase.remaining_ms if phase else None,
    )
    return events.record(session, race.id or 0, kind, data=data, person_id=person_id)


def _clock_of(phase: Phase) -> dict[str, Any]:
    return {name: getattr(phase, name) for name in CLOCK_FIELDS}


def begin(session: Session, race: Race, phase: Phase, person_id: int | None = None) -> Event:
    """Start a phase from its full time in this transaction; the phase that was current is done.

    The event keeps both phases' clocks as they were, so the start can be undone for UNDO_MS.
    """
    now = now_ms()
    replaced = session.get(Phase, race.current_phase_id) if race.current_phase_id is not None else None
    before = {"phase": _clock_of(phase), "replaced": None}
    if replaced is not None and replaced.id != phase.id:
        before["replaced"] = _clock_of(replaced)
        if replaced.state in (PhaseState.RUNNING, PhaseState.PAUSED):
            replaced.state = PhaseState.DONE
            session.add(replaced)
    phase.state = PhaseState.RUNNING
    phase.started_ms = now
    phase.extended_ms = 0
    phase.remaining_ms = None
    phase.deadline_ms = now + phase.planned_minutes * 60_000
    race.current_phase_id = phase.id
    gallery_phase = race.gallery_phase_id if race.gallery_phase_id != phase.id else None
    if gallery_phase is not None:
        # The gallery walk belonged to the phase that ended: it closes on every screen (before the start,
        # whose event stays the last, the one an undo names).
        race.gallery_phase_id = None
        events.record(session, race.id or 0, Kind.GALLERY_CLOSED, data={"phase": gallery_phase})
    session.add_all([phase, race])
    session.flush()
    replaced_id = replaced.id if replaced else None
    event = _record(session, race, phase, Kind.PHASE_STARTED, person_id, replaced=replaced_id, before=before)
    race.undo_seq, race.undo_until_ms = event.seq, now + UNDO_MS
    session.add(race)
    return event


def start(db: Database, viewer: Viewer, phase_id: int, shown: Shown | None = None) -> int:
    """Start a phase from its full time; the phase that was open is done."""
    _require_facilitator(viewer)
    with db.write() as session:
        race = running_race(session, viewer.race_id)
        phase = _phase(session, race, phase_id)
        _check(race, None, shown)
        return begin(session, race, phase, viewer.person_id).seq


def advance(db: Database, viewer: Viewer, shown: Shown) -> int:
    """Close the phase the screen showed as current and start the next one in the agenda."""
    _require_facilitator(viewer)
    with db.write() as session:
        race = running_race(session, viewer.race_id)
        _check(race, None, shown)
        target = clock(session, race).next_phase
        if target is None:
            raise Conflict("This is the last phase of the agenda.")
        return begin(session, race, target, viewer.person_id).seq


def pause(db: Database, viewer: Viewer, phase_id: int, shown: Shown | None = None) -> int:
    """Freeze the running phase's time left."""
    _require_facilitator(viewer)
    with db.write() as session:
        race = running_race(session, viewer.race_id)
        phase = _phase(session, race, phase_id)
        _check(race, phase, shown)
        if phase.state != PhaseState.RUNNING or phase.deadline_ms is None:
            raise Conflict("This phase is not running.")
        phase.remaining_ms = max(0, phase.deadline_ms - now_ms())
        phase.deadline_ms = None
        phase.state = PhaseState.PAUSED
        session.add(phase)
        return _record(session, race, phase, Kind.PHASE_PAUSED, viewer.person_id).seq


def resume(db: Database, viewer: Viewer, phase_id: int, shown: Shown | None = None) -> int:
    """Let a paused phase run on from the time it had left."""
    _require_facilitator(viewer)
    with db.write() as session:
        race = running_race(session, viewer.race_id)
        phase = _phase(session, race, phase_id)
        _check(race, phase, shown)
        if phase.state != PhaseState.PAUSED:
            raise Conflict("This phase is not paused.")
        phase.deadline_ms = now_ms() + (phase.remaining_ms or 0)
        phase.remaining_ms = None
        phase.state = PhaseState.RUNNING
        session.add(phase)
        return _record(session, race, phase, Kind.PHASE_RESUMED, viewer.person_id).seq


def extend(db: Database, viewer: Viewer, phase_id: int, minutes: int, shown: Shown | None = None) -> int:
    """Give the open phase more time, running or paused."""
    _require_facilitator(viewer)
    if minutes not in (1, 5, 10):
        raise Conflict("A phase can be extended by 1, 5 or 10 minutes.")
    with db.write() as session:
        race = running_race(session, viewer.race_id)
        phase = _phase(session, race, phase_id)
        _check(race, phase, shown)
        extra = minutes * 60_000
        if phase.state == PhaseState.RUNNING and phase.deadline_ms is not None:
            phase.deadline_ms += extra
        elif phase.state == PhaseState.PAUSED:
            phase.remaining_ms = (phase.remaining_ms or 0) + extra
        else:
            raise Conflict("Only an open phase can be extended.")
        phase.extended_ms += extra
        session.add(phase)
        return _record(session, race, phase, Kind.PHASE_EXTENDED, viewer.person_id).seq


def undo(db: Database, viewer: Viewer, shown: Shown) -> int:
    """Undo the last start or next phase: both phases' clocks go back to what they were before it."""
    _require_facilitator(viewer)
    with db.write() as session:
        race = running_race(session, viewer.race_id)
        if race.undo_seq is None or race.undo_until_ms is None or now_ms() > race.undo_until_ms:
            raise Conflict("The last start can be undone for two minutes only, and only once.")
        _check(race, None, shown)
        started = session.exec(
            select(Event).where(Event.race_id == race.id, Event.seq == race.undo_seq)
        ).one()
        phase = session.get(Phase, started.data["phase"])
        replaced_id = started.data.get("replaced")
        replaced = session.get(Phase, replaced_id) if replaced_id is not None else None
        if phase is None or (replaced_id is not None and replaced is None):
            raise Conflict("A phase of that start has been removed from the agenda, so it cannot be undone.")
        before = started.data["before"]
        _restore(phase, before["phase"])
        if replaced is not None and before.get("replaced") is not None:
            _restore(replaced, before["replaced"])
        session.add_all([item for item in (phase, replaced) if item is not None])
        race.current_phase_id = replaced_id
        race.undo_seq = race.undo_until_ms = None
        session.add(race)
        session.flush()
        undone = {"undone": phase.id, "seq": started.seq}
        return _record(session, race, replaced, Kind.PHASE_UNDONE, viewer.person_id, **undone).seq


def _restore(phase: Phase, values: dict[str, Any]) -> None:
    for name in CLOCK_FIELDS:
        setattr(phase, name, values[name])
