"""The command line: create-race's JSON contract, the demo race, migrate; help for everything, and one clear
line for every mistake an operator can make."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app import __version__, cli, settings
from app.services.races import DEFAULT_AGENDA
from tests.conftest import Join, Kraftsamla

ROOT = Path(__file__).resolve().parent.parent


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


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `kraftsamla ARGS` as a process, in a folder of its own, with no settings but `env`."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    found = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(found.choices)


def test_every_command_and_option_has_help() -> None:
    parser = cli.build_parser()
    found = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert {action.dest for action in found._choices_actions if not action.help} == set()
    missing = [
        f"{name} {action.option_strings or action.dest}"
        for name, command in subcommands().items()
        for action in command._actions
        if not action.help
    ]
    assert missing == []


@pytest.mark.slow
def test_help_and_version_write_nothing(tmp_path: Path) -> None:
    for args in (["--help"], ["serve", "--help"], ["--version"]):
        done = run(*args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert run("--version", cwd=tmp_path).stdout.strip() == f"kraftsamla {__version__}"
    assert list(tmp_path.iterdir()) == []  # no data/, no secret_key


def one_line(capsys: pytest.CaptureFixture[str], code: int, expected: int | None = None) -> str:
    """Return the one line a refused command wrote to stderr, checking it refused."""
    err = capsys.readouterr().err
    assert code != 0 if expected is None else code == expected
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_a_missing_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: str
) -> None:
    missing = str(tmp_path / "nowhere.json")
    for args in (["import", missing], ["restore", "--yes", missing]):
        line = one_line(capsys, cli.main(args))
        assert line.startswith(f"kraftsamla {args[0]}:") and "nowhere.json" in line and "no such file" in line


def test_bad_json_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], database: str) -> None:
    cases = {
        "broken.json": "{not json",
        "list.json": "[1, 2]",
        "latin1.json": "",
        "other.json": json.dumps({"format": "something else"}),
        "damaged.json": json.dumps(
            {
                "format": "kraftsamla-race",
                "version": 1,
                "tables": {"race": {"columns": ["id"], "rows": [[1, 2]]}},
            }
        ),
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_bytes(b"\xff\xfe{" if name == "latin1.json" else text.encode())
        line = one_line(capsys, cli.main(["import", str(path)]))
        assert line.startswith("kraftsamla import:"), line
    (tmp_path / "not-a-backup.db").write_text("{}")
    line = one_line(capsys, cli.main(["restore", "--yes", str(tmp_path / "not-a-backup.db")]))
    assert "not a SQLite backup" in line


@pytest.mark.parametrize(
    "args",
    [
        ["serve", "--log-level", "loud"],
        ["serve", "--port", "eighty"],
        ["serve", "--frobnicate"],
        ["create-race"],
        ["create-race", "--name", "X", "--teams", "500"],
        ["create-race", "--name", "X", "--lang", "fr"],
        ["demo", "--port", "x"],
        ["export", "demo"],
        ["import"],
        ["backup"],
        ["restore"],
        ["purge", "extra"],
        ["migrate", "--now"],
        ["frobnicate"],
        [],
    ],
)
def test_bad_options_are_one_line(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(args)
    line = one_line(capsys, int(stopped.value.code or 0), 2)
    assert line.startswith("kraftsamla") and "--help" in line


@pytest.mark.slow
def test_a_bad_setting_stops_every_command_with_one_line(tmp_path: Path) -> None:
    done = run("migrate", cwd=tmp_path, env={"KRAFTSAMLA_LOG_FORMAT": "xml"})
    assert done.returncode == 2
    assert done.stderr.strip() == "kraftsamla: setting KRAFTSAMLA_LOG_FORMAT='xml' is not one of text, json"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_database_that_does_not_answer_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    (tmp_path / "a-file").write_text("")
    for url in (
        "postgresql://k:secret@127.0.0.1:1/k",
        "not a url",
        f"sqlite:///{tmp_path}/a-file/x.db",
    ):
        done = run("migrate", cwd=tmp_path, env={"DATABASE_URL": url})
        assert done.returncode == 1, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "secret" not in done.stderr


def test_export_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: str
) -> None:
    assert cli.main(["create-race", "--name", "Skriv inte över", "--json"]) == 0
    slug = json.loads(capsys.readouterr().out)["slug"]
    out = tmp_path / "race.json"
    out.write_text("keep me")
    line = one_line(capsys, cli.main(["export", slug, "--out", str(out)]))
    assert "--force" in line
    assert out.read_text() == "keep me"
    assert cli.main(["export", slug, "--out", str(out), "--force"]) == 0
    assert json.loads(out.read_text())["slug"] == slug
    assert not list(tmp_path.glob("*.partial"))


def test_backup_of_no_database_creates_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "none.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli.settings, "DATABASE_URL", f"sqlite:///{database}")
        line = one_line(capsys, cli.main(["backup", "--out", str(tmp_path / "b.db")]))
    assert "none.db" in line and "no such file" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_make_clean_never_deletes_data() -> None:
    recipe = subprocess.run(
        ["make", "-n", "clean"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    removed = {
        word.rstrip("/") for line in recipe.splitlines() if line.startswith("rm") for word in line.split()
    }
    assert removed and "data" not in removed and not any(re.match(r"\.?/?data\b", w) for w in removed)


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
