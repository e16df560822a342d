"""Agenda templates: an organiser's named agendas, and where a new race's agenda comes from."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from sqlalchemy import delete
from sqlalchemy import update as update_rows
from sqlmodel import Session, col, select

from app.db import Database, now_ms
from app.errors import Conflict, Invalid, NotFound
from app.i18n import N_
from app.models import AgendaTemplate, Phase, Race
from app.services import agenda, criteria, owners, profiles
from app.services.organisers import Account
from app.services.people import clean_text
from app.services.races import AgendaItem, Plan, default_plan

NAME_MAX = 80
PHASES_MAX = 60
TEMPLATES_MAX = 100
# Where a new race's agenda comes from: the 48-hour template, a saved template, or an earlier race.
DEFAULT = "default"


def plan_of_race(session: Session, race: Race) -> Plan:
    """Return a race's agenda, criteria and competences as they stand (its clock left behind)."""
    phases = session.exec(select(Phase).where(Phase.race_id == race.id).order_by(col(Phase.position))).all()
    return Plan(
        phases=tuple(
            AgendaItem(
                phase.name,
                phase.planned_minutes,
                phase.board_open,
                phase.voting_open,
                phase.requests_open,
                phase.vote_budget,
            )
            for phase in phases
        ),
        criteria=tuple((row.name, row.weight) for row in criteria.listing(session, race.id or 0)),
        competences=tuple(race.competences),
    )


def plan_of_template(row: AgendaTemplate) -> Plan:
    """Return what a saved template holds."""
    return Plan(
        phases=tuple(AgendaItem(**phase) for phase in row.phases),
        criteria=tuple((item["name"], float(item["weight"])) for item in row.criteria),
        competences=tuple(row.competences),
    )


def _own(session: Session, who: Account, template_id: int) -> AgendaTemplate:
    row = session.get(AgendaTemplate, template_id)
    if row is None or row.organiser_id != who.organiser_id:
        raise NotFound("None of your templates has this number.")
    return row


def resolve(session: Session, who: Account, source: str, lang: str) -> Plan:
    """Return the plan a source names: "default", "template:ID" (theirs) or "race:SLUG" (one they run)."""
    kind, _, value = source.partition(":")
    if kind == DEFAULT and not value:
        return default_plan(lang)
    if kind == "template" and value.isascii() and value.isdigit() and len(value) < 10:
        return plan_of_template(_own(session, who, int(value)))
    if kind == "race" and value:
        return plan_of_race(session, owners.require_race(session, who, value))
    raise Invalid("Choose where the agenda comes from.")


def listing(db: Database, who: Account) -> list[AgendaTemplate]:
    """Return the organiser's templates by name."""
    with db.read() as session:
        query = select(AgendaTemplate).where(AgendaTemplate.organiser_id == who.organiser_id)
        return list(session.exec(query.order_by(col(AgendaTemplate.name), col(AgendaTemplate.id))).all())


def get(db: Database, who: Account, template_id: int) -> AgendaTemplate:
    """Return one of the organiser's templates."""
    with db.read() as session:
        return _own(session, who, template_id)


def _rows(plan: Plan) -> dict[str, Any]:
    return {
        "phases": [asdict(item) for item in plan.phases],
        "criteria": [{"name": name, "weight": weight} for name, weight in plan.criteria],
        "competences": list(plan.competences),
    }


def save(db: Database, who: Account, name: str, source: str, lang: str = "sv") -> int:
    """Save the agenda a source names (a race they run, the default in a language) as a new template."""
    name = clean_text(name, NAME_MAX, field=N_("the template's name"))
    with db.write() as session:
        count = len(
            session.exec(
                select(AgendaTemplate.id).where(AgendaTemplate.organiser_id == who.organiser_id)
            ).all()
        )
        if count >= TEMPLATES_MAX:
            raise Conflict("You can keep at most %(limit)s templates.", limit=TEMPLATES_MAX)
        plan = resolve(session, who, source, lang)
        now = now_ms()
        row = AgendaTemplate(
            organiser_id=who.organiser_id, name=name, created_ms=now, updated_ms=now, **_rows(plan)
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def checked(name: str, plan: Plan) -> tuple[str, Plan]:
    """Return a template's name and plan cleaned, or refuse them as the race's own forms would."""
    name = clean_text(name, NAME_MAX, field=N_("the template's name"))
    if not plan.phases:
        raise Invalid("An agenda has at least one phase.")
    if len(plan.phases) > PHASES_MAX:
        raise Invalid("An agenda has at most %(limit)s phases.", limit=PHASES_MAX)
    phases = []
    for item in plan.phases:
        if not agenda.MINUTES[0] <= item.minutes <= agenda.MINUTES[1]:
            raise Invalid(
                "A phase lasts from %(low)s to %(high)s minutes.",
                low=agenda.MINUTES[0],
                high=agenda.MINUTES[1],
            )
        if not agenda.BUDGET[0] <= item.budget <= agenda.BUDGET[1]:
            raise Invalid(
                "The vote budget is from %(low)s to %(high)s.", low=agenda.BUDGET[0], high=agenda.BUDGET[1]
            )
        phases.append(
            AgendaItem(
                clean_text(item.name, agenda.NAME_MAX, field=N_("the name")),
                item.minutes,
                item.board,
                item.voting,
                item.requests,
                item.budget,
            )
        )
    if not plan.criteria:
        raise Invalid("The jury needs at least one criterion.")
    if len(plan.criteria) > criteria.CRITERIA_MAX:
        raise Conflict("A race can have at most %(limit)s criteria.", limit=criteria.CRITERIA_MAX)
    scored = []
    for criterion, weight in plan.criteria:
        if not math.isfinite(weight) or weight <= 0 or weight > criteria.WEIGHT_MAX:
            raise Invalid(
                "The weight must be more than 0 and at most %(limit)s.", limit=int(criteria.WEIGHT_MAX)
            )
        scored.append((clean_text(criterion, criteria.NAME_MAX, field=N_("the name")), weight))
    competences = profiles.parse_tags([], ", ".join(plan.competences))
    return name, Plan(tuple(phases), tuple(scored), tuple(competences))


STALE = N_("Someone changed this template meanwhile. Here it is as it is now.")


def update(db: Database, who: Account, template_id: int, rev: int, name: str, plan: Plan) -> None:
    """Replace a template's name and plan; `rev` is the revision the edit started from (409 when stale)."""
    name, plan = checked(name, plan)
    with db.write() as session:
        _own(session, who, template_id)
        # One conditional statement: of two edits from one revision, exactly one matches.
        changed = session.exec(
            update_rows(AgendaTemplate)
            .where(col(AgendaTemplate.id) == template_id, col(AgendaTemplate.rev) == rev)
            .values(name=name, rev=col(AgendaTemplate.rev) + 1, updated_ms=now_ms(), **_rows(plan))
        ).rowcount
        if not changed:
            raise Conflict(STALE)


def remove(db: Database, who: Account, template_id: int, rev: int) -> None:
    """Remove one of the organiser's templates, as it was shown (409 when it changed)."""
    with db.write() as session:
        _own(session, who, template_id)
        gone = session.exec(
            delete(AgendaTemplate).where(
                col(AgendaTemplate.id) == template_id, col(AgendaTemplate.rev) == rev
            )
        ).rowcount
        if not gone:
            raise Conflict(STALE)


def default_templates() -> dict[str, Plan]:
    """Return the built-in 48-hour template in each language."""
    return {lang: default_plan(lang) for lang in ("sv", "en")}
