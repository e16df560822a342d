"""Follow-up: what each team's work led to after the race, and when to ask again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app.db import Database, now_ms
from app.errors import Invalid, NotFound
from app.i18n import N_
from app.kinds import Kind
from app.models import Card, Outcome, OutcomeCard, Race, Team
from app.services import events
from app.services.people import Viewer, clean_text
from app.services.review import require_facilitator

NOTE_MAX = 2000
KINDS = {
    "project": N_("Development project started"),
    "product": N_("New product or service"),
    "business_model": N_("New business model"),
    "patent": N_("Patent application"),
    "trademark": N_("Trademark"),
    "domain": N_("Domain"),
    "funding": N_("Funding"),
    "partnership": N_("Partnership"),
}
FOLLOW_UP_MONTHS = (3, 6, 12)


@dataclass
class OutcomeView:
    outcome: Outcome
    team: str
    cards: list[Card] = field(default_factory=list)


@dataclass
class FollowUp:
    team: Team
    months: int
    due: dt.date
    outcomes: int
    overdue: bool


def parse_date(value: str) -> str:
    """Return an ISO date (YYYY-MM-DD) or refuse it."""
    try:
        return dt.date.fromisoformat((value or "").strip()).isoformat()
    except ValueError:
        raise Invalid("Enter the date as YYYY-MM-DD.") from None


def record(
    db: Database,
    viewer: Viewer,
    *,
    team_id: int,
    kind: str,
    date: str,
    note: str,
    card_ids: list[int],
    key: str | None = None,
) -> int:
    """Record one outcome of a team, linked to the cards it grew from; a repeated key records nothing more."""
    require_facilitator(viewer)
    if kind not in KINDS:
        raise Invalid("Choose what kind of outcome it is.")
    date = parse_date(date)
    note = clean_text(note, NOTE_MAX, field=N_("the note"), required=False)
    key = events.clean_key(key)
    with db.write() as session:
        earlier = events.replayed(session, key, viewer.person_id)
        if earlier is not None:
            return earlier.seq
        team = session.get(Team, team_id)
        if team is None or team.race_id != viewer.race_id:
            raise NotFound("There is no such team in this race.")
        linked = session.exec(select(Card).where(col(Card.id).in_(card_ids))).all() if card_ids else []
        if len(linked) != len(set(card_ids)) or any(card.team_id != team_id for card in linked):
            raise Invalid("Link only cards from this team's board.")
        outcome = Outcome(
            race_id=viewer.race_id, team_id=team_id, kind=kind, date=date, note=note, created_ms=now_ms()
        )
        session.add(outcome)
        session.flush()
        assert outcome.id is not None
        session.add_all(OutcomeCard(outcome_id=outcome.id, card_id=card.id or 0) for card in linked)
        return events.record(
            session,
            viewer.race_id,
            Kind.OUTCOME_RECORDED,
            data={"outcome": outcome.id, "kind": kind, "date": date, "cards": sorted(set(card_ids))},
            person_id=viewer.person_id,
            team_id=team_id,
            key=key,
        ).seq


def listing(session: Session, race_id: int, team_id: int | None = None) -> list[OutcomeView]:
    """Return the race's outcomes by date, each with its team and linked cards."""
    query = (
        select(Outcome, Team).join(Team, col(Team.id) == Outcome.team_id).where(Outcome.race_id == race_id)
    )
    if team_id is not None:
        query = query.where(Outcome.team_id == team_id)
    views = [
        OutcomeView(outcome, team.name)
        for outcome, team in session.exec(query.order_by(col(Outcome.date), col(Outcome.id))).all()
    ]
    ids = [view.outcome.id for view in views]
    links = session.exec(
        select(OutcomeCard, Card)
        .join(Card, col(Card.id) == OutcomeCard.card_id)
        .where(col(OutcomeCard.outcome_id).in_(ids))
        .order_by(col(Card.id))
    ).all()
    by_id = {view.outcome.id: view for view in views}
    for link, card in links:
        by_id[link.outcome_id].cards.append(card)
    return views


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day some months later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def follow_ups(session: Session, race: Race, today: dt.date | None = None) -> list[FollowUp]:
    """Return each team's follow-ups at 3, 6 and 12 months after the end, soonest first."""
    if race.ended_ms is None:
        return []
    ended = dt.datetime.fromtimestamp(race.ended_ms / 1000, dt.UTC).date()
    today = today or dt.datetime.now(dt.UTC).date()
    teams = session.exec(select(Team).where(Team.race_id == race.id).order_by(col(Team.id))).all()
    outcomes = session.exec(select(Outcome).where(Outcome.race_id == race.id)).all()
    result = []
    for months in FOLLOW_UP_MONTHS:
        due = add_months(ended, months)
        for team in teams:
            recorded = sum(1 for item in outcomes if item.team_id == team.id and item.date <= due.isoformat())
            result.append(FollowUp(team, months, due, recorded, overdue=due < today))
    return result
