"""Alembic, driven from code: `kraftsamla migrate` and the tests use it."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from app import settings
from app.db import make_engine

MIGRATIONS = settings.MIGRATIONS_DIR


def alembic_config(url: str) -> Config:
    """Return an Alembic configuration for a database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to a revision."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
