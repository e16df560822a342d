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


@pytest.mark.skipif(not POSTGRES_URL, reason="pg_dump and pg_restore need PostgreSQL")
@pytest.mark.slow
def test_postgresql_round_trip_with_pg_dump(
    join: Join,
    race: dict[str, Any],
    db: Database,
    db_url: str,
    kraftsamla: Kraftsamla,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    play(join, race)
    before = exports.export_race(db, race["slug"])
    dump = tmp_path / "race.dump"
    assert kraftsamla("backup", "--out", str(dump)) == 0
    assert capsys.readouterr().out.startswith("Backed up ")
    assert kraftsamla("backup", "--out", str(dump)) == 1  # never over a file
    join("participant", "Efter backup", team=0)
    # The fixture's app listens on the database: a server runs, and the restore refuses.
    assert kraftsamla("restore", str(dump), "--yes") == 2
    assert "a server is running" in capsys.readouterr().err
    target = f"{db_url}_restored"
    from tests.conftest import _postgres_admin, drop_database

    name = target.rsplit("/", 1)[1]
    with _postgres_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        upgrade(target)
        assert kraftsamla("restore", str(dump), "--yes", url=target) == 0
        restored = Database(target)
        try:
            assert exports.export_race(restored, race["slug"]) == before
        finally:
            restored.dispose()
    finally:
        drop_database(name)


@pytest.mark.slow
def test_a_file_that_is_no_dump_is_refused_before_anything(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(settings, "DATABASE_URL", "postgresql://kraftsamla@127.0.0.1:1/nowhere")
    (tmp_path / "x.dump").write_text("not a dump")
    assert cli.main(["restore", "--yes", str(tmp_path / "x.dump")]) == 1
    assert "not a pg_dump backup" in capsys.readouterr().err


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's online backup")
def test_timed_backups_keep_the_newest(kraftsamla: Kraftsamla, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    for stamp in ("20261201T000000Z", "20261201T001500Z", "20261201T003000Z"):
        (folder / f"kraftsamla-{stamp}.db").write_text("old")
    (folder / "other.db").write_text("not ours")
    assert kraftsamla("backup", "--out", str(folder / "kraftsamla-{time}.db"), "--keep", "2") == 0
    kept = sorted(path.name for path in folder.iterdir())
    assert len(kept) == 3 and kept[0] == "kraftsamla-20261201T003000Z.db" and kept[-1] == "other.db"
    assert sqlite3.connect(folder / kept[1]).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert kraftsamla("backup", "--out", str(folder / "fixed.db"), "--keep", "2") == 2


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
