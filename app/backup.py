"""Backups of the whole database: SQLite's online backup, and a restore from such a file."""

from __future__ import annotations

import fcntl
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy.engine.url import make_url

Progress = Callable[[str, int, int], None]
PAGES_PER_STEP = 256


class NotSQLite(Exception):
    """The database is not SQLite: use the server's own tools."""


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
