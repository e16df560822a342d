"""The command line: create-race's JSON contract, the demo race, migrate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app import cli, settings
from app.services.races import DEFAULT_AGENDA
from tests.conftest import Join, Kraftsamla


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setattr(settings, "DATABASE_URL", url)
    return url


def test_create_race_prints_the_stable_json(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["create-race", "--name", "Gnosjö Innovationsrace", "--teams", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"slug", "codes", "teams", "phases"}
    assert data["slug"] == "gnosjo-innovationsrace"
    assert set(data["codes"]) == {"participant", "expert", "facilitator", "wall", "jury"}
    assert len(set(data["codes"].values())) == 5
    assert [team["name"] for team in data["teams"]] == ["Lag 1", "Lag 2", "Lag 3"]
    assert all(isinstance(team["id"], int) for team in data["teams"])
    assert len(data["phases"]) == len(DEFAULT_AGENDA)
    assert data["phases"][0]["name"] == "Kick-off" and data["phases"][10]["name"] == "Nattpaus"


def test_the_default_agenda_fills_48_hours() -> None:
    assert sum(item.minutes for item in DEFAULT_AGENDA) == 48 * 60


def test_the_same_name_twice_gets_two_slugs(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["create-race", "--name", "Race", "--json"])
    cli.main(["create-race", "--name", "Race", "--json", "--lang", "en"])
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["slug"] != second["slug"]
    assert second["teams"][0]["name"] == "Team 1"


def test_demo_creates_the_demo_race_once(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["demo"])
    first = capsys.readouterr().out
    cli.main(["demo"])
    second = capsys.readouterr().out
    assert "facilitator" in first and "http://127.0.0.1:8000/" in first
    assert first == second


def test_migrate_reports_the_database(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["migrate"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_too_many_teams_is_refused(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["create-race", "--name", "X", "--teams", "5000", "--json"]) == 2


def test_status_prints_the_race_at_a_glance(
    join: Join, race: dict[str, Any], kraftsamla: Kraftsamla, capsys: pytest.CaptureFixture[str]
) -> None:
    slug = race["slug"]
    assert kraftsamla("status", slug, "--json") == 0
    fresh = json.loads(capsys.readouterr().out)
    assert fresh == {
        "slug": slug,
        "name": "Testracet",
        "ended": False,
        "seq": fresh["seq"],
        "phase": None,
        "teams": 2,
        "people": {"participant": 0, "expert": 0, "facilitator": 0, "wall": 0, "jury": 0},
        "cards": 0,
    }
    facilitator = join("facilitator", "Fia")
    alva = join("participant", "Alva", team=0)
    join("participant", "Bo", team=1)
    facilitator.post(f"/r/{slug}/phases/{race['phases'][0]['id']}/start")
    alva.htmx(f"/r/{slug}/cards", {"title": "Skruv", "column": "idea", "key": "s1"})
    facilitator.post(f"/r/{slug}/phases/{race['phases'][0]['id']}/pause")
    assert kraftsamla("status", slug, "--json") == 0
    found = json.loads(capsys.readouterr().out)
    assert found["phase"] == {"id": race["phases"][0]["id"], "name": "Kick-off", "state": "paused"}
    assert found["people"]["participant"] == 2 and found["people"]["facilitator"] == 1
    assert found["cards"] == 1 and found["seq"] > fresh["seq"]
    assert kraftsamla("status", slug) == 0
    text = capsys.readouterr().out
    assert "Kick-off (paused)" in text and "2 participant" in text and "ended:  no" in text


def test_status_of_an_unknown_race_is_one_line_and_fails(
    race: dict[str, Any], kraftsamla: Kraftsamla, capsys: pytest.CaptureFixture[str]
) -> None:
    assert kraftsamla("status", "finns-inte", "--json") == 1
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1
