"""Alembic, driven from code: `kraftsamla migrate`, `serve` and the tests use it.

Migrations run under a lock, so that processes started together (a systemd template's units, `serve
--workers`) migrate one after another and the later ones find the schema done: a PostgreSQL advisory lock
held by the migrating transaction, a file lock beside a SQLite database.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app import settings
from app.db import make_engine

MIGRATIONS = settings.MIGRATIONS_DIR
# pg_advisory_xact_lock's key: "kraftsamla" in the first eight bytes, so that it is recognisable in pg_locks.
ADVISORY_KEY = int.from_bytes(b"kraftsam", "big") >> 1
WAITING = "another process is migrating this database; waiting for it to finish"

log = logging.getLogger("kraftsamla")


def alembic_config(url: str) -> Config:
    """Return an Alembic configuration for a database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to a revision, one process at a time."""
    engine = make_engine(url)
    try:
        with sqlite_lock(url), engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                advisory_lock(connection)
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def advisory_lock(connection: Connection) -> None:
    """Hold PostgreSQL's migration lock until the connection's transaction ends, waiting for it if taken."""
    taken = connection.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY}).scalar()
    if not taken:
        log.warning(WAITING)
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})


@contextmanager
def sqlite_lock(url: str) -> Iterator[None]:
    """Hold the migration lock of a SQLite database file, waiting for it if taken (nothing for others)."""
    from app.backup import NotSQLite, sqlite_path

    try:
        database = sqlite_path(url)
    except NotSQLite:
        yield
        return
    database.parent.mkdir(parents=True, exist_ok=True)
    with _lock_file(database).open("a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning(WAITING)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_file(database: Path) -> Path:
    # Beside the database, like its -serving lock and SQLite's own -wal and -shm files.
    return database.with_name(database.name + "-migrating")
