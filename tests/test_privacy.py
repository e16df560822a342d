"""Personal data: a person's export, erasure (searched for in the database file), purge, audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine.url import make_url
from sqlmodel import select

from app import cli, settings
from app.db import Database
from app.models import AuditRecord, Card, Person, PersonSession, Race
from app.services import privacy
from tests.conftest import POSTGRES_URL, Join, soup

NAME = "Zelda Kvarnström"
TITLE = "Hemlig idé om vindkraftsverk"


# These read the SQLite file itself (and its WAL) to prove the erased bytes are gone from disk.
SQLITE_FILE = pytest.mark.skipif(bool(POSTGRES_URL), reason="searches the SQLite database file")


def file_bytes(db: Database) -> bytes:
    """Return the database file and its write-ahead log, as they are on disk."""
    path = Path(make_url(db.url).database or "")
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def person_id(db: Database, name: str) -> int:
    with db.read() as session:
        return session.exec(select(Person.id).where(Person.name == name)).one() or 0


def setup(join: Join, race: dict[str, Any]) -> tuple[Any, Any]:
    boss = join("facilitator", "Fia")
    zelda = join("participant", NAME, team=0)
    response = zelda.htmx(
        f"/r/{race['slug']}/cards", {"title": TITLE, "body": "Bara för oss", "column": "idea", "key": "z1"}
    )
    assert response.status_code == 201
    return boss, zelda


@SQLITE_FILE
def test_an_erased_person_is_not_in_the_database_file(join: Join, race: dict[str, Any], db: Database) -> None:
    boss, zelda = setup(join, race)
    target = person_id(db, NAME)
    assert NAME.encode() in file_bytes(db)
    response = boss.post(f"/r/{race['slug']}/review/people/{target}/erase", {"confirm": "yes"})
    assert response.status_code == 303, response.text
    data = file_bytes(db)
    assert NAME.encode() not in data
    assert "Kvarnström".encode() not in data
    assert TITLE.encode() in data  # the race keeps contributions by default: "keep"
    page = soup(boss.client.get(f"/r/{race['slug']}/review").text)
    history = page.select_one(".card-history")
    assert "Former participant" in history.get_text()
    assert zelda.client.get(f"/r/{race['slug']}", follow_redirects=False).status_code == 303  # signed out
    with db.read() as session:
        assert session.exec(select(PersonSession).where(PersonSession.person_id == target)).first() is None
        audit = session.exec(select(AuditRecord)).all()
        assert [(record.action, record.subject_id) for record in audit] == [("person.erased", target)]


@SQLITE_FILE
def test_erasure_removes_contributions_when_the_race_says_so(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    boss, _zelda = setup(join, race)
    response = boss.post(
        f"/r/{race['slug']}/review/privacy", {"retention_days": "365", "erase_mode": "remove"}
    )
    assert response.status_code == 303
    response = boss.post(f"/r/{race['slug']}/review/people/{person_id(db, NAME)}/erase", {"confirm": "yes"})
    assert response.status_code == 303, response.text
    data = file_bytes(db)
    assert NAME.encode() not in data and TITLE.encode() not in data and "Bara för oss".encode() not in data
    with db.read() as session:
        card = session.exec(select(Card)).one()
        assert card.deleted_ms is not None and card.title == ""
    page = soup(boss.client.get(f"/r/{race['slug']}/review").text)
    assert TITLE not in page.get_text()


@SQLITE_FILE
def test_erasure_needs_a_confirmation_and_a_facilitator(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    boss, zelda = setup(join, race)
    target = person_id(db, NAME)
    assert boss.post(f"/r/{race['slug']}/review/people/{target}/erase", {}).status_code == 422
    assert (
        zelda.post(f"/r/{race['slug']}/review/people/{target}/erase", {"confirm": "yes"}).status_code == 403
    )
    assert NAME.encode() in file_bytes(db)


def test_a_person_downloads_what_they_contributed_and_it_is_audited(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    boss, zelda = setup(join, race)
    other = join("participant", "Bo", team=1)
    target = person_id(db, NAME)
    response = zelda.post(f"/r/{race['slug']}/review/people/{target}/export")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment")
    document = json.loads(response.text)
    assert document["tables"]["person"][0]["name"] == NAME
    assert [card["title"] for card in document["tables"]["card"]] == [TITLE]
    assert all(event["person_id"] == target for event in document["tables"]["event"])
    assert other.post(f"/r/{race['slug']}/review/people/{target}/export").status_code == 403
    assert boss.post(f"/r/{race['slug']}/review/people/{target}/export").status_code == 200
    with db.read() as session:
        audit = session.exec(select(AuditRecord)).all()
    assert [record.action for record in audit] == ["person.exported", "person.exported"]


def test_the_privacy_policy_is_checked(join: Join, race: dict[str, Any]) -> None:
    boss = join("facilitator", "Fia")
    assert (
        boss.post(
            f"/r/{race['slug']}/review/privacy", {"retention_days": "0", "erase_mode": "keep"}
        ).status_code
        == 422
    )
    assert (
        boss.post(
            f"/r/{race['slug']}/review/privacy", {"retention_days": "30", "erase_mode": "shred"}
        ).status_code
        == 422
    )


@SQLITE_FILE
def test_purge_anonymises_races_past_their_retention(
    join: Join,
    race: dict[str, Any],
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    boss, _zelda = setup(join, race)
    boss.post(f"/r/{race['slug']}/review/privacy", {"retention_days": "30", "erase_mode": "remove"})
    boss.post(f"/r/{race['slug']}/end")
    assert privacy.purge(db) == (0, 0)  # not yet: the retention period has just begun
    with db.write() as session:
        row = session.exec(select(Race)).one()
        row.ended_ms = (row.ended_ms or 0) - 31 * privacy.DAY_MS
        session.add(row)
    monkeypatch.setattr(settings, "DATABASE_URL", db.url)
    assert cli.main(["purge"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [out[0]] and out[0].startswith("Purged 1 races past their retention: 2 people anonymised")
    data = file_bytes(db)
    assert NAME.encode() not in data and b"Fia" not in data
    assert TITLE.encode() in data  # retention anonymises; it keeps what was made
    with db.read() as session:
        assert session.exec(select(Race)).one().erase_mode == "remove"  # the setting itself is untouched
        assert {record.detail for record in session.exec(select(AuditRecord))} == {"retention"}
    assert privacy.purge(db) == (1, 0)  # a second run finds nobody left to anonymise


def test_the_join_form_says_what_is_stored_and_for_how_long(app_client: Any) -> None:
    page = soup(app_client.get("/?lang=en").text)
    text = " ".join(item.get_text() for item in page.select(".privacy"))
    assert "retention period" in text and "two years" in text
