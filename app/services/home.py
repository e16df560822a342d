"""An organiser's home: each of their races at a glance (state, people, cards, last activity, codes)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import col, func, select

from app.db import Database, now_ms
from app.models import Card, Event, Person, Phase, PhaseState, Race, RaceCode, Role
from app.services import owners
from app.services.organisers import Account

# The order the home lists roles in.
ROLES = (Role.PARTICIPANT, Role.EXPERT, Role.JURY, Role.FACILITATOR, Role.WALL)


@dataclass
class RaceGlance:
    """One race as the home shows it."""

    race: Race
    # "archived", "ended", "running", "paused", "between" (no phase open) or "waiting" (not started).
    state: str
    phase: str | None = None
    left_ms: int | None = None
    people: Counter[str] = field(default_factory=Counter)
    online: Counter[str] = field(default_factory=Counter)
    cards: int = 0
    last_ms: int | None = None
    codes: dict[str, str] = field(default_factory=dict)
    organisers: list[str] = field(default_factory=list)


def _state(race: Race, phase: Phase | None, now: int) -> tuple[str, int | None]:
    if race.archived_ms is not None:
        return "archived", None
    if race.ended_ms is not None:
        return "ended", None
    if phase is None:
        return "waiting", None
    if phase.state == PhaseState.RUNNING and phase.deadline_ms is not None:
        return "running", max(0, phase.deadline_ms - now)
    if phase.state == PhaseState.PAUSED:
        return "paused", phase.remaining_ms
    return "between", None


def overview(db: Database, who: Account, online: Callable[[int], frozenset[int]]) -> list[RaceGlance]:
    """Return the organiser's races, newest first, each with its state and counts; `online` gives who is."""
    now = now_ms()
    with db.read() as session:
        found = owners.races_of(session, who.organiser_id)
        ids = [race.id for race in found if race.id is not None]
        if not ids:
            return []
        phases = {
            phase.id: phase
            for phase in session.exec(
                select(Phase).where(col(Phase.id).in_([race.current_phase_id for race in found]))
            ).all()
        }
        glances = {}
        for race in found:
            state, left = _state(race, phases.get(race.current_phase_id), now)
            current = phases.get(race.current_phase_id)
            glances[race.id] = RaceGlance(race, state, current.name if current else None, left)
        shown = {person_id for race_id in ids for person_id in online(race_id)}
        people = session.exec(
            select(Person.race_id, Person.role, Person.id).where(
                col(Person.race_id).in_(ids), col(Person.erased_ms).is_(None)
            )
        ).all()
        for race_id, role, person_id in people:
            glances[race_id].people[role] += 1
            if person_id in shown:
                glances[race_id].online[role] += 1
        cards = session.exec(
            select(Card.race_id, func.count())
            .where(col(Card.race_id).in_(ids), col(Card.deleted_ms).is_(None))
            .group_by(col(Card.race_id))
        ).all()
        for race_id, count in cards:
            glances[race_id].cards = count
        last = session.exec(
            select(Event.race_id, func.max(Event.at_ms))
            .where(col(Event.race_id).in_(ids))
            .group_by(col(Event.race_id))
        ).all()
        for race_id, at_ms in last:
            glances[race_id].last_ms = at_ms
        for row in session.exec(select(RaceCode).where(col(RaceCode.race_id).in_(ids))).all():
            glances[row.race_id].codes[row.role] = row.code
        for race_id, names in owners.names(session, ids).items():
            glances[race_id].organisers = names
    return [glances[race_id] for race_id in ids]
