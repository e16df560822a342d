"""What a SQLite database needs to take writes again after its file was read-only.

SQLite creates a database's -wal and -shm files with the database file's permissions. Opened while the file
was read-only, they stay read-only after the operator makes the database writable again, and every
connection of the process shares the read-only -shm mapping as long as one of them is open: the server
answered 503 forever, and a restart did not help. `heal` gives the side files the database's permissions
(this process made them) and the caller closes every connection, so that the next ones map them afresh.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from pathlib import Path

log = logging.getLogger("kraftsamla")

SQLITE_READONLY = 8
SIDE_FILES = ("-wal", "-shm")


def is_readonly(error: BaseException | None) -> bool:
    """Return True for SQLite's 'attempt to write a readonly database' and its kinds."""
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(error, sqlite3.Error) and isinstance(code, int) and code & 0xFF == SQLITE_READONLY


def heal(database: Path) -> str | None:
    """Make the side files writable when the database is; return what the operator must fix, if anything."""
    if not os.access(database, os.W_OK):
        return f"the database file {database} is read-only: make it writable by this server's user"
    if not os.access(database.parent, os.W_OK):
        return f"the folder {database.parent} is read-only: SQLite writes its -wal and -shm files there"
    mode = stat.S_IMODE(database.stat().st_mode)
    for suffix in SIDE_FILES:
        side = database.with_name(database.name + suffix)
        if side.exists() and not os.access(side, os.W_OK):
            try:
                side.chmod(mode)
            except OSError as error:
                return f"{side} is read-only ({error.strerror}): give it the mode of {database}"
            log.warning("%s was read-only (made while the database was); it now has its mode", side)
    return None
