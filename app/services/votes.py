"""Dot votes: a budget per person per phase, only while the phase has voting open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, func, select

from app.db import Database, now_ms, table_of
from app.errors import Conflict
from app.kinds import Kind
from app.models import Card, Phase, PhaseState, Race, Team, Vote
from app.services import ending, events, phases
from app.services.cards import BOARD_TIME_UP
from app.services.people import Viewer, require_team
from app.services.revisions import require_member, require_own


@dataclass(frozen=True)
class Budget:
    """A voter's votes in the open phase: how many they may cast and how many are used."""

    open: bool
    budget: int
    used: int

    @property
    def left(self) -> int:
        return max(0, self.budget - self.used)


# Built once: building a statement costs more than running it (see docs/performance.md).
_USED = select(func.count()).where(
    Vote.person_id == bindparam("person"),
    Vote.phase_id == bindparam("phase"),
    col(Vote.withdrawn_ms).is_(None),
)


def _used(session: Session, person_id: int, phase_id: int) -> int:
    return int(session.connection().execute(_USED, {"person": person_id, "phase": phase_id}).scalar_one())


def budget(session: Session, race: Race, person_id: int) -> Budget:
    """Return a person's votes in the open phase."""
    phase = phases.open_phase(session, race)
    if phase is None or not phase.voting_open:
        return Budget(False, 0, 0)
    return Budget(True, phase.vote_budget, _used(session, person_id, phase.id or 0))


def viewers_budget(db: Database, viewer: Viewer) -> Budget:
    """Return the viewer's votes in the open phase, in a read of its own."""
    with db.read() as session:
        race = session.get(Race, viewer.race_id)
        assert race is not None
        return budget(session, race, viewer.person_id)


class _Scene(NamedTuple):
    """What a vote on a card depends on, read in one statement: the card, its board and the open phase."""

    race_id: int
    team_id: int
    column: str
    deleted_ms: int | None
    board_locked: bool
    ended_ms: int | None
    phase_id: int | None
    phase_name: str | None
    state: str | None
    voting_open: bool | None
    vote_budget: int | None
    lock_at_end: bool | None
    timeup_ms: int | None
    deadline_ms: int | None


_CARDS, _TEAMS, _RACES, _PHASES, _VOTES = (table_of(model) for model in (Card, Team, Race, Phase, Vote))
# Plain rows and inserts, not entities: a voting rush asks this a few hundred times a minute, and the ORM's
# loading and flushing cost more than the statements (docs/performance.md).
_SCENE = (
    select_columns(
        _CARDS.c.race_id,
        _CARDS.c.team_id,
        _CARDS.c.column,
        _CARDS.c.deleted_ms,
        _TEAMS.c.board_locked,
        _RACES.c.ended_ms,
        _PHASES.c.id,
        _PHASES.c.name,
        _PHASES.c.state,
        _PHASES.c.voting_open,
        _PHASES.c.vote_budget,
        _PHASES.c.lock_at_end,
        _PHASES.c.timeup_ms,
        _PHASES.c.deadline_ms,
    )
    .select_from(_CARDS)
    .join(_TEAMS, _TEAMS.c.id == _CARDS.c.team_id)
    .join(_RACES, _RACES.c.id == _CARDS.c.race_id)
    .outerjoin(_PHASES, _PHASES.c.id == _RACES.c.current_phase_id)
    .where(_CARDS.c.id == bindparam("card"))
)
_INSERT_VOTE = insert(_VOTES).returning(_VOTES.c.id)
_LATEST_OWN = (
    select_columns(_VOTES.c.id)
    .where(
        _VOTES.c.card_id == bindparam("card"),
        _VOTES.c.person_id == bindparam("person"),
        _VOTES.c.phase_id == bindparam("phase"),
        _VOTES.c.withdrawn_ms.is_(None),
    )
    .order_by(_VOTES.c.id.desc())
    .limit(1)
)
_WITHDRAW = update(_VOTES).where(_VOTES.c.id == bindparam("vote")).values(withdrawn_ms=bindparam("at"))


def _scene(session: Session, viewer: Viewer, card_id: int, *, removed: bool = False) -> _Scene:
    """Return a card of the viewer's team board with what a vote on it depends on, or refuse as if it
    did not exist."""
    row = session.connection().execute(_SCENE, {"card": card_id}).one_or_none()
    return require_own(viewer, _Scene._make(row) if row is not None else None, removed=removed)


def _voting_phase(scene: _Scene) -> tuple[int, int]:
    """Refuse a vote the board or the phase does not take; return the open phase's id and budget."""
    if scene.ended_ms is not None:
        raise Conflict(ending.ENDED)
    if scene.board_locked:
        raise Conflict("The facilitator has locked this board.")
    # No open phase (running or paused), or one without voting.
    if (
        scene.phase_id is None
        or scene.state not in (PhaseState.RUNNING, PhaseState.PAUSED)
        or not scene.voting_open
    ):
        raise Conflict("Voting is not open right now.")
    if phases.locked_at_timeup(scene.state, scene.lock_at_end, scene.timeup_ms, scene.deadline_ms):
        raise Conflict(BOARD_TIME_UP, phase=scene.phase_name or "")
    return scene.phase_id, scene.vote_budget or 0


@dataclass(frozen=True)
class Voted:
    """What a vote changed: its card, and the voter's votes in the phase after it (None on a replay)."""

    card_id: int
    budget: Budget | None


def _change(
    db: Database,
    viewer: Viewer,
    card_id: int,
    key: str | None,
    kind: Kind,
    change: Callable[[Session, int, int, int], tuple[int, int]],
) -> Voted:
    """Apply one vote change on a card of the voter's team in the open voting phase, with its event."""
    require_member(viewer)
    key = events.clean_key(key)
    with db.write() as session:
        earlier = events.replayed(session, key, viewer.person_id)
        if earlier is not None:
            replayed_card = int(earlier.data["card"])
            _scene(session, viewer, replayed_card, removed=True)
            return Voted(replayed_card, None)
        # Also locks the voter's row, so two votes at once cannot both pass the budget.
        require_team(session, viewer)
        scene = _scene(session, viewer, card_id)
        phase_id, vote_budget = _voting_phase(scene)
        vote_id, used = change(session, card_id, phase_id, vote_budget)
        events.record(
            session,
            viewer.race_id,
            kind,
            data={"card": card_id, "column": scene.column, "vote": vote_id, "phase": phase_id},
            person_id=viewer.person_id,
            team_id=scene.team_id,
            key=key,
        )
        return Voted(card_id, Budget(True, vote_budget, used))


def cast(db: Database, viewer: Viewer, card_id: int, *, key: str | None) -> Voted:
    """Put one of the voter's dots on a card of their team, within the phase's budget."""

    def add(session: Session, card: int, phase: int, vote_budget: int) -> tuple[int, int]:
        used = _used(session, viewer.person_id, phase)
        if used >= vote_budget:
            raise Conflict("You have used all your votes in this phase (%(num)s).", num=vote_budget)
        values = {
            "race_id": viewer.race_id,
            "card_id": card,
            "person_id": viewer.person_id,
            "phase_id": phase,
            "created_ms": now_ms(),
            "withdrawn_ms": None,
        }
        return session.connection().execute(_INSERT_VOTE, values).scalar_one(), used + 1

    return _change(db, viewer, card_id, key, Kind.VOTE_CAST, add)


def withdraw(db: Database, viewer: Viewer, card_id: int, *, key: str | None) -> Voted:
    """Take back the voter's latest dot on a card; it returns to their budget."""

    def take_back(session: Session, card: int, phase: int, _budget: int) -> tuple[int, int]:
        connection = session.connection()
        params = {"card": card, "person": viewer.person_id, "phase": phase}
        vote = connection.execute(_LATEST_OWN, params).scalar_one_or_none()
        if vote is None:
            raise Conflict("You have no vote on this card to take back.")
        connection.execute(_WITHDRAW, {"vote": vote, "at": now_ms()})
        return vote, _used(session, viewer.person_id, phase)

    return _change(db, viewer, card_id, key, Kind.VOTE_WITHDRAWN, take_back)


# Built once: building a statement costs more than running it (see docs/performance.md).
_TALLIES = select(Vote.card_id, Vote.person_id).where(
    col(Vote.card_id).in_(bindparam("cards", expanding=True)), col(Vote.withdrawn_ms).is_(None)
)


def tallies(session: Session, card_ids: list[int]) -> dict[int, list[int]]:
    """Return card id -> the person id behind each standing vote on it."""
    if not card_ids:
        return {}
    rows = session.connection().execute(_TALLIES, {"cards": card_ids}).all()
    found: dict[int, list[int]] = {}
    for card_id, person_id in rows:
        found.setdefault(card_id, []).append(person_id)
    return found
