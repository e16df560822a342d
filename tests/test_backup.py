"""`kraftsamla backup` while the app runs, and a restore that brings the same race back."""

from __future__ import annotations

import fcntl
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from app import backup, cli, settings
from app.db import Database
from app.main import create_app
from app.migrate import upgrade
from app.services import exports
from tests.conftest import POSTGRES_URL, Join, Kraftsamla
from tests.helpers import play


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


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's online backup")
def test_restore_refuses_while_a_server_runs_and_a_server_waits_for_a_restore(
    kraftsamla: Kraftsamla, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    upgrade(source)
    copy = tmp_path / "backup.db"
    assert kraftsamla("backup", "--out", str(copy), url=source) == 0
    target = f"sqlite:///{tmp_path / 'served.db'}"
    upgrade(target)
    with TestClient(create_app(target)) as client:
        assert client.get("/healthz").status_code == 200
        capsys.readouterr()
        assert kraftsamla("restore", str(copy), "--yes", url=target) == 2
        assert "a server is running on this database" in capsys.readouterr().err
        assert client.get("/healthz").status_code == 200  # it serves on, nothing overwritten
    # Stopped: the restore goes ahead.
    assert kraftsamla("restore", str(copy), "--yes", url=target) == 0
    # A server does not start on a database while a restore holds it, and says why.
    with (
        backup._locked(tmp_path / "served.db", fcntl.LOCK_EX),
        pytest.raises(RuntimeError, match="a restore is running"),
        TestClient(create_app(target)),
    ):
        pass
    with TestClient(create_app(target)) as client:
        assert client.get("/healthz").status_code == 200
