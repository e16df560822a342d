"""Changing cards: every edit, move and removal is a new revision; none is ever overwritten."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlmodel import Session, col, func, select

from app.db import Database, now_ms
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.i18n import N_
from app.kinds import Kind
from app.models import Card, CardColumn, CardRevision, Person, Race, Role, Vote
from app.services import cards, events
from app.services.people import Viewer, clean_text, require_team


@dataclass(frozen=True)
class Changed:
    """What a change did: the card and the columns whose content moved."""

    card: Card
    columns: tuple[str, ...]


@dataclass(frozen=True)
class RevisionView:
    """One revision as the history shows it."""

    revision: CardRevision
    author: str


class OnBoard(Protocol):
    """What says whose board a card is on: a Card, or a row read with it."""

    @property
    def race_id(self) -> int: ...
    @property
    def team_id(self) -> int: ...
    @property
    def deleted_ms(self) -> int | None: ...


Found = TypeVar("Found", bound=OnBoard)


def require_own(viewer: Viewer, card: Found | None, *, removed: bool = False) -> Found:
    """Return a card found on the viewer's team board, or refuse as if it did not exist."""
    if (
        card is None
        or card.race_id != viewer.race_id
        or card.team_id != viewer.team_id
        or (card.deleted_ms is not None and not removed)
    ):
        raise NotFound("There is no such card on your team's board.")
    return card


def own_card(session: Session, viewer: Viewer, card_id: int, *, removed: bool = False) -> Card:
    """Return a card of the viewer's team board, or refuse as if it did not exist."""
    return require_own(viewer, session.get(Card, card_id), removed=removed)


def require_member(viewer: Viewer) -> None:
    """Refuse anyone who is not a participant in a team."""
    if viewer.role != Role.PARTICIPANT or viewer.team_id is None:
        raise Forbidden("Only the team's members can change its board.")


def _open_card(session: Session, viewer: Viewer, card_id: int) -> Card:
    require_team(session, viewer)
    card = own_card(session, viewer, card_id)
    cards.refuse_closed_board(session, card.team_id)
    return card


def _revise(session: Session, viewer: Viewer, card: Card, *, deleted: bool = False) -> None:
    now = now_ms()
    card.rev += 1
    card.updated_ms = now
    if deleted:
        card.deleted_ms = now
    session.add(card)
    session.add(
        CardRevision(
            card_id=card.id or 0,
            rev=card.rev,
            author_id=viewer.person_id,
            column=card.column,
            title=card.title,
            body=card.body,
            deleted=deleted,
            created_ms=now,
        )
    )


STALE = N_("Someone else saved this card while you were editing it. Nothing was changed.")


class Stale(Conflict):
    """An edit that started from an older revision than the card has now: nothing was changed."""


def _spotlit(session: Session, card: Card, *, removed: bool = False) -> dict[str, bool]:
    """Return the event's note that the card is spotlit (the spotlight follows it); a removal clears it."""
    race = session.get(Race, card.race_id)
    if race is None or race.spotlight_card_id != card.id:
        return {}
    if removed:
        race.spotlight_card_id = None
        session.add(race)
    return {"spotlit": True}


def _replay(session: Session, key: str | None, viewer: Viewer) -> Changed | None:
    earlier = events.replayed(session, key, viewer.person_id)
    if earlier is None:
        return None
    card = session.get(Card, earlier.data["card"])
    assert card is not None
    return Changed(card, tuple(earlier.data.get("columns", [card.column])))


def edit(
    db: Database, viewer: Viewer, card_id: int, *, title: str, body: str, rev: int, key: str | None
) -> Changed:
    """Save a new title and text as a new revision if the card is still at the revision the edit began at."""
    require_member(viewer)
    title = clean_text(title, cards.TITLE_MAX, field=N_("the title"))
    body = clean_text(body, cards.BODY_MAX, field=N_("the text"), required=False)
    key = events.clean_key(key)
    with db.write() as session:
        replay = _replay(session, key, viewer)
        if replay is not None:
            return replay
        card = _open_card(session, viewer, card_id)
        if card.rev != rev:
            raise Stale(STALE)
        if (card.title, card.body) == (title, body):
            return Changed(card, ())
        card.title, card.body = title, body
        _revise(session, viewer, card)
        events.record(
            session,
            viewer.race_id,
            Kind.CARD_EDITED,
            data={
                "card": card.id,
                "rev": card.rev,
                "column": card.column,
                "columns": [card.column],
                "title": title,
                **_spotlit(session, card),
            },
            person_id=viewer.person_id,
            team_id=card.team_id,
            key=key,
        )
        return Changed(card, (card.column,))


def move(db: Database, viewer: Viewer, card_id: int, *, column: str, key: str | None) -> Changed:
    """Move a card to another column as a new revision."""
    require_member(viewer)
    if column not in set(CardColumn):
        raise Invalid("Choose one of the board's columns.")
    key = events.clean_key(key)
    with db.write() as session:
        replay = _replay(session, key, viewer)
        if replay is not None:
            return replay
        card = _open_card(session, viewer, card_id)
        if card.column == column:
            return Changed(card, ())
        before = card.column
        card.column = column
        _revise(session, viewer, card)
        events.record(
            session,
            viewer.race_id,
            Kind.CARD_MOVED,
            data={
                "card": card.id,
                "rev": card.rev,
                "column": column,
                "columns": [before, column],
                **_spotlit(session, card),
            },
            person_id=viewer.person_id,
            team_id=card.team_id,
            key=key,
        )
        return Changed(card, (before, column))


def remove(db: Database, viewer: Viewer, card_id: int, *, key: str | None) -> Changed:
    """Take a card off the board with a tombstone; its revisions stay."""
    require_member(viewer)
    key = events.clean_key(key)
    with db.write() as session:
        replay = _replay(session, key, viewer)
        if replay is not None:
            return replay
        card = _open_card(session, viewer, card_id)
        _revise(session, viewer, card, deleted=True)
        events.record(
            session,
            viewer.race_id,
            Kind.CARD_REMOVED,
            data={
                "card": card.id,
                "rev": card.rev,
                "column": card.column,
                "columns": [card.column],
                **_spotlit(session, card, removed=True),
            },
            person_id=viewer.person_id,
            team_id=card.team_id,
            key=key,
        )
        return Changed(card, (card.column,))


@dataclass(frozen=True)
class Panel:
    """One card opened: its revisions, newest first, and whether the viewer may change it."""

    card: Card
    revisions: list[RevisionView]
    member: bool
    votes: int = 0


def panel(db: Database, viewer: Viewer, card_id: int) -> Panel:
    """Return a card (removed ones too) with all its revisions, for its team or a facilitator."""
    with db.read() as session:
        card = session.get(Card, card_id)
        facilitator = viewer.role == Role.FACILITATOR
        if not (facilitator and card is not None and card.race_id == viewer.race_id):
            card = own_card(session, viewer, card_id, removed=True)
        kept = revisions(session, [card.id or 0]).get(card.id or 0, [])
        dots = session.exec(
            select(func.count()).where(Vote.card_id == card.id, col(Vote.withdrawn_ms).is_(None))
        ).one()
        member = viewer.role == Role.PARTICIPANT and card.team_id == viewer.team_id
        return Panel(card, kept, member=member, votes=int(dots))


def revisions(session: Session, card_ids: list[int]) -> dict[int, list[RevisionView]]:
    """Return card id -> its revisions with their authors, newest first."""
    if not card_ids:
        return {}
    rows = session.exec(
        select(CardRevision, Person)
        .join(Person, col(Person.id) == CardRevision.author_id)
        .where(col(CardRevision.card_id).in_(card_ids))
        .order_by(col(CardRevision.card_id), col(CardRevision.rev).desc())
    ).all()
    found: dict[int, list[RevisionView]] = {}
    for revision, person in rows:
        found.setdefault(revision.card_id, []).append(RevisionView(revision, person.name))
    return found
