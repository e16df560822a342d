"""The team board as its members see it: whether it is open; each card's votes and comments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.db import once_per_render
from app.models import Race, Team
from app.services import comments, phases, votes
from app.services.cards import CardView, closed_reason


@dataclass(frozen=True)
class BoardState:
    """Whether a team may change its board and vote now, and if not, why (a message and its parameters)."""

    open: bool
    voting: bool
    budget: int
    reason: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CardExtras:
    """What a card shows beside its text."""

    voters: list[int]
    comments: list[comments.CommentView]


def state(session: Session, race: Race, team_id: int) -> BoardState:
    """Return the board's state for a team under the open phase and the facilitator's lock."""
    # A team's screen shows it in each column and above them: a render works it out once.
    return once_per_render(session, ("board.state", race.id, team_id), lambda: _state(session, race, team_id))


def _state(session: Session, race: Race, team_id: int) -> BoardState:
    team = session.get(Team, team_id)
    phase = phases.open_phase(session, race)
    locked = team is not None and team.board_locked
    voting = phase is not None and phase.voting_open and not locked
    budget = phase.vote_budget if phase is not None and voting else 0
    reason = closed_reason(locked, None if phase is None else phase.name, phase is None or phase.board_open)
    if reason is None:
        return BoardState(True, voting, budget)
    message, params = reason
    return BoardState(False, voting, budget, message, params)


def extras(session: Session, views: list[CardView]) -> dict[int, CardExtras]:
    """Return card id -> its voters and comments."""
    ids = [view.card.id or 0 for view in views]
    tallies = votes.tallies(session, ids)
    said = comments.under(session, ids)
    return {card_id: CardExtras(tallies.get(card_id, []), said.get(card_id, [])) for card_id in ids}
