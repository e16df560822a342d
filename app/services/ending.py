"""The race's end: the clock stops and the room's work closes; a facilitator may reopen it.

Ended blocks what teams and experts do to the race's work: cards (add, edit, move, remove), comments, votes,
calling or claiming an expert, and the clock. Nobody is to move between teams either: the team membership
rules key on `is_ended`. What stays open: the jury (it often scores after the last pitch), an expert's note
and resolution of help already given, a team's rating of it, announcements and the spotlight, the agenda's
settings, the review, the reports and the exports.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.db import Database, now_ms
from app.errors import Conflict, Forbidden
from app.i18n import N_
from app.kinds import Kind
from app.models import Event, Phase, PhaseState, Race, Role
from app.services import events, phases
from app.services.people import Viewer

ENDED = N_("The race has ended: boards, votes and expert requests are closed.")


def is_ended(race: Race) -> bool:
    """Return whether the race has ended (and not been reopened)."""
    return race.ended_ms is not None


def refuse_ended(race: Race) -> None:
    """Refuse a change to the race's work once it has ended."""
    if race.ended_ms is not None:
        raise Conflict(ENDED)


def _require_facilitator(viewer: Viewer) -> None:
    if viewer.role != Role.FACILITATOR:
        raise Forbidden("Only a facilitator can do this.")


def _locked_race(session: Session, race_id: int) -> Race:
    events.lock_race(session, race_id)
    race = session.get(Race, race_id)
    assert race is not None
    return race


def end(db: Database, viewer: Viewer) -> int:
    """End the race: the open phase stops with the time it had left, and the race's work closes."""
    _require_facilitator(viewer)
    with db.write() as session:
        race = _locked_race(session, viewer.race_id)
        if race.ended_ms is not None:
            raise Conflict("The race has already ended.")
        now = now_ms()
        phase = phases.open_phase(session, race)
        stopped: dict[str, str | int] | None = None
        if phase is not None:
            left = phase.remaining_ms if phase.deadline_ms is None else phase.deadline_ms - now
            remaining = max(0, left or 0)
            stopped = {"state": str(phase.state), "remaining_ms": remaining}
            phase.state = PhaseState.DONE
            phase.deadline_ms = None
            phase.remaining_ms = remaining
            session.add(phase)
        race.ended_ms = now
        race.undo_seq = race.undo_until_ms = None
        session.add(race)
        data = {"ended_ms": now, "phase": phase.id if phase else None, "stopped": stopped}
        return events.record(
            session, viewer.race_id, Kind.RACE_ENDED, data=data, person_id=viewer.person_id
        ).seq


def reopen(db: Database, viewer: Viewer) -> int:
    """Reopen an ended race: a phase the end stopped runs on (or stays paused) with the time it had left."""
    _require_facilitator(viewer)
    with db.write() as session:
        race = _locked_race(session, viewer.race_id)
        if race.ended_ms is None:
            raise Conflict("The race has not ended.")
        ended = session.exec(
            select(Event)
            .where(Event.race_id == race.id, Event.kind == Kind.RACE_ENDED)
            .order_by(col(Event.seq).desc())
            .limit(1)
        ).first()
        stopped = ended.data.get("stopped") if ended is not None else None
        phase = (
            session.get(Phase, ended.data["phase"]) if ended is not None and ended.data.get("phase") else None
        )
        restored = None
        if (
            stopped
            and phase is not None
            and phase.id == race.current_phase_id
            and phase.state == PhaseState.DONE
        ):
            left = int(stopped["remaining_ms"])
            if stopped["state"] == PhaseState.RUNNING:
                phase.state, phase.deadline_ms, phase.remaining_ms = PhaseState.RUNNING, now_ms() + left, None
            else:
                phase.state, phase.deadline_ms, phase.remaining_ms = PhaseState.PAUSED, None, left
            session.add(phase)
            restored = phase
        race.ended_ms = None
        session.add(race)
        data = {
            "phase": restored.id if restored else None,
            "state": restored.state if restored else None,
            "deadline_ms": restored.deadline_ms if restored else None,
        }
        return events.record(
            session, viewer.race_id, Kind.RACE_REOPENED, data=data, person_id=viewer.person_id
        ).seq
