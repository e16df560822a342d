"""Cards on the team boards: added as revision 1, never overwritten."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from app.db import Database, now_ms, once_per_render
from app.errors import Conflict, Forbidden, Invalid
from app.i18n import N_
from app.models import Card, CardColumn, CardRevision, Person, Race, Role, Team
from app.services import events, phases
from app.services.people import Viewer, clean_text

TITLE_MAX = 200
BODY_MAX = 5000

COLUMN_LABELS = {
    CardColumn.NEED: N_("Need"),
    CardColumn.IDEA: N_("Idea"),
    CardColumn.MARKET: N_("Market potential"),
    CardColumn.TECHNOLOGY: N_("Technology"),
    CardColumn.FINANCING: N_("Financing"),
    CardColumn.RESOURCES: N_("Resources"),
    CardColumn.NEXT: N_("Next steps"),
}


@dataclass(frozen=True)
class CardView:
    """A card as the screens show it."""

    card: Card
    author: str
    team: str
    colour: str


def add(db: Database, viewer: Viewer, *, title: str, body: str, column: str, key: str | None) -> Card:
    """Add a card to the viewer's team board; a repeated key returns the first card."""
    if viewer.role != Role.PARTICIPANT:
        raise Forbidden("Only team members add cards.")
    if viewer.team_id is None:
        raise Conflict("Choose a team before you add cards.")
    if column not in set(CardColumn):
        raise Invalid("Choose one of the board's columns.")
    title = clean_text(title, TITLE_MAX, field=N_("the title"))
    body = clean_text(body, BODY_MAX, field=N_("the text"), required=False)
    key = events.clean_key(key)
    with db.write() as session:
        earlier = events.replayed(session, key, viewer.person_id)
        if earlier is not None:
            card = session.get(Card, earlier.data["card"])
            assert card is not None
            return card
        race = session.get(Race, viewer.race_id)
        team = session.get(Team, viewer.team_id)
        assert race is not None and team is not None
        require_open_board(session, race, team)
        now = now_ms()
        card = Card(
            race_id=viewer.race_id,
            team_id=viewer.team_id,
            author_id=viewer.person_id,
            column=column,
            title=title,
            body=body,
            created_ms=now,
            updated_ms=now,
        )
        session.add(card)
        session.flush()
        assert card.id is not None
        session.add(
            CardRevision(
                card_id=card.id,
                rev=1,
                author_id=viewer.person_id,
                column=column,
                title=title,
                body=body,
                created_ms=now,
            )
        )
        events.record(
            session,
            viewer.race_id,
            "card.added",
            data={"card": card.id, "column": column, "title": title},
            person_id=viewer.person_id,
            team_id=viewer.team_id,
            key=key,
        )
        return card


def require_open_board(session: Session, race: Race, team: Team) -> None:
    """Refuse a change when the facilitator locked the board or the open phase closes it."""
    if team.board_locked:
        raise Conflict("The facilitator has locked this board.")
    phase = phases.open_phase(session, race)
    if phase is not None and not phase.board_open:
        raise Conflict("The board is closed during %(phase)s.", phase=phase.name)


def _views(session: Session, query: object) -> list[CardView]:
    rows = session.exec(query).all()  # type: ignore[call-overload]
    return [CardView(card, person.name, team.name, team.colour) for card, person, team in rows]


def _base_query():  # type: ignore[no-untyped-def]
    return (
        select(Card, Person, Team)
        .join(Person, col(Person.id) == Card.author_id)
        .join(Team, col(Team.id) == Card.team_id)
        .where(col(Card.deleted_ms).is_(None))
    )


def column(session: Session, team_id: int, column_name: str) -> list[CardView]:
    """Return one column of a team's board, oldest first."""
    query = _base_query().where(Card.team_id == team_id, Card.column == column_name)
    return _views(session, query.order_by(col(Card.id)))


def board(session: Session, team_id: int) -> dict[str, list[CardView]]:
    """Return a team's board: every column, oldest card first."""
    cards = _views(session, _base_query().where(Card.team_id == team_id).order_by(col(Card.id)))
    columns: dict[str, list[CardView]] = {name.value: [] for name in CardColumn}
    for view in cards:
        columns.setdefault(view.card.column, []).append(view)
    return columns


def newest(session: Session, race_id: int, limit: int = 12) -> list[CardView]:
    """Return the race's newest cards, newest first."""
    query = _base_query().where(Card.race_id == race_id).order_by(col(Card.id).desc()).limit(limit)
    return _views(session, query)


def newest_by_team(session: Session, race_id: int, within: int = 200) -> dict[int, CardView]:
    """Return team id -> its newest card, for the teams with a card among the race's `within` newest."""
    live = (Card.race_id == race_id, col(Card.deleted_ms).is_(None))
    oldest = session.exec(
        select(Card.id).where(*live).order_by(col(Card.id).desc()).offset(within - 1).limit(1)
    ).first()
    newest_ids = (
        select(func.max(Card.id)).where(*live, col(Card.id) >= (oldest or 0)).group_by(col(Card.team_id))
    )
    return {
        view.card.team_id: view for view in _views(session, _base_query().where(col(Card.id).in_(newest_ids)))
    }


def counts(session: Session, race_id: int) -> dict[int, int]:
    """Return team id -> number of live cards."""
    query = (
        select(Card.team_id, func.count())
        .where(Card.race_id == race_id, col(Card.deleted_ms).is_(None))
        .group_by(col(Card.team_id))
    )
    return once_per_render(
        session,
        ("cards.counts", race_id),
        lambda: {team_id: number for team_id, number in session.exec(query).all()},
    )
