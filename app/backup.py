"""Backups of the whole database: SQLite's online backup, and a restore from such a file."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine.url import make_url

Progress = Callable[[str, int, int], None]
PAGES_PER_STEP = 256


class NotSQLite(Exception):
    """The database is not SQLite: use the server's own tools."""


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
            raise RuntimeError(f"the backup failed its integrity check: {check}")
    finally:
        target.close()
        source.close()
    return pages


def restore(backup_file: Path, url: str, progress: Progress | None = None) -> int:
    """Replace the database's content with a backup's (the server should be stopped); return the pages."""
    target_path = sqlite_path(url)
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        check = source.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise RuntimeError(f"the backup failed its integrity check: {check}")
        target_path.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(target_path)
        try:
            pages = _copy(source, target, progress)
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
    finally:
        source.close()
    return pages
