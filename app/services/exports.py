"""A race as one JSON document: written generically over every table, loaded into any database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import app.models  # noqa: F401  (every table registers itself on the metadata)
from app.db import Database
from app.errors import Conflict, Invalid, NotFound

FORMAT = "kraftsamla-race"
VERSION = 1
# Sign-in tokens are credentials, not contributions: never written out. Organisers' accounts, sessions and
# templates belong to this server, not to a race, and who runs a race names them.
SKIPPED = frozenset({"personsession", "organiser", "organisersession", "agendatemplate", "raceorganiser"})
# Columns that hold another table's id without a foreign key (so a move to another database can shift them).
SOFT_REFERENCES = {
    ("race", "current_phase_id"): "phase",
    ("race", "gallery_phase_id"): "phase",
    ("event", "team_id"): "team",
}
# Keys in event data that name rows of other tables; kinds added later that follow these names are covered.
EVENT_DATA_REFERENCES = {
    "card": "card",
    "team": "team",
    "previous": "team",
    "phase": "phase",
    "person": "person",
    "request": "expertrequest",
    "outcome": "outcome",
    "comment": "comment",
    "vote": "vote",
    "announcement": "announcement",
    "challenge": "challenge",
    "need": "need",
    "criterion": "criterion",
    "conflict": "juryconflict",
    "juror": "person",
}

Progress = Callable[[str, int, int], None]
CHUNK = 1000  # rows per insert: progress moves on a large race


def tables() -> list[Table]:
    """Return every exported table, parents before children (then by name, so the order is stable)."""
    return [table for table in SQLModel.metadata.sorted_tables if table.name not in SKIPPED]


def _parent_reference(table: Table, scoped: dict[str, Any]) -> tuple[str, str] | None:
    """Return (column, parent table) through which a table without race_id belongs to a race."""
    for column in sorted(table.columns, key=lambda column: column.name):
        for key in column.foreign_keys:
            if key.column.table.name in scoped:
                return column.name, key.column.table.name
    return None


def race_rows(
    conn: Connection, race_id: int, progress: Progress | None = None
) -> Iterator[tuple[Table, list[dict[str, Any]]]]:
    """Yield each table with the race's rows, ordered by primary key."""
    scoped: dict[str, set[Any]] = {}
    every = tables()
    for number, table in enumerate(every, 1):
        order = [*table.primary_key.columns]
        if table.name == "race":
            query = select(table).where(table.c.id == race_id)
        elif "race_id" in table.c:
            query = select(table).where(table.c.race_id == race_id)
        else:
            parent = _parent_reference(table, scoped)
            if parent is None:
                continue
            column, parent_table = parent
            query = select(table).where(table.c[column].in_(sorted(scoped[parent_table])))
        rows = [dict(row._mapping) for row in conn.execute(query.order_by(*order))]
        if "id" in table.c:
            scoped[table.name] = {row["id"] for row in rows}
        if progress is not None:
            progress(table.name, number, len(every))
        yield table, rows


def export_race(
    db: Database, slug: str, progress: Progress | None = None, skip: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Return the whole race as a document: every table's columns and rows (but those in skip), in order."""
    with db.engine.connect() as conn, conn.begin():
        race_table = SQLModel.metadata.tables["race"]
        race_id = conn.execute(select(race_table.c.id).where(race_table.c.slug == slug)).scalar()
        if race_id is None:
            raise NotFound("There is no race at this address.")
        document: dict[str, Any] = {"format": FORMAT, "version": VERSION, "slug": slug, "tables": {}}
        for table, rows in race_rows(conn, race_id, progress):
            if table.name in skip:
                continue
            names = [column.name for column in table.columns]
            document["tables"][table.name] = {
                "columns": names,
                "rows": [[row[name] for name in names] for row in rows],
            }
    return document


def import_race(db: Database, document: dict[str, Any], progress: Progress | None = None) -> dict[str, int]:
    """Load an exported race; ids move past the target's own rows, so a fresh database keeps them."""
    if document.get("format") != FORMAT or document.get("version") != VERSION:
        raise Invalid("This file is not a Kraftsamla race export.")
    known = {table.name: table for table in tables()}
    found = document.get("tables", {})
    unknown = sorted(set(found) - set(known))
    if unknown:
        raise Invalid(
            "The export has tables this version does not know: %(names)s.", names=", ".join(unknown)
        )
    counts: dict[str, int] = {}
    with db.engine.connect() as conn, conn.begin():
        race_table = known["race"]
        if conn.execute(select(race_table.c.id).where(race_table.c.slug == document.get("slug"))).first():
            raise Conflict("A race with this address already exists here.")
        offsets = {
            name: (conn.execute(select(func.max(table.c.id))).scalar() or 0) if "id" in table.c else 0
            for name, table in known.items()
        }
        every = [table for table in tables() if table.name in found]
        total = sum(len(found[table.name]["rows"]) for table in every)
        done = 0
        for table in every:
            names = found[table.name]["columns"]
            missing = [name for name in names if name not in table.c]
            if missing:
                raise Invalid(
                    "The export has columns this version does not know: %(names)s.", names=", ".join(missing)
                )
            rows = [
                _shift(table, dict(zip(names, values, strict=True)), offsets)
                for values in found[table.name]["rows"]
            ]
            if table.name == "team" and "number" not in names:
                # An export from before team numbers: number the teams in the order they were made.
                for number, row in enumerate(rows, 1):
                    row["number"] = number
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                conn.execute(insert(table), chunk)
                done += len(chunk)
                if progress is not None:
                    progress(table.name, done, total)
            counts[table.name] = len(rows)
            if rows and conn.dialect.name == "postgresql" and "id" in table.c:
                # Ids were given explicitly: move the table's sequence past them for the next insert.
                conn.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence(:name, 'id'), (SELECT max(id) FROM "
                        + table.name
                        + "))"
                    ),
                    {"name": table.name},
                )
    return counts


def _shift(table: Table, row: dict[str, Any], offsets: dict[str, int]) -> dict[str, Any]:
    """Move a row's own id and every id it refers to by its table's offset."""
    for name, value in list(row.items()):
        if value is None:
            continue
        target = None
        if name == "id" and "id" in table.primary_key.columns:
            target = table.name
        for key in table.c[name].foreign_keys:
            target = key.column.table.name
        target = SOFT_REFERENCES.get((table.name, name), target)
        if target is not None and isinstance(value, int):
            row[name] = value + offsets.get(target, 0)
    if table.name == "event" and isinstance(row.get("data"), dict):
        row["data"] = {
            key: value + offsets.get(EVENT_DATA_REFERENCES[key], 0)
            if key in EVENT_DATA_REFERENCES and isinstance(value, int) and not isinstance(value, bool)
            else value
            for key, value in row["data"].items()
        }
    return row
