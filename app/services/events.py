"""The append-only event log and the idempotency keys that ride on it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, func, select

from app.db import now_ms, table_of
from app.errors import Conflict, Invalid
from app.kinds import WHILE_ARCHIVED, Kind
from app.models import Event, Race

KEY_MAX = 64


# Built once, with parameters (see cards.py). The new seq is taken from RETURNING, and a Race the session
# holds is not brought up to it, as the ORM's matching of the session's objects is dear and no write reads
# race.seq after recording.
_NEXT_SEQ = (
    update(Race)
    .where(col(Race.id) == bindparam("race_key"))
    .values(seq=col(Race.seq) + 1)
    .returning(col(Race.seq), col(Race.archived_ms))
    .execution_options(synchronize_session=False)
)
_INSERT_EVENT = insert(table_of(Event)).returning(table_of(Event).c.id)
_BY_KEY = select(Event).where(Event.key == bindparam("key"))
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
    seq, archived = session.execute(_NEXT_SEQ, {"race_key": race_id}).one()
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
    event = session.exec(_BY_KEY, params={"key": key}).first()
    if event is not None and event.person_id != person_id:
        raise Conflict("This request key was already used.")
    return event


def since(session: Session, race_id: int, after_seq: int, limit: int = 10_000) -> list[Event]:
    """Return the race's events after a seq, oldest first."""
    return list(session.exec(_SINCE, params={"race": race_id, "after": after_seq, "limit": limit}).all())
