"""The jury's criteria: the defaults a race starts with, and the facilitator's edits."""

from __future__ import annotations

import math

from sqlmodel import Session, col, func, select

from app.db import Database
from app.errors import Conflict, Invalid, NotFound
from app.i18n import N_
from app.kinds import Kind
from app.models import Criterion, Race, Score
from app.numbers import decimal
from app.services import events, races
from app.services.agenda import require_facilitator
from app.services.people import Viewer, clean_text

NAME_MAX = 80
WEIGHT_MAX = 100.0
CRITERIA_MAX = 20


def listing(session: Session, race_id: int) -> list[Criterion]:
    """Return the race's criteria in order."""
    query = select(Criterion).where(Criterion.race_id == race_id).order_by(col(Criterion.position))
    return list(session.exec(query.order_by(col(Criterion.id))).all())


def ensure(db: Database, race_id: int) -> None:
    """Give a race made before the jury existed its default criteria (a race always keeps at least one)."""
    with db.read() as session:
        if listing(session, race_id):
            return
    with db.write() as session:
        events.lock_race(session, race_id)
        race = session.get(Race, race_id)
        if race is None or listing(session, race_id):
            return
        rows = races.add_default_criteria(session, race_id, race.lang)
        events.record(session, race_id, Kind.CRITERIA_DEFAULTED, data={"criteria": len(rows)})


def _weight(value: str) -> float:
    try:
        weight = decimal(value)
    except ValueError:
        raise Invalid("Enter a number for the weight, such as 1 or 1.5.") from None
    if not math.isfinite(weight) or weight <= 0 or weight > WEIGHT_MAX:
        raise Invalid("The weight must be more than 0 and at most %(limit)s.", limit=int(WEIGHT_MAX))
    return round(weight, 3)


def _criterion(session: Session, viewer: Viewer, criterion_id: int) -> Criterion:
    criterion = session.get(Criterion, criterion_id)
    if criterion is None or criterion.race_id != viewer.race_id:
        raise NotFound("There is no such criterion in this race.")
    return criterion


def add(db: Database, viewer: Viewer, *, name: str, weight: str) -> int:
    """Add a criterion at the end."""
    require_facilitator(viewer)
    name = clean_text(name, NAME_MAX, field=N_("the name"))
    value = _weight(weight)
    with db.write() as session:
        found = listing(session, viewer.race_id)
        if len(found) >= CRITERIA_MAX:
            raise Conflict("A race can have at most %(limit)s criteria.", limit=CRITERIA_MAX)
        position = max((item.position for item in found), default=-1) + 1
        criterion = Criterion(race_id=viewer.race_id, position=position, name=name, weight=value)
        session.add(criterion)
        session.flush()
        data = {"criterion": criterion.id, "name": name, "weight": value}
        return events.record(
            session, viewer.race_id, Kind.CRITERION_ADDED, data=data, person_id=viewer.person_id
        ).seq


def update(db: Database, viewer: Viewer, criterion_id: int, *, name: str, weight: str) -> int:
    """Rename a criterion or change its weight."""
    require_facilitator(viewer)
    name = clean_text(name, NAME_MAX, field=N_("the name"))
    value = _weight(weight)
    with db.write() as session:
        criterion = _criterion(session, viewer, criterion_id)
        criterion.name, criterion.weight = name, value
        session.add(criterion)
        data = {"criterion": criterion_id, "name": name, "weight": value}
        return events.record(
            session, viewer.race_id, Kind.CRITERION_UPDATED, data=data, person_id=viewer.person_id
        ).seq


def move(db: Database, viewer: Viewer, criterion_id: int, direction: str) -> int:
    """Move a criterion one place up or down."""
    require_facilitator(viewer)
    if direction not in ("up", "down"):
        raise Invalid("The form is malformed.")
    with db.write() as session:
        found = listing(session, viewer.race_id)
        index = next((i for i, item in enumerate(found) if item.id == criterion_id), None)
        if index is None:
            raise NotFound("There is no such criterion in this race.")
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(found):
            raise Conflict("It is already at that end.")
        found[index], found[other] = found[other], found[index]
        for position, item in enumerate(found):
            item.position = position
            session.add(item)
        data = {"criterion": criterion_id, "direction": direction}
        return events.record(
            session, viewer.race_id, Kind.CRITERION_MOVED, data=data, person_id=viewer.person_id
        ).seq


def remove(db: Database, viewer: Viewer, criterion_id: int) -> int:
    """Remove a criterion no juror has scored on; the last one stays."""
    require_facilitator(viewer)
    with db.write() as session:
        criterion = _criterion(session, viewer, criterion_id)
        used = session.exec(
            select(func.count()).select_from(Score).where(Score.criterion_id == criterion_id)
        ).one()
        if used:
            raise Conflict(
                "Jurors have already scored on %(name)s, so it stays; you can change its name or weight.",
                name=criterion.name,
            )
        if len(listing(session, viewer.race_id)) <= 1:
            raise Conflict("The jury needs at least one criterion.")
        session.delete(criterion)
        data = {"criterion": criterion_id, "name": criterion.name}
        return events.record(
            session, viewer.race_id, Kind.CRITERION_REMOVED, data=data, person_id=viewer.person_id
        ).seq
