"""The database handle: connections in use when it is disposed are closed when they come back."""

from __future__ import annotations

import gc

import pytest
from sqlalchemy import text

from app.db import Database


def test_a_connection_in_use_when_the_database_is_disposed_is_closed_on_its_return(db: Database) -> None:
    """A render thread may still read while the app shuts down; its connection must not be left open."""
    with db.read() as session:
        session.execute(text("SELECT 1"))
        raw = session.connection().connection.dbapi_connection
        db.dispose()
    gc.collect()  # an open connection collected here is an unraisable ResourceWarning: an error in this suite
    with pytest.raises(Exception, match=r"(?i)closed"):
        raw.cursor().execute("SELECT 1")
    with db.read() as session:  # the database still answers, on a fresh pool
        assert session.execute(text("SELECT 1")).scalar() == 1
