"""The team board as its members see it: whether it is open; each card's votes and comments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from app import memo
from app.db import Database
from app.errors import Forbidden
from app.models import Phase, PhaseState, Race, Role, Team
from app.services import cards, comments, gallery, revisions, teams, votes
from app.services.cards import CardView, closed_reason
from app.services.people import Viewer
from app.services.phases import locked_at_timeup

# Who reads any team's board (to judge it, to help it, to run the race); a team's members work on their own.
READERS = frozenset({Role.JURY, Role.EXPERT, Role.FACILITATOR})


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


@dataclass(frozen=True)
class Held:
    """Every team and phase of a race, read once for a render over many teams: looked up, not read again."""

    teams: dict[int, Team]
    phases: dict[int, Phase]


def hold(session: Session, race_id: int) -> Held:
    """Read every team and phase of a race, for `state` over many teams."""
    return Held(
        {team.id or 0: team for team in session.exec(select(Team).where(Team.race_id == race_id)).all()},
        {phase.id or 0: phase for phase in session.exec(select(Phase).where(Phase.race_id == race_id)).all()},
    )


def state(session: Session, race: Race, team_id: int, held: Held | None = None) -> BoardState:
    """Return the board's state for a team under the open phase and the facilitator's lock."""
    # A team's screen shows it in each column and above them: a render works it out once.
    return memo.once(("board.state", race.id, team_id), lambda: _state(session, race, team_id, held))


# The team's lock and the race's current phase in one row of plain values (a team or a phase missing: nulls).
_TEAM_AND_PHASE = select(
    select(Team.board_locked).where(col(Team.id) == bindparam("team")).scalar_subquery(),
    *(
        select(column).where(col(Phase.id) == bindparam("phase")).scalar_subquery()
        for column in (
            Phase.state,
            Phase.name,
            Phase.board_open,
            Phase.voting_open,
            Phase.vote_budget,
            Phase.lock_at_end,
            Phase.timeup_ms,
            Phase.deadline_ms,
        )
    ),
)


def _state(session: Session, race: Race, team_id: int, held: Held | None = None) -> BoardState:
    if held is not None:
        team = held.teams.get(team_id)
        phase = held.phases.get(race.current_phase_id) if race.current_phase_id else None
        held_lock = team.board_locked if team is not None else None
        row: tuple[Any, ...] = (held_lock, None, None, None, None, None, None, None, None)
        if phase is not None:
            row = (
                held_lock,
                *(phase.state, phase.name, phase.board_open, phase.voting_open, phase.vote_budget),
                *(phase.lock_at_end, phase.timeup_ms, phase.deadline_ms),
            )
    else:
        # One row, not a Team and a Phase loaded as entities: a post's answer and its render each ask once.
        ids = {"team": team_id, "phase": race.current_phase_id or 0}
        row = tuple(session.connection().execute(_TEAM_AND_PHASE, ids).one())
    held_lock, state, name, board_open, voting_open, vote_budget, lock_at_end, timeup_ms, deadline_ms = row
    locked = bool(held_lock)
    ended = race.ended_ms is not None
    time_up = locked_at_timeup(state, lock_at_end, timeup_ms, deadline_ms)
    # Only a running or paused phase decides the board; none or a finished one leaves it open, without votes.
    is_open = state in (PhaseState.RUNNING, PhaseState.PAUSED)
    voting = bool(is_open and voting_open and not (locked or ended or time_up))
    budget = vote_budget if voting else 0
    name, board_open = (name, board_open) if is_open else (None, True)
    reason = closed_reason(locked, name, board_open, ended=ended, time_up=time_up)
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


def to_read(db: Database, viewer: Viewer, team_id: int) -> dict[str, Any]:
    """Return a team's board to read, not to change: its cards with votes, comments and every revision."""
    with db.read() as session:
        if viewer.role == Role.PARTICIPANT and not gallery.lets_read(session, viewer, team_id):
            raise Forbidden("The gallery is closed: other teams' boards are not open to read now.")
        if viewer.role not in READERS and viewer.role != Role.PARTICIPANT:
            raise Forbidden("Only the jury, the experts and the facilitators read other teams' boards.")
        race = session.get(Race, viewer.race_id)
        team_view = teams.get_team(session, viewer.race_id, team_id)
        columns = cards.board(session, team_id)
        views = [view for column in columns.values() for view in column]
        return {
            "race": race,
            "viewer": viewer,
            "team_view": team_view,
            "board": columns,
            "extras": extras(session, views),
            "histories": revisions.revisions(session, [view.card.id or 0 for view in views]),
        }
