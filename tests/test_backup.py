"""`kraftsamla backup` while the app runs, and a restore that brings the same race back."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from app import cli, settings
from app.db import Database
from app.migrate import upgrade
from app.services import exports
from tests.conftest import POSTGRES_URL, Join, Kraftsamla
from tests.test_review import play


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's online backup")
def test_backup_and_restore_round_trip(
    join: Join,
    race: dict[str, Any],
    db: Database,
    kraftsamla: Kraftsamla,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    play(join, race)
    before = exports.export_race(db, race["slug"])
    copy = tmp_path / "backup.db"
    assert kraftsamla("backup", "--out", str(copy), "--progress") == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("Backed up ") and len(captured.out.splitlines()) == 1
    assert "backup: " in captured.err and "(100%)" in captured.err
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    # Something happens after the backup; the restore takes the database back to the moment of the backup.
    join("participant", "Efter backup", team=0)
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    upgrade(target)
    assert kraftsamla("restore", str(copy), url=target) == 2  # refuses without --yes
    assert kraftsamla("restore", str(copy), "--yes", url=target) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("Restored ")
    restored = Database(target)
    try:
        assert exports.export_race(restored, race["slug"]) == before
    finally:
        restored.dispose()


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's online backup")
def test_backup_never_overwrites_a_file(kraftsamla: Kraftsamla, tmp_path: Path) -> None:
    existing = tmp_path / "there.db"
    existing.write_text("keep me")
    assert kraftsamla("backup", "--out", str(existing)) == 1
    assert existing.read_text() == "keep me"


def test_postgresql_is_told_to_use_pg_dump(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(settings, "DATABASE_URL", "postgresql://kraftsamla@localhost/kraftsamla")
    assert cli.main(["backup", "--out", str(tmp_path / "x.db")]) == 2
    assert "pg_dump" in capsys.readouterr().err
