"""The cards with the most votes in each team, for the facilitators and, when they choose, the wall."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from app.db import Database
from app.errors import Conflict
from app.kinds import Kind
from app.models import Card, Race, Team, Vote
from app.services import events, teams
from app.services.agenda import require_facilitator
from app.services.people import Viewer

PER_TEAM = 3


@dataclass
class TeamFavourites:
    """A team and its cards with the most votes (each with its count), most first."""

    team: Team
    cards: list[tuple[Card, int]] = field(default_factory=list)


# Standing votes per live card of the race, most first; equal counts by the card's age.
_COUNTS = (
    select(Card, func.count(col(Vote.id)).label("votes"))
    .join(Vote, col(Vote.card_id) == Card.id)
    .where(
        Card.race_id == bindparam("race"), col(Card.deleted_ms).is_(None), col(Vote.withdrawn_ms).is_(None)
    )
    .group_by(col(Card.id))
    .order_by(func.count(col(Vote.id)).desc(), col(Card.id))
)
# The same for some teams: a vote changes one team's entry, which is sent alone.
_TEAM_COUNTS = _COUNTS.where(col(Card.team_id).in_(bindparam("teams", expanding=True)))


def top(session: Session, race: Race, team_ids: list[int] | None = None) -> list[TeamFavourites]:
    """Return every team (or these), in order, with its (at most three) cards that have the most votes."""
    params: dict[str, object] = {"race": race.id}
    if team_ids is not None:
        params["teams"] = team_ids
    found = {team.id: TeamFavourites(team) for team in teams.heads(session, race.id or 0, team_ids)}
    for card, votes in session.exec(_COUNTS if team_ids is None else _TEAM_COUNTS, params=params).all():
        favourites = found.get(card.team_id)
        if favourites is not None and len(favourites.cards) < PER_TEAM:
            favourites.cards.append((card, votes))
    return list(found.values())


def show_on_wall(db: Database, viewer: Viewer, shown: bool) -> int:
    """Show the teams' top cards on the wall, in place of the teams, or take them off it."""
    require_facilitator(viewer)
    with db.write() as session:
        race = session.get(Race, viewer.race_id)
        assert race is not None
        if race.top_cards_shown == shown:
            if shown:
                raise Conflict("The wall already shows the top cards.")
            raise Conflict("The wall already shows the teams.")
        race.top_cards_shown = shown
        session.add(race)
        kind = Kind.TOP_CARDS_SHOWN if shown else Kind.TOP_CARDS_HIDDEN
        return events.record(session, viewer.race_id, kind, person_id=viewer.person_id).seq
