"""Migrations take an empty database to head, and head matches the models."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine.url import make_url
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import make_engine
from app.migrate import upgrade
from tests.conftest import POSTGRES_URL


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


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Return the URL of an empty database, on SQLite and (when a server is given) on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("set KRAFTSAMLA_TEST_POSTGRES_URL to run on PostgreSQL")
    import psycopg

    name = f"kraftsamla_m_{uuid.uuid4().hex[:10]}"
    admin_dsn = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
