"""The append-only event log and the idempotency keys that ride on it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, func, select

from app.db import now_ms, table_of
from app.errors import Conflict, Invalid
from app.kinds import WHILE_ARCHIVED, Kind
from app.models import Event, Race

KEY_MAX = 64


# Built once, with parameters (see cards.py), and run on the session's connection: the ORM's bulk update
# costs more than the statement. The new seq is taken from RETURNING, and a Race the session holds is not
# brought up to it: no write reads race.seq after recording.
_RACES = table_of(Race)
_NEXT_SEQ = (
    update(_RACES)
    .where(_RACES.c.id == bindparam("race_key"))
    .values(seq=_RACES.c.seq + 1)
    .returning(_RACES.c.seq, _RACES.c.archived_ms)
)
_EVENTS = table_of(Event)
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)
# A plain row: nearly every post and vote carries a key, and nearly every key is new.
_BY_KEY = select_columns(_EVENTS).where(_EVENTS.c.key == bindparam("key"))
_SINCE = (
    select(Event)
    .where(Event.race_id == bindparam("race"), col(Event.seq) > bindparam("after"))
    .order_by(col(Event.seq))
    .limit(bindparam("limit"))
)


def clean_key(key: str | None) -> str | None:
    """Return a usable idempotency key, or None when the client sent none."""
    if key is None or not key.strip():
        return None
    key = key.strip()
    if len(key) > KEY_MAX or not key.isprintable():
        raise Invalid("The request key is malformed.")
    return key


def record(
    session: Session,
    race_id: int,
    kind: Kind,
    *,
    data: dict[str, Any] | None = None,
    person_id: int | None = None,
    team_id: int | None = None,
    key: str | None = None,
) -> Event:
    """Append one event with the race's next seq, taken inside this transaction."""
    # A kind that is not named in app/kinds.py (nor, then, mapped to screens) fails here, in its first test.
    kind = Kind(kind)
    # The row lock on the race serialises writers per race on PostgreSQL; SQLite is already serial.
    # What the session holds is written first, as session.execute's autoflush did: on PostgreSQL every
    # writer keeps the order its changes are locked in.
    session.flush()  # nothing to do, and nearly free, when the session holds no change
    seq, archived = session.connection().execute(_NEXT_SEQ, {"race_key": race_id}).one()
    if archived is not None and kind not in WHILE_ARCHIVED:
        # Every change records an event: refusing here keeps every write out of an archived race.
        raise Conflict("This race is archived: it can be read but not changed.")
    values = {
        "race_id": race_id,
        "seq": seq,
        "kind": kind,
        "data": data or {},
        "person_id": person_id,
        "team_id": team_id,
        "key": key,
        "at_ms": now_ms(),
    }
    # A plain insert: the log is read back by queries, never through this session's identity map.
    event = Event(id=session.connection().execute(_INSERT_EVENT, values).scalar_one(), **values)
    # Published after commit (Database.write), to this process's hub and, through the backplane, the others.
    session.info.setdefault("published", {})[race_id] = seq
    return event


def lock_race(session: Session, race_id: int) -> None:
    """Serialise this transaction with the race's other writers (SQLite's writers are serial already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(Race.id).where(Race.id == race_id).with_for_update())


def replayed(session: Session, key: str | None, person_id: int | None) -> Event | None:
    """Return the event an earlier post with this key made, if any; one key is checked at a time."""
    if key is None:
        return None
    if session.get_bind().dialect.name == "postgresql":
        # Concurrent posts of one key wait here for each other, so the check and the insert are atomic.
        session.exec(select(func.pg_advisory_xact_lock(func.hashtext(key))))
    row = session.connection().execute(_BY_KEY, {"key": key}).first()
    if row is None:
        return None
    if row.person_id != person_id:
        raise Conflict("This request key was already used.")
    return Event(**row._mapping)


def since(session: Session, race_id: int, after_seq: int, limit: int = 10_000) -> list[Event]:
    """Return the race's events after a seq, oldest first."""
    return list(session.exec(_SINCE, params={"race": race_id, "after": after_seq, "limit": limit}).all())
