"""/healthz: the database reads and takes writes, and the server recovers once a read-only database is not."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from app import health
from app.db import Database
from app.main import create_app


def test_health_reports_a_database_that_reads_and_writes(db_url: str) -> None:
    with TestClient(create_app(db_url)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    report = response.json()
    assert report["ok"] is True and report["readable"] is True and report["writable"] is True
    assert report.get("listener", True) is True  # PostgreSQL only: this process hears the others


def test_health_reports_a_process_that_does_not_hear_the_others(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("one process on SQLite: there is no listener")
    app = create_app(db_url)
    with TestClient(app) as client:
        assert client.get("/healthz").json()["listener"] is True
        app.state.listener.connected.clear()  # what the listener does while its connection is down
        deaf = client.get("/healthz")
        assert deaf.status_code == 503
        assert deaf.json() == {"ok": False, "readable": True, "writable": True, "listener": False}


def test_the_write_probe_records_nothing(db_url: str) -> None:
    db = Database(db_url)
    try:
        with db.engine.connect() as conn:
            before = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        assert db.can_write()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").all() == before
    finally:
        db.dispose()


def _open_read_only(db: Database) -> threading.Event:
    """Make each connection opened from now on refuse writes, as those opened while the file was read-only
    do, until the returned event is set (the file fixed)."""
    fixed = threading.Event()

    def refuse_writes(dbapi_conn: Any, _record: Any) -> None:
        if not fixed.is_set():
            dbapi_conn.execute("PRAGMA query_only = 1")

    event.listen(db.engine, "connect", refuse_writes)
    db.dispose()
    return fixed


def test_a_read_only_database_is_reported_and_the_server_recovers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from app.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'k.db'}"
    upgrade(url)
    app = create_app(url)
    with TestClient(app) as client:
        fixed = _open_read_only(app.state.db)
        refused = client.get("/healthz")
        assert refused.status_code == 503
        assert refused.json() == {"ok": False, "readable": True, "writable": False}
        fixed.set()
        # The refused write closed the connections that could not write: the next ones can.
        recovered = client.get("/healthz")
        assert recovered.status_code == 200, recovered.json()
        assert any("takes writes again" in record.getMessage() for record in caplog.records)


def as_user(path: Path, mode: int) -> bool:
    """os.access for a user who is not root (root may write anything, so the suite's root sees no problem)."""
    return bool(stat.S_IMODE(path.stat().st_mode) & mode << 6) if path.exists() else False


def _sqlite_files(folder: Path) -> Path:
    database = folder / "k.db"
    conn = sqlite3.connect(database)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (a)")
    conn.commit()
    conn.close()
    for suffix in health.SIDE_FILES:
        database.with_name(database.name + suffix).write_bytes(b"")
    return database


def test_side_files_made_while_the_database_was_read_only_get_its_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(
        health.os, "access", lambda path, mode: as_user(Path(path), 2 if mode == os.W_OK else 4)
    )
    database = _sqlite_files(tmp_path)
    database.chmod(0o640)
    for suffix in health.SIDE_FILES:
        database.with_name(database.name + suffix).chmod(0o444)  # as SQLite made them from a 0444 file
    with caplog.at_level(logging.WARNING, logger="kraftsamla"):
        assert health.heal(database) is None
    for suffix in health.SIDE_FILES:
        assert stat.S_IMODE(database.with_name(database.name + suffix).stat().st_mode) == 0o640
    assert len(caplog.records) == 2


def test_what_cannot_be_healed_is_said_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        health.os, "access", lambda path, mode: as_user(Path(path), 2 if mode == os.W_OK else 4)
    )
    database = _sqlite_files(tmp_path)
    database.chmod(0o444)
    problem = health.heal(database)
    assert problem is not None and str(database) in problem and "read-only" in problem


def test_only_sqlites_read_only_error_counts() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA query_only = 1")
    with pytest.raises(sqlite3.OperationalError) as refused:
        conn.execute("CREATE TABLE t (a)")
    assert health.is_readonly(refused.value)
    with pytest.raises(sqlite3.OperationalError) as other:
        conn.execute("SELECT * FROM nowhere")
    assert not health.is_readonly(other.value)
    assert not health.is_readonly(RuntimeError("attempt to write a readonly database"))
