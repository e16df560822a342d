"""The day's agenda with clock times: when each phase began, and when the coming ones will as things stand."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from app.db import now_ms
from app.models import Phase, PhaseState, Race
from app.services import phases


@dataclass(frozen=True)
class Slot:
    """A phase of the day: when it began or is due to begin (None if it never will), how it stands."""

    phase: Phase
    start_ms: int | None
    current: bool
    done: bool


def day(session: Session, race: Race) -> list[Slot]:
    """Return the race's phases in order, each with its start: as it happened, or as the agenda runs on.

    The phases after the current one follow it back to back at their planned length, from the current
    phase's deadline (a paused phase's from now and the time it has left). A phase passed over is done
    without a time.
    """
    agenda = phases.agenda(session, race.id or 0)
    current = next((phase for phase in agenda if phase.id == race.current_phase_id), None)
    if current is None:
        return [Slot(phase, phase.started_ms, False, phase.state == PhaseState.DONE) for phase in agenda]
    next_start = _end(current)
    slots = []
    for phase in agenda:
        if phase.position < current.position or phase.id == current.id:
            start = phase.started_ms
        else:
            start = next_start
            next_start = None if start is None else start + phase.planned_minutes * 60_000
        done = phase.state == PhaseState.DONE or phase.position < current.position
        slots.append(Slot(phase, start, phase.id == current.id, done))
    return slots


def _end(phase: Phase) -> int | None:
    """Return when the current phase ends as things stand."""
    if phase.state == PhaseState.RUNNING:
        return phase.deadline_ms
    if phase.state == PhaseState.PAUSED and phase.remaining_ms is not None:
        return now_ms() + phase.remaining_ms
    if phase.started_ms is not None:
        return phase.started_ms + phase.planned_minutes * 60_000 + phase.extended_ms
    return None
