"""The backplane: one NOTIFY per race a committed write moved, none for a write that rolled back."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from app.db import Database
from app.kinds import Kind
from app.services import cards, events, people, races, teams
from live.backplane import CHANNEL, parse, payload


def test_a_notification_reads_back_and_others_are_ignored() -> None:
    assert parse(payload(12, 345)) == (12, 345)
    assert parse("not ours") is None


def _listening(db: Database) -> psycopg.Connection[Any]:
    conn = psycopg.connect(db.dsn, autocommit=True)
    conn.execute(f"LISTEN {CHANNEL}")
    return conn


def _heard(conn: psycopg.Connection[Any]) -> list[tuple[int, int] | None]:
    # A round trip first: what was committed before it has been delivered by then.
    conn.execute("SELECT 1")
    return [parse(note.payload) for note in conn.notifies(timeout=0.5, stop_after=10)]


def test_a_committed_write_notifies_each_race_it_moved_once_and_a_rolled_back_one_nothing(
    db: Database, race: dict[str, Any]
) -> None:
    if db.is_sqlite:
        pytest.skip("NOTIFY is PostgreSQL's; one SQLite process publishes to itself")
    token, _ = people.join(db, race["codes"]["participant"], "Alva")
    viewer = people.viewer(db, token)
    assert viewer is not None
    teams.choose(db, viewer, race["teams"][0]["id"])
    viewer = people.viewer(db, token)
    assert viewer is not None
    with _listening(db) as conn:
        cards.add(db, viewer, title="Skruv", body="", column="idea", key=None)
        seq = races.current_seqs(db, [viewer.race_id])[viewer.race_id]
        assert _heard(conn) == [(viewer.race_id, seq)]
        with pytest.raises(RuntimeError), db.write() as session:
            events.record(session, viewer.race_id, Kind.ANNOUNCEMENT_SENT)
            events.record(session, viewer.race_id, Kind.ANNOUNCEMENT_SENT)
            raise RuntimeError("rolled back")
        assert _heard(conn) == []
        with db.write() as session:
            events.record(session, viewer.race_id, Kind.ANNOUNCEMENT_SENT)
            events.record(session, viewer.race_id, Kind.ANNOUNCEMENT_SENT)
        assert _heard(conn) == [(viewer.race_id, seq + 2)]
