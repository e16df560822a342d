"""Replay: a team board and the wall as they were after any event, rebuilt from the append-only rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.kinds import Kind
from app.models import Card, CardColumn, CardRevision, Event, Person, Race, Team
from app.services import teams
from app.services.cards import CardView
from app.services.teams import TeamView


@dataclass(frozen=True)
class Moment:
    """A point in the race: just after the event with this seq."""

    seq: int
    at_ms: int
    kind: str
    first_seq: int
    last_seq: int


def moment(session: Session, race: Race, seq: int | None) -> Moment:
    """Return the moment after an event (the newest when no seq is given, clamped to the race's range)."""
    bounds = session.exec(
        select(Event.seq).where(Event.race_id == race.id).order_by(col(Event.seq)).limit(1)
    ).first()
    first = bounds or 0
    last = race.seq
    wanted = last if seq is None else max(first, min(seq, last))
    event = session.exec(
        select(Event)
        .where(Event.race_id == race.id, col(Event.seq) <= wanted)
        .order_by(col(Event.seq).desc())
        .limit(1)
    ).first()
    if event is None:
        return Moment(0, race.created_ms, "", first, last)
    return Moment(event.seq, event.at_ms, event.kind, first, last)


def cards_at(session: Session, race_id: int, at_ms: int, team_id: int | None = None) -> list[CardView]:
    """Return the live cards as of a time: each card's newest revision then, tombstones dropped."""
    query = (
        select(CardRevision, Card, Person, Team)
        .join(Card, col(Card.id) == CardRevision.card_id)
        .join(Person, col(Person.id) == Card.author_id)
        .join(Team, col(Team.id) == Card.team_id)
        .where(Card.race_id == race_id, col(CardRevision.created_ms) <= at_ms)
        .order_by(col(Card.id), col(CardRevision.rev))
    )
    if team_id is not None:
        query = query.where(Card.team_id == team_id)
    newest: dict[int, tuple[CardRevision, Card, Person, Team]] = {}
    for revision, card, person, team in session.exec(query).all():
        newest[card.id or 0] = (revision, card, person, team)
    views = []
    for revision, card, person, team in newest.values():
        if revision.deleted:
            continue
        then = Card(
            id=card.id,
            race_id=card.race_id,
            team_id=card.team_id,
            author_id=card.author_id,
            column=revision.column,
            title=revision.title,
            body=revision.body,
            rev=revision.rev,
            created_ms=card.created_ms,
            updated_ms=revision.created_ms,
        )
        views.append(CardView(then, person.name, team.name, team.colour, team.number))
    return views


def board_at(session: Session, race_id: int, team_id: int, at_ms: int) -> dict[str, list[CardView]]:
    """Return a team's board as of a time, column by column, oldest card first."""
    columns: dict[str, list[CardView]] = {name.value: [] for name in CardColumn}
    for view in cards_at(session, race_id, at_ms, team_id):
        columns.setdefault(view.card.column, []).append(view)
    return columns


def teams_at(session: Session, race_id: int, seq: int) -> list[TeamView]:
    """Return every team with the members it had just after an event (from the `team.joined` events)."""
    placed: dict[int, int] = {}
    joined = select(Event).where(
        Event.race_id == race_id, Event.kind == Kind.TEAM_JOINED, col(Event.seq) <= seq
    )
    for event in session.exec(joined.order_by(col(Event.seq))):
        if event.person_id is not None and event.team_id is not None:
            placed[event.person_id] = event.team_id
    views = teams.listing(session, race_id)
    people = session.exec(select(Person).where(col(Person.id).in_(list(placed))).order_by(col(Person.name)))
    members: dict[int, list[Person]] = {}
    for person in people:
        members.setdefault(placed[person.id or 0], []).append(person)
    return [TeamView(view.team, view.challenge, members.get(view.team.id or 0, [])) for view in views]


def wall_at(session: Session, race_id: int, at_ms: int) -> dict[str, Any]:
    """Return what the wall showed as of a time: cards per team and the newest ideas."""
    views = cards_at(session, race_id, at_ms)
    counts: dict[int, int] = {}
    newest_by_team: dict[int, CardView] = {}
    for view in views:
        counts[view.card.team_id] = counts.get(view.card.team_id, 0) + 1
        newest_by_team[view.card.team_id] = view
    return {
        "card_counts": counts,
        "newest_by_team": newest_by_team,
        "feed": sorted(views, key=lambda view: view.card.id or 0, reverse=True)[:8],
    }
