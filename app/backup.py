"""Backups of the whole database and restores from them: SQLite's online backup; pg_dump and pg_restore."""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine.url import make_url

Progress = Callable[[str, int, int], None]
PAGES_PER_STEP = 256


class NotSQLite(Exception):
    """The database is not SQLite: use the server's own tools."""


class ToolMissing(Exception):
    """pg_dump or pg_restore is not installed."""


class Damaged(Exception):
    """The file is not a sound SQLite database."""


class InUse(Exception):
    """A server runs on the database (for a restore), or a restore runs on it (for a server)."""


def _lock_file(database: Path) -> Path:
    # Beside the database, like SQLite's own -wal and -shm files.
    return database.with_name(database.name + "-serving")


@contextmanager
def _locked(database: Path, how: int) -> Iterator[IO[bytes]]:
    """Hold the database's serving lock (shared: a server; exclusive: a restore), or raise InUse at once."""
    database.parent.mkdir(parents=True, exist_ok=True)
    with _lock_file(database).open("a+b") as handle:
        try:
            fcntl.flock(handle, how | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InUse(str(database)) from None
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def serving(url: str) -> Iterator[None]:
    """Mark a SQLite database as served while the block runs, so that a restore refuses to overwrite it.

    Every server process holds a shared lock (several may serve one database); a restore takes it exclusively.
    The operating system drops the lock with the process, so a killed server leaves nothing to clean up.
    Other databases need no mark: their restore is the database server's business.
    """
    try:
        database = sqlite_path(url)
    except NotSQLite:
        yield
        return
    with _locked(database, fcntl.LOCK_SH):
        yield


def sqlite_path(url: str) -> Path:
    """Return the file of a SQLite URL, or raise NotSQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise NotSQLite(parsed.get_backend_name())
    return Path(parsed.database)


def _copy(source: sqlite3.Connection, target: sqlite3.Connection, progress: Progress | None) -> int:
    pages = 0

    def report(_status: int, remaining: int, total: int) -> None:
        nonlocal pages
        pages = total
        if progress is not None:
            progress("pages", total - remaining, total)

    source.backup(target, pages=PAGES_PER_STEP, progress=report)
    return pages


def backup(url: str, out: Path, progress: Progress | None = None) -> int:
    """Copy a live SQLite database to a file, page by page while others keep writing; return the pages."""
    source_path = sqlite_path(url)
    if not source_path.is_file():  # connecting would create an empty database and back that up
        raise FileNotFoundError(2, "no database here yet", str(source_path))
    if out.exists():
        raise FileExistsError(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(out)
    try:
        pages = _copy(source, target, progress)
        # A backup is one self-contained file, not a WAL database waiting for its log.
        target.execute("PRAGMA journal_mode=DELETE")
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise Damaged(f"the backup failed its integrity check: {check}")
    finally:
        target.close()
        source.close()
    return pages


def restore(backup_file: Path, url: str, progress: Progress | None = None) -> int:
    """Replace the database's content with a backup's; return the pages. InUse while a server runs on it.

    Overwriting a database under a running server would mix its writes with the backup's pages, and its
    screens would show what is no longer there; no server can start until the restore is done. A file that is
    no sound backup is refused before anything is touched.
    """
    target_path = sqlite_path(url)
    source = _open_backup(backup_file)
    try:
        with _locked(target_path, fcntl.LOCK_EX):
            target = sqlite3.connect(target_path)
            try:
                pages = _copy(source, target, progress)
                target.execute("PRAGMA journal_mode=WAL")
            finally:
                target.close()
    finally:
        source.close()
    return pages


def _open_backup(backup_file: Path) -> sqlite3.Connection:
    """Open a backup read-only once it passed SQLite's integrity check; else raise what is wrong with it."""
    if not backup_file.is_file():
        raise FileNotFoundError(2, "no such file", str(backup_file))
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        check = source.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        source.close()
        raise Damaged(f"{backup_file} is not a SQLite backup ({error})") from None
    if check != "ok":
        source.close()
        raise Damaged(f"the backup failed its integrity check: {check}")
    return source


def is_postgres(url: str) -> bool:
    """Return True for a PostgreSQL URL (backed up with pg_dump)."""
    return make_url(url).get_backend_name() == "postgresql"


def pg_backup(url: str, out: Path) -> int:
    """Dump a PostgreSQL database to a file in pg_dump's custom format; return its size in bytes."""
    if out.exists():
        raise FileExistsError(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        _pg("pg_dump", url, "--format=custom", "--no-owner", f"--file={partial}")
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return out.stat().st_size


def pg_restore(dump: Path, url: str) -> None:
    """Replace a PostgreSQL database's tables with a dump's, in one transaction; InUse while a server runs."""
    if not dump.is_file():
        raise FileNotFoundError(2, "no such file", str(dump))
    try:
        _pg("pg_restore", None, "--list", str(dump))
    except Damaged:
        raise Damaged(f"{dump} is not a pg_dump backup (custom format)") from None
    if _servers(url):
        raise InUse(url)
    _pg(
        "pg_restore",
        url,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        str(dump),
    )


def _servers(url: str) -> int:
    """Return how many server processes listen on the database (each holds a named listening connection)."""
    from app.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            query = text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name LIKE :name"
            )
            return int(conn.execute(query, {"name": "kraftsamla-listen-%"}).scalar() or 0)
    finally:
        engine.dispose()


def _pg(tool: str, url: str | None, *args: str) -> None:
    """Run a PostgreSQL client tool on a database; the password goes in its environment, not its arguments."""
    if shutil.which(tool) is None:
        raise ToolMissing(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    env = dict(os.environ)
    command = [tool, *args]
    if url is not None:
        parsed = make_url(url)
        if parsed.password:
            env["PGPASSWORD"] = str(parsed.password)
        dsn = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        command.insert(1, f"--dbname={dsn}")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise Damaged(f"{tool} failed: {lines[0] if lines else f'exit {done.returncode}'}")
