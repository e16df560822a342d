"""Cards on the team boards: added as revision 1, never overwritten."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Executable, Select, bindparam, insert
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, func, select

from app import memo
from app.db import Database, now_ms, table_of
from app.errors import Conflict, Forbidden, Invalid
from app.i18n import N_, Label
from app.kinds import Kind
from app.models import Card, CardColumn, CardRevision, Person, Phase, PhaseState, Race, Role, Team
from app.services import events
from app.services.ending import ENDED
from app.services.people import Viewer, clean_text, require_team
from app.services.phases import locked_at_timeup

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


class CardRow(NamedTuple):
    """A card's columns as a plain row, as the screens read cards (entities cost more): a Card's fields."""

    id: int
    race_id: int
    team_id: int
    author_id: int
    column: str
    title: str
    body: str
    rev: int
    created_ms: int
    updated_ms: int
    deleted_ms: int | None


_CARD = table_of(Card)
assert CardRow._fields == tuple(_CARD.c.keys()), "CardRow must list Card's columns in order"


@dataclass(frozen=True)
class CardView:
    """A card as the screens show it."""

    card: Card | CardRow
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
        require_team(session, viewer)
        refuse_closed_board(session, viewer.team_id)
        now = now_ms()
        values: dict[str, Any] = {
            "race_id": viewer.race_id,
            "team_id": viewer.team_id,
            "author_id": viewer.person_id,
            "column": column,
            "title": title,
            "body": body,
            "rev": 1,
            "created_ms": now,
            "updated_ms": now,
            "deleted_ms": None,
        }
        # Plain inserts, not ORM entities: the cheapest way to write a post (docs/performance.md).
        connection = session.connection()
        card_id = connection.execute(_INSERT_CARD, values).scalar_one()
        revision = {"card_id": card_id, "rev": 1, "author_id": viewer.person_id, "column": column}
        connection.execute(
            _INSERT_REVISION, {**revision, "title": title, "body": body, "deleted": False, "created_ms": now}
        )
        events.record(
            session,
            viewer.race_id,
            Kind.CARD_ADDED,
            data={"card": card_id, "column": column, "title": title},
            person_id=viewer.person_id,
            team_id=viewer.team_id,
            key=key,
        )
        return Card(id=card_id, **values)


_INSERT_CARD = insert(table_of(Card)).returning(table_of(Card).c.id)
_INSERT_REVISION = insert(table_of(CardRevision))
# Whether a team's board takes changes: the race's end, the facilitator's lock, the open phase's time-up lock
# and its setting.
_BOARD_OPEN = (
    select_columns(
        *(col(column) for column in (Race.ended_ms, Team.board_locked, Phase.state, Phase.board_open)),
        *(col(column) for column in (Phase.name, Phase.lock_at_end, Phase.timeup_ms, Phase.deadline_ms)),
    )
    .select_from(Team)
    .join(Race, col(Race.id) == Team.race_id)
    .outerjoin(Phase, col(Phase.id) == Race.current_phase_id)
    .where(col(Team.id) == bindparam("team"))
)


BOARD_LOCKED = N_("The facilitator has locked this board.")
BOARD_CLOSED_DURING = N_("The board is closed during %(phase)s.")
BOARD_TIME_UP = N_("Time is up for %(phase)s: the boards are locked.")
# A message and its parameters, translated where it is shown.
Reason = tuple[str, dict[str, str]]


def closed_reason(
    locked: bool, open_phase: str | None, board_open: bool, *, ended: bool = False, time_up: bool = False
) -> Reason | None:
    """Return why a board takes no changes (a message and its parameters), or None when it does."""
    # open_phase is the name of the running or paused phase, if any; board_open is that phase's setting;
    # time_up says its time is up and it locks the boards then.
    if ended:
        return ENDED, {}
    if locked:
        return BOARD_LOCKED, {}
    if open_phase is not None and time_up:
        return BOARD_TIME_UP, {"phase": open_phase}
    if open_phase is not None and not board_open:
        return BOARD_CLOSED_DURING, {"phase": open_phase}
    return None


def refuse_closed_board(session: Session, team_id: int) -> None:
    """Refuse a change when the race has ended, the board is locked or the open phase closes it."""
    # A plain row on the session's connection (no ORM): every card post asks.
    row = tuple(session.connection().execute(_BOARD_OPEN, {"team": team_id}).one())
    ended, locked, state, board_open, phase, lock_at_end, timeup_ms, deadline_ms = row
    open_phase = phase if state in (PhaseState.RUNNING, PhaseState.PAUSED) else None
    time_up = locked_at_timeup(state, lock_at_end, timeup_ms, deadline_ms)
    reason = closed_reason(locked, open_phase, board_open, ended=ended is not None, time_up=time_up)
    if reason is not None:
        message, params = reason
        raise Conflict(message, None, **{name: Label(value) for name, value in params.items()})


def _views(session: Session, query: Select[Any], **params: object) -> list[CardView]:
    # Plain rows on the session's connection, not Card, Person and Team entities: loading them costs more.
    rows = session.connection().execute(query, params).all()
    width = len(CardRow._fields)
    return [CardView(CardRow._make(row[:width]), *row[width:]) for row in rows]


def _rows(session: Session, query: Executable, **params: object) -> list[Any]:
    """Run a statement of plain columns on the session's connection (no ORM loading)."""
    return list(session.connection().execute(query, params).all())


# Built once, with parameters: building a statement costs more than running it, and a post runs a dozen.
_PERSON = table_of(Person)
_TEAM_TABLE = table_of(Team)
_LIVE = (
    select_columns(*_CARD.c, _PERSON.c.name, _TEAM_TABLE.c.name, _TEAM_TABLE.c.colour)
    .join_from(_CARD, _PERSON, _PERSON.c.id == _CARD.c.author_id)
    .join(_TEAM_TABLE, _TEAM_TABLE.c.id == _CARD.c.team_id)
    .where(col(Card.deleted_ms).is_(None))
)
_TEAM = col(Card.team_id) == bindparam("team")
_RACE = col(Card.race_id) == bindparam("race")
_SOME_TEAMS = col(Card.team_id).in_(bindparam("teams", expanding=True))
_COLUMN = _LIVE.where(_TEAM, col(Card.column) == bindparam("column")).order_by(col(Card.id))
_BOARD = _LIVE.where(_TEAM).order_by(col(Card.id))
_NEWEST = _LIVE.where(_RACE).order_by(col(Card.id).desc()).limit(bindparam("limit"))
_BY_IDS = _LIVE.where(_TEAM, col(Card.id).in_(bindparam("cards", expanding=True))).order_by(col(Card.id))
# Most answers and renders ask for one card, which an equality finds cheaper than an expanding IN.
_BY_ID = _LIVE.where(_TEAM, col(Card.id) == bindparam("card"))
_NEWEST_IDS = select(func.max(Card.id)).where(_RACE, col(Card.deleted_ms).is_(None))
_NEWEST_BY_TEAM = _LIVE.where(col(Card.id).in_(_NEWEST_IDS.group_by(col(Card.team_id))))
_NEWEST_OF_TEAMS = _LIVE.where(col(Card.id).in_(_NEWEST_IDS.where(_SOME_TEAMS).group_by(col(Card.team_id))))
_COLUMN_COUNTS = (
    select(Card.column, func.count()).where(_TEAM, col(Card.deleted_ms).is_(None)).group_by(col(Card.column))
)
_COUNTS = select(Card.team_id, func.count()).where(_RACE, col(Card.deleted_ms).is_(None))
_COUNTS_ALL = _COUNTS.group_by(col(Card.team_id))
_COUNTS_SOME = _COUNTS.where(_SOME_TEAMS).group_by(col(Card.team_id))


def column(session: Session, team_id: int, column_name: str) -> list[CardView]:
    """Return one column of a team's board, oldest first."""
    return _views(session, _COLUMN, team=team_id, column=column_name)


def board(session: Session, team_id: int) -> dict[str, list[CardView]]:
    """Return a team's board: every column, oldest card first."""
    columns: dict[str, list[CardView]] = {name.value: [] for name in CardColumn}
    for view in _views(session, _BOARD, team=team_id):
        columns.setdefault(view.card.column, []).append(view)
    return columns


def newest(session: Session, race_id: int, limit: int = 12) -> list[CardView]:
    """Return the race's newest cards, newest first."""
    return _views(session, _NEWEST, race=race_id, limit=limit)


def newest_by_team(session: Session, race_id: int, team_ids: list[int] | None = None) -> dict[int, CardView]:
    """Return team id -> its newest live card (of `team_ids` only, when given)."""
    if team_ids is None:
        views = _views(session, _NEWEST_BY_TEAM, race=race_id)
    else:
        views = _views(session, _NEWEST_OF_TEAMS, race=race_id, teams=team_ids)
    return {view.card.team_id: view for view in views}


def by_ids(session: Session, team_id: int, card_ids: list[int]) -> list[CardView]:
    """Return these live cards of a team, oldest first."""
    if len(card_ids) == 1:
        return _views(session, _BY_ID, team=team_id, card=card_ids[0])
    return _views(session, _BY_IDS, team=team_id, cards=card_ids)


def column_counts(session: Session, team_id: int) -> dict[str, int]:
    """Return column -> number of live cards on a team's board."""
    return dict(_rows(session, _COLUMN_COUNTS, team=team_id))


def counts(session: Session, race_id: int, team_ids: list[int] | None = None) -> dict[int, int]:
    """Return team id -> number of live cards (of `team_ids` only, when given)."""
    query, params = (
        (_COUNTS_ALL, {"race": race_id})
        if team_ids is None
        else (_COUNTS_SOME, {"race": race_id, "teams": team_ids})
    )
    return memo.once(
        ("cards.counts", race_id, None if team_ids is None else tuple(team_ids)),
        lambda: dict(_rows(session, query, **params)),
    )
