"""Migrations take an empty database to head, and head matches the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import make_engine
from app.migrate import upgrade


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


def test_existing_teams_are_numbered_per_race_in_the_order_they_were_made(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'numbers.db'}"
    upgrade(url, "0006")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for race_id in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO race (id, slug, name, lang, timezone, seq, created_ms, retention_days,"
                        " erase_mode, intake_open)"
                        " VALUES (:id, :slug, 'R', 'sv', 'UTC', 0, 0, 730, 'keep', 0)"
                    ),
                    {"id": race_id, "slug": f"r{race_id}"},
                )
            for team_id, race_id in ((1, 1), (2, 2), (3, 1), (4, 2), (5, 1)):
                conn.execute(
                    text(
                        "INSERT INTO team (id, race_id, name, colour, board_locked)"
                        " VALUES (:id, :race, 'T', '#000000', 0)"
                    ),
                    {"id": team_id, "race": race_id},
                )
        upgrade(url)
        with engine.connect() as conn:
            numbers = dict(conn.execute(text("SELECT id, number FROM team ORDER BY id")).all())
    finally:
        engine.dispose()
    assert numbers == {1: 1, 2: 1, 3: 2, 4: 2, 5: 3}
