"""When the database cannot take a write, the answer is an error and no acknowledgement; then it recovers."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlmodel import select

from app import settings
from app.db import Database
from app.models import Card
from tests.conftest import POSTGRES_URL, Join, soup

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's locking and page limits")


def card(person: Any, slug: str, title: str) -> Any:
    return person.htmx(f"/r/{slug}/cards", {"title": title, "column": "idea", "key": title[:40]})


def titles(db: Database) -> list[str]:
    with db.read() as session:
        return [c.title for c in session.exec(select(Card)).all()]


def test_a_database_locked_past_the_busy_timeout_answers_503(
    join: Join, race: dict[str, Any], db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    author = join("participant", team=0)
    monkeypatch.setattr(settings, "SQLITE_BUSY_TIMEOUT_MS", 50)
    db.engine.dispose()  # new connections get the short timeout
    other = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        response = card(author, race["slug"], "Låst")
        assert response.status_code == 503
        assert response.headers["retry-after"]
        assert "nothing was saved" in soup(response.text).get_text()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "Låst" not in titles(db)
    assert card(author, race["slug"], "Upplåst").status_code == 201


def test_a_full_disk_answers_an_error_and_recovers_when_space_returns(
    join: Join, race: dict[str, Any], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    author = join("participant", team=0)
    monkeypatch.setattr(settings, "RATE_LIMIT_PER_SECOND", 0)
    with db.read() as session:
        pages = session.connection().execute(text("PRAGMA page_count")).scalar()
    limit = {"pages": int(pages or 0) + 2}

    @event.listens_for(db.engine, "connect")
    def _small_disk(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count={limit['pages']}")

    db.engine.dispose()
    statuses = [card(author, race["slug"], f"Full {n} " + "x" * 190).status_code for n in range(60)]
    assert 503 in statuses
    stored = titles(db)
    acknowledged = [n for n, status in enumerate(statuses) if status == 201]
    assert sorted(t.split()[1] for t in stored) == sorted(str(n) for n in acknowledged)
    limit["pages"] = 1_000_000  # space returns
    db.engine.dispose()
    assert card(author, race["slug"], "Plats igen").status_code == 201
