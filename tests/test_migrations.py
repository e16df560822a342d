"""Migrations take an empty database to head, and head matches the models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import make_engine
from app.migrate import WAITING, advisory_lock, alembic_config, sqlite_lock, upgrade
from tests.conftest import POSTGRES_URL, _postgres_admin, _postgres_url, drop_database


def test_an_empty_database_reaches_head_with_every_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    finally:
        engine.dispose()
    assert set(SQLModel.metadata.tables) <= tables
    assert version is not None
    assert diff == []


def test_upgrading_twice_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    upgrade(url)
    upgrade(url)


def test_every_connection_gets_the_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() > 0
    finally:
        engine.dispose()


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """Return the URL of an empty database (not migrated), on PostgreSQL when the suite runs there."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"kraftsamla_m_{uuid.uuid4().hex[:10]}"
    with _postgres_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _postgres_url(name)
    drop_database(name)


def migrate_process(url: str) -> subprocess.Popen[str]:
    """Start `kraftsamla migrate` on a database, as a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "migrate"],
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def version(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if "alembic_version" not in inspect(conn).get_table_names():
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


@pytest.mark.slow
def test_two_processes_started_together_migrate_one_after_the_other(empty_url: str) -> None:
    processes = [migrate_process(empty_url) for _ in range(2)]
    results = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], results
    assert all("up to date" in out for out, _err in results)
    assert version(empty_url) == ScriptDirectory.from_config(alembic_config(empty_url)).get_current_head()


@contextmanager
def migration_under_way(url: str) -> Iterator[None]:
    """Hold the migration lock as a migrating process does."""
    if url.startswith("sqlite"):
        with sqlite_lock(url):
            yield
        return
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            advisory_lock(connection)
            yield
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_migration_waits_for_the_one_under_way(empty_url: str) -> None:
    with migration_under_way(empty_url):
        process = migrate_process(empty_url)
        assert process.stderr is not None
        waiting = process.stderr.readline()  # said before it waits: the process is blocked now
        assert WAITING in waiting
        assert process.poll() is None
        assert version(empty_url) is None
    out, _err = process.communicate(timeout=120)
    assert process.returncode == 0 and "up to date" in out
    assert version(empty_url) is not None


def test_stored_competences_become_keys_with_the_first_spelling_kept(empty_url: str) -> None:
    upgrade(empty_url, "0006")
    engine = make_engine(empty_url)
    rows = {
        "race": "(id, slug, name, lang, timezone, seq, created_ms) VALUES (1, 'r', 'R', 'sv', 'UTC', 0, 0)",
        "team": "(id, race_id, name, colour, board_locked) VALUES (1, 1, 'Lag', '#000000', false)",
        "person": (
            "(id, race_id, name, role, background, company, competences, created_ms) VALUES"
            """ (1, 1, 'Fredrik', 'participant', 'other', '', '["Hälsa", "Mjukvara", "Trä "]', 0),"""
            """ (2, 1, 'Ebba', 'expert', 'other', '', '["software", "TRA", "mjukvara"]', 0)"""
        ),
        "challenge": (
            "(id, race_id, company, title, description, tags) VALUES"
            """ (1, 1, 'AB', 'T', '', '["Health"]')"""
        ),
        "need": (
            "(id, race_id, company, contact, title, description, market, technology, financing, resources,"
            " tags, urgency, chosen, created_ms) VALUES"
            """ (1, 1, 'AB', '', 'T', '', '', '', '', '', '["Software", "Fiske"]', 2, false, 0)"""
        ),
        "expertrequest": (
            "(id, race_id, team_id, asked_by, question, tags, status, note, rating_word, created_ms) VALUES"
            """ (1, 1, 1, 1, 'Hur?', '["fiske", "Juridik"]', 'open', '', '', 0)"""
        ),
    }
    with engine.begin() as conn:
        for table, values in rows.items():
            conn.execute(text(f"INSERT INTO {table} {values}"))
    engine.dispose()
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            people = [
                json_list(value)
                for (value,) in conn.execute(text("SELECT competences FROM person ORDER BY id"))
            ]
            challenge = json_list(conn.execute(text("SELECT tags FROM challenge")).scalar())
            need = json_list(conn.execute(text("SELECT tags FROM need")).scalar())
            request = json_list(conn.execute(text("SELECT tags FROM expertrequest")).scalar())
            own = conn.execute(text("SELECT key, match_key FROM competence ORDER BY id")).all()
            place = conn.execute(text("SELECT place FROM team")).scalar()
    finally:
        engine.dispose()
    assert people == [["health", "software", "Trä"], ["software", "Trä"]]
    assert (challenge, need, request) == (["health"], ["software", "Fiske"], ["Fiske", "law"])
    assert [tuple(row) for row in own] == [("Trä", "tra"), ("Fiske", "fiske")]
    assert place == ""


def json_list(value: object) -> list[str]:
    """Return a JSON column's list, whichever way the driver hands it over."""
    return json.loads(value) if isinstance(value, str) else list(value)  # type: ignore[arg-type]
