"""Comments on cards, by the card's team, while the board is open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import bindparam
from sqlalchemy import select as select_columns
from sqlmodel import Session, col

from app.db import Database, now_ms, table_of
from app.i18n import N_
from app.kinds import Kind
from app.models import Card, Comment, Person
from app.services import cards, events
from app.services.people import Viewer, clean_text, require_team
from app.services.revisions import own_card, require_member

COMMENT_MAX = 2000


class CommentRow(NamedTuple):
    """A comment's columns as a plain row, as the cards' extras read them. Same attributes as a Comment."""

    id: int
    card_id: int
    author_id: int
    body: str
    created_ms: int


_COMMENT = table_of(Comment)
assert CommentRow._fields == tuple(_COMMENT.c.keys()), "CommentRow must list Comment's columns in order"


@dataclass(frozen=True)
class CommentView:
    """A comment with its author's name."""

    comment: Comment | CommentRow
    author: str


def add(db: Database, viewer: Viewer, card_id: int, *, body: str, key: str | None) -> Card:
    """Add a comment under a card of the viewer's team."""
    require_member(viewer)
    body = clean_text(body, COMMENT_MAX, field=N_("the comment"))
    key = events.clean_key(key)
    with db.write() as session:
        earlier = events.replayed(session, key, viewer.person_id)
        if earlier is not None:
            return own_card(session, viewer, earlier.data["card"], removed=True)
        require_team(session, viewer)
        card = own_card(session, viewer, card_id)
        cards.refuse_closed_board(session, card.team_id)
        comment = Comment(card_id=card_id, author_id=viewer.person_id, body=body, created_ms=now_ms())
        session.add(comment)
        session.flush()
        events.record(
            session,
            viewer.race_id,
            Kind.COMMENT_ADDED,
            data={"card": card_id, "column": card.column, "comment": comment.id},
            person_id=viewer.person_id,
            team_id=card.team_id,
            key=key,
        )
        return card


# Built once: building a statement costs more than running it (see docs/performance.md).
# Plain rows on the session's connection: every card in a post's answer and render asks, most have none.
_UNDER = (
    select_columns(*_COMMENT.c, col(Person.name))
    .join_from(_COMMENT, table_of(Person), col(Person.id) == _COMMENT.c.author_id)
    .where(_COMMENT.c.card_id.in_(bindparam("cards", expanding=True)))
    .order_by(_COMMENT.c.id)
)


def under(session: Session, card_ids: list[int]) -> dict[int, list[CommentView]]:
    """Return card id -> its comments with their authors, oldest first."""
    if not card_ids:
        return {}
    rows = session.connection().execute(_UNDER, {"cards": card_ids}).all()
    width = len(CommentRow._fields)
    found: dict[int, list[CommentView]] = {}
    for row in rows:
        comment = CommentRow._make(row[:width])
        found.setdefault(comment.card_id, []).append(CommentView(comment, row[width]))
    return found
