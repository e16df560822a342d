"""Export, import into a fresh database, export again: the same document; CSV per entity; progress lines."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import SQLModel, col, select

from app.db import Database
from app.migrate import upgrade
from app.models import Card, Criterion, Event, JuryConflict, Outcome, OutcomeCard, Person, Race, Score, Team
from app.services import exports
from tests.conftest import Join, Kraftsamla
from tests.helpers import play


@pytest.fixture
def played(join: Join, race: dict[str, Any], db: Database) -> dict[str, Any]:
    """Play the race, end it, record an outcome and let the jury score; return who played."""
    played = play(join, race)
    assert played["boss"].post(f"/r/{race['slug']}/end").status_code == 303
    with db.read() as session:
        card = session.exec(select(Card).where(Card.title == "Fästen av trä")).one()
    response = played["boss"].post(
        f"/r/{race['slug']}/review/outcomes",
        {
            "team": card.team_id,
            "kind": "patent",
            "date": "2027-03-01",
            "note": "Ansökan inlämnad",
            "cards": [card.id],
        },
    )
    assert response.status_code == 303, response.text
    _judged(join, race, db, played["boss"])
    return played


def _judged(join: Join, race: dict[str, Any], db: Database, boss: Any) -> None:
    """Add a criterion, let a juror declare a stake and score a team, and reveal the scores."""
    slug = race["slug"]
    assert boss.post(f"/r/{slug}/jury/criteria", {"name": "Hållbarhet", "weight": "2"}).status_code == 303
    juror = join("jury", "Jana")
    first, second = (team["id"] for team in race["teams"][:2])
    stake = {"company": "Sågverket", "stake": str(second), "reason": "Kusin", "action": "save"}
    assert juror.post(f"/r/{slug}/jury/identity", stake).status_code == 303
    with db.read() as session:
        criteria = session.exec(select(Criterion.id).order_by(col(Criterion.position))).all()
    form = {f"c{criterion}": "4" for criterion in criteria} | {"comment": "Stark pitch", "key": "jury-1"}
    assert juror.post(f"/r/{slug}/jury/teams/{first}", form).status_code == 303
    assert boss.post(f"/r/{slug}/jury/reveal", {"reveal": "1"}).status_code == 303


@pytest.mark.usefixtures("played")
def test_export_import_export_gives_the_same_document(
    race: dict[str, Any], kraftsamla: Kraftsamla, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "first.json"
    assert kraftsamla("export", race["slug"], "--out", str(first)) == 0
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert kraftsamla("import", str(first), url=fresh) == 0
    second = tmp_path / "second.json"
    assert kraftsamla("export", race["slug"], "--out", str(second), url=fresh) == 0
    assert first.read_bytes() == second.read_bytes()
    document = json.loads(first.read_text())
    tables = document["tables"]
    assert {table.name for table in exports.tables()} == set(
        tables
    )  # every table of the models, none forgotten
    assert len(tables["card"]["rows"]) == 3 and len(tables["cardrevision"]["rows"]) == 3
    assert len(tables["outcome"]["rows"]) == 1 and len(tables["outcomecard"]["rows"]) == 1
    assert tables["event"]["rows"] and "personsession" not in tables
    assert len(tables["criterion"]["rows"]) == 6 and len(tables["score"]["rows"]) == 6
    assert len(tables["juryconflict"]["rows"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"Exported race {race['slug']}: ") and "rows in" in lines[0]
    assert lines[1].startswith(f"Imported race {race['slug']}: ")


@pytest.mark.usefixtures("played")
def test_import_next_to_another_race_moves_the_ids(
    race: dict[str, Any], db: Database, tmp_path: Path
) -> None:
    document = exports.export_race(db, race["slug"])
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(other_url)
    other = Database(other_url)
    from app.services import races

    races.create_race(other, "Ett annat race", teams=5)
    exports.import_race(other, document)
    moved = exports.export_race(other, race["slug"])
    assert moved["tables"]["card"]["rows"] != document["tables"]["card"]["rows"]  # ids moved past the others
    with other.read() as session:
        outcome = session.exec(select(Outcome)).one()
        link = session.exec(select(OutcomeCard)).one()
        card = session.get(Card, link.card_id)
        assert card is not None and card.title == "Fästen av trä" and card.team_id == outcome.team_id
        # The jury's rows still point at their own race's criteria, juror and teams, and so do the events.
        race_id = session.exec(select(Race.id).where(Race.slug == race["slug"])).one()
        criteria = set(session.exec(select(Criterion.id).where(Criterion.race_id == race_id)).all())
        teams = set(session.exec(select(Team.id).where(Team.race_id == race_id)).all())
        for score in session.exec(select(Score)):
            juror = session.get(Person, score.juror_id)
            assert score.criterion_id in criteria and score.team_id in teams
            assert juror is not None and juror.name == "Jana" and juror.race_id == race_id
        conflict = session.exec(select(JuryConflict)).one()
        assert conflict.team_id in teams and conflict.juror_id == score.juror_id
        saved = session.exec(select(Event).where(Event.kind == "score.saved")).one()
        assert saved.data["team"] == score.team_id and saved.data["juror"] == score.juror_id
        added = session.exec(select(Event).where(Event.kind == "criterion.added")).one()
        assert added.data["criterion"] in criteria
    other.dispose()


def test_importing_the_same_race_twice_is_refused(race: dict[str, Any], db: Database) -> None:
    document = exports.export_race(db, race["slug"])
    with pytest.raises(Exception, match="already exists"):
        exports.import_race(db, document)


def test_a_foreign_file_is_refused(db: Database) -> None:
    with pytest.raises(Exception, match="not a Kraftsamla"):
        exports.import_race(db, {"format": "something"})


def test_csv_per_entity(race: dict[str, Any], played: dict[str, Any]) -> None:
    response = played["boss"].client.get(f"/r/{race['slug']}/review/csv/card")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(row["title"] for row in rows) == sorted(
        ["Fästen av trä", "Offert-robot", "Kunder vill återvinna"]
    )
    for name in SQLModel.metadata.tables:
        # Sign-in tokens and the organisers' accounts are no race's data.
        expected = 404 if name in exports.SKIPPED else 200
        assert played["boss"].client.get(f"/r/{race['slug']}/review/csv/{name}").status_code == expected


def test_csv_cells_never_become_formulas(join: Join, race: dict[str, Any]) -> None:
    boss = join("facilitator", "Fia")
    alva = join("participant", "=HYPERLINK(1)", team=0)
    alva.htmx(f"/r/{race['slug']}/cards", {"title": "@SUM(A1)", "body": "", "column": "idea", "key": "k1"})
    text = boss.client.get(f"/r/{race['slug']}/review/csv/card").text
    assert "'@SUM(A1)" in text
    assert "'=HYPERLINK(1)" in boss.client.get(f"/r/{race['slug']}/review/csv/person").text


def test_progress_is_shown_on_request_and_ends_with_one_summary_line(
    race: dict[str, Any], kraftsamla: Kraftsamla, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert kraftsamla("export", race["slug"], "--out", str(tmp_path / "x.json"), "--progress") == 0
    captured = capsys.readouterr()
    steps = captured.err.split("\r")
    assert any(step.startswith("export: 1/") for step in steps)
    assert steps[-1].rstrip().startswith(f"export: {len(exports.tables())}/{len(exports.tables())} (100%)")
    assert len(captured.out.splitlines()) == 1


def test_no_progress_when_stderr_is_not_a_terminal(
    race: dict[str, Any], kraftsamla: Kraftsamla, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert kraftsamla("export", race["slug"], "--out", str(tmp_path / "x.json")) == 0
    assert capsys.readouterr().err == ""


def test_csv_names_what_its_ids_stand_for_and_gives_moments_in_iso_8601(
    race: dict[str, Any], played: dict[str, Any], db: Database
) -> None:
    response = played["boss"].client.get(f"/r/{race['slug']}/review/csv/card")
    # A byte-order mark first: spreadsheets then read the file as UTF-8 (å, ä, ö).
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    with db.read() as session:
        cards = {card.id: card for card in session.exec(select(Card)).all()}
        people = {person.id: person.name for person in session.exec(select(Person)).all()}
        teams = {team.id: team.name for team in session.exec(select(Team)).all()}
    assert list(rows[0])[:4] == ["id", "race_id", "team_id", "team"]
    for row in rows:
        card = cards[int(row["id"])]
        assert row["author"] == people[card.author_id] and row["team"] == teams[card.team_id]
        moment = dt.datetime.fromisoformat(row["created_at"])
        # In the race's time zone (Stockholm), the same instant as the milliseconds beside it.
        assert moment.utcoffset() in (dt.timedelta(hours=1), dt.timedelta(hours=2))
        assert moment.timestamp() * 1000 == pytest.approx(int(row["created_ms"]), abs=1000)
        assert row["deleted_at"] == ""
    events = list(
        csv.DictReader(
            io.StringIO(
                played["boss"].client.get(f"/r/{race['slug']}/review/csv/event").text.lstrip("\ufeff")
            )
        )
    )
    added = next(row for row in events if row["kind"] == "card.added")
    assert added["person"] == "Alva" and added["team"] == teams[int(added["team_id"])] and added["at"]
