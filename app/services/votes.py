"""Dot votes: a budget per person per phase, only while the phase has voting open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from app.db import Database, now_ms
from app.errors import Conflict
from app.kinds import Kind
from app.models import Card, Phase, Race, Team, Vote
from app.services import ending, events, phases
from app.services.cards import BOARD_TIME_UP
from app.services.people import Viewer, require_team
from app.services.revisions import own_card, require_member


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
    return int(session.execute(_USED, {"person": person_id, "phase": phase_id}).scalar_one())


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


def _voting_phase(session: Session, viewer: Viewer, card: Card) -> Phase:
    race = session.get(Race, viewer.race_id)
    team = session.get(Team, card.team_id)
    assert race is not None and team is not None
    ending.refuse_ended(race)
    if team.board_locked:
        raise Conflict("The facilitator has locked this board.")
    phase = phases.open_phase(session, race)
    if phase is None or not phase.voting_open:
        raise Conflict("Voting is not open right now.")
    if phases.locked_at_timeup(phase.state, phase.lock_at_end, phase.timeup_ms, phase.deadline_ms):
        raise Conflict(BOARD_TIME_UP, phase=phase.name)
    return phase


def _change(
    db: Database,
    viewer: Viewer,
    card_id: int,
    key: str | None,
    kind: Kind,
    change: Callable[[Session, Card, Phase], Vote],
) -> Card:
    """Apply one vote change on a card of the voter's team in the open voting phase, with its event."""
    require_member(viewer)
    key = events.clean_key(key)
    with db.write() as session:
        earlier = events.replayed(session, key, viewer.person_id)
        if earlier is not None:
            return own_card(session, viewer, earlier.data["card"], removed=True)
        # Also locks the voter's row, so two votes at once cannot both pass the budget.
        require_team(session, viewer)
        card = own_card(session, viewer, card_id)
        phase = _voting_phase(session, viewer, card)
        vote = change(session, card, phase)
        events.record(
            session,
            viewer.race_id,
            kind,
            data={"card": card_id, "column": card.column, "vote": vote.id, "phase": phase.id},
            person_id=viewer.person_id,
            team_id=card.team_id,
            key=key,
        )
        return card


def cast(db: Database, viewer: Viewer, card_id: int, *, key: str | None) -> Card:
    """Put one of the voter's dots on a card of their team, within the phase's budget."""

    def add(session: Session, card: Card, phase: Phase) -> Vote:
        if _used(session, viewer.person_id, phase.id or 0) >= phase.vote_budget:
            raise Conflict("You have used all your votes in this phase (%(num)s).", num=phase.vote_budget)
        vote = Vote(
            race_id=viewer.race_id,
            card_id=card.id or 0,
            person_id=viewer.person_id,
            phase_id=phase.id or 0,
            created_ms=now_ms(),
        )
        session.add(vote)
        session.flush()
        return vote

    return _change(db, viewer, card_id, key, Kind.VOTE_CAST, add)


def withdraw(db: Database, viewer: Viewer, card_id: int, *, key: str | None) -> Card:
    """Take back the voter's latest dot on a card; it returns to their budget."""

    def take_back(session: Session, card: Card, phase: Phase) -> Vote:
        vote = session.exec(
            select(Vote)
            .where(
                Vote.card_id == card.id,
                Vote.person_id == viewer.person_id,
                Vote.phase_id == phase.id,
                col(Vote.withdrawn_ms).is_(None),
            )
            .order_by(col(Vote.id).desc())
        ).first()
        if vote is None:
            raise Conflict("You have no vote on this card to take back.")
        vote.withdrawn_ms = now_ms()
        session.add(vote)
        return vote

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
