"""The spotlight: one card the facilitator puts large on the wall."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.db import Database
from app.errors import Forbidden, NotFound
from app.kinds import Kind
from app.models import Card, Person, Race, Role, Team
from app.services import events
from app.services.cards import CardView
from app.services.people import Viewer


def set_card(db: Database, viewer: Viewer, card_id: int) -> None:
    """Spotlight a card of the race."""
    _require_facilitator(viewer)
    with db.write() as session:
        card = session.get(Card, card_id)
        if card is None or card.race_id != viewer.race_id or card.deleted_ms is not None:
            raise NotFound("There is no such card in this race.")
        race = session.get(Race, viewer.race_id)
        assert race is not None
        race.spotlight_card_id = card_id
        session.add(race)
        events.record(
            session,
            viewer.race_id,
            Kind.SPOTLIGHT_SET,
            data={"card": card_id},
            person_id=viewer.person_id,
            team_id=card.team_id,
        )


def clear(db: Database, viewer: Viewer) -> None:
    """Take the spotlight off the wall."""
    _require_facilitator(viewer)
    with db.write() as session:
        race = session.get(Race, viewer.race_id)
        assert race is not None
        previous = race.spotlight_card_id
        race.spotlight_card_id = None
        session.add(race)
        events.record(
            session,
            viewer.race_id,
            Kind.SPOTLIGHT_CLEARED,
            data={"card": previous},
            person_id=viewer.person_id,
        )


def current(session: Session, race: Race) -> CardView | None:
    """Return the spotlit card as the screens show it, if any."""
    if race.spotlight_card_id is None:
        return None
    row = session.exec(
        select(Card, Person, Team)
        .join(Person, col(Person.id) == Card.author_id)
        .join(Team, col(Team.id) == Card.team_id)
        .where(col(Card.id) == race.spotlight_card_id, col(Card.deleted_ms).is_(None))
    ).first()
    if row is None:
        return None
    card, author, team = row
    return CardView(card, author.name, team.name, team.colour, team.number)


def _require_facilitator(viewer: Viewer) -> None:
    if viewer.role != Role.FACILITATOR:
        raise Forbidden("Only a facilitator uses the spotlight.")
