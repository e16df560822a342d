"""What every command shares: the one-line failure, the database it opens, progress, safe names."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from app import settings

if TYPE_CHECKING:
    from app.db import Database  # imported by the commands that open it, to keep the others quick
    from app.progress import Progress

# Databases the commands opened, disposed of when the command ends (app.cli.main).
opened: list[Any] = []


class Failed(Exception):
    """A command that cannot go on: its message is the one line the operator reads."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def database() -> Database:
    """Return the database, migrated to the newest schema first (cheap when it already is)."""
    from app.db import Database
    from app.migrate import upgrade

    upgrade(settings.DATABASE_URL)
    db = Database(settings.DATABASE_URL)
    opened.append(db)
    return db


def progress(label: str, args: argparse.Namespace) -> Progress:
    """Return the progress line of a long command (shown on a terminal, or when --progress asks)."""
    from app.progress import Progress

    return Progress(label, enabled=True if args.progress else None)


def safe_url(url: str) -> str:
    """Return a database URL without its password, for messages."""
    from sqlalchemy.engine.url import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(DATABASE_URL is not a database URL)"


def count_type(low: int, high: int) -> Any:
    """Return an argparse type: a whole number from low to high."""

    def count(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    return count
