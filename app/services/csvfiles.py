"""The review's CSV files, one per table: ids with the names they stand for, moments in ISO 8601, UTF-8."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table
from sqlmodel import col, select

from app.db import Database
from app.errors import Conflict, NotFound
from app.models import Race
from app.services import exports, review, scoreboard
from app.services.people import Viewer
from app.services.reports import HIDDEN_SCORES, SCORE_TABLES, SCORES_CSV, revealed


def csv_table(db: Database, viewer: Viewer, name: str) -> str:
    """Return one table of the race as CSV (facilitators only); the scores only once revealed."""
    review.require_facilitator(viewer)
    if name in SCORE_TABLES | {SCORES_CSV} and not revealed(db, viewer):
        raise Conflict(HIDDEN_SCORES)
    if name == SCORES_CSV:
        with db.read() as session:
            race = session.get(Race, viewer.race_id)
            assert race is not None
            rows = scoreboard.score_rows(session, race)
        return _csv(["team", "juror", "criterion", "weight", "value", "comment", "counted"], rows)
    with db.engine.connect() as conn, conn.begin():
        timezone = conn.execute(select(Race.timezone).where(col(Race.id) == viewer.race_id)).scalar_one()
        labels = _labels(conn, viewer.race_id)
        for table, rows in exports.race_rows(conn, viewer.race_id):
            if table.name == name:
                names, readable = _readable(table, labels, ZoneInfo(timezone))
                return _csv(names, [readable(row) for row in rows])
    raise NotFound("There is no such table.")


# What names a row of a table a CSV refers to (a person by name, a card by title), beside its id.
LABEL_COLUMNS = {
    "person": "name",
    "team": "name",
    "phase": "name",
    "challenge": "title",
    "card": "title",
    "criterion": "name",
    "need": "title",
}
# Columns in milliseconds that are not moments (a paused phase's time left).
DURATIONS = frozenset({"remaining_ms"})


def _labels(conn: Connection, race_id: int) -> dict[str, dict[int, str]]:
    """Return, per table a CSV may refer to, the race's rows' names by id."""
    found: dict[str, dict[int, str]] = {}
    for table in exports.tables():
        column = LABEL_COLUMNS.get(table.name)
        if column is None:
            continue
        query = select(table.c.id, table.c[column]).where(table.c.race_id == race_id)
        found[table.name] = {row_id: label or "" for row_id, label in conn.execute(query)}
    return found


Row = dict[str, Any]


def _target(table: Table, column: str) -> str | None:
    """Return the table a column refers to, by foreign key or as a known soft reference."""
    keys = table.c[column].foreign_keys
    found = next((key.column.table.name for key in keys), None)
    return exports.SOFT_REFERENCES.get((table.name, column), found)


def _readable(
    table: Table, labels: dict[str, dict[int, str]], zone: ZoneInfo
) -> tuple[list[str], Callable[[Row], Row]]:
    """Return a table's CSV columns and what fills a row: after each id of a named row, its name; after each
    moment in milliseconds, the moment in ISO 8601 in the race's time zone."""
    names: list[str] = []
    fills: dict[str, Callable[[Any], Any]] = {}
    for column in table.columns:
        name, target = column.name, _target(table, column.name)
        names.append(name)
        if target in labels and name != "race_id":
            extra = name.removesuffix("_id") if name.endswith("_id") else f"{name}_name"
            fills[extra] = functools.partial(_name_of, name, labels[target])
        elif name.endswith("_ms") and name not in DURATIONS:
            extra = "at" if name == "at_ms" else name.removesuffix("_ms") + "_at"
            fills[extra] = functools.partial(_moment_of, name, zone)
        else:
            continue
        names.append(extra)

    def readable(row: Row) -> Row:
        return {**row, **{extra: fill(row) for extra, fill in fills.items()}}

    return names, readable


def _name_of(source: str, named: dict[int, str], row: Row) -> str:
    return named.get(row[source], "")


def _moment_of(source: str, zone: ZoneInfo, row: Row) -> str | None:
    return _moment(row[source], zone)


def _moment(epoch_ms: int | None, zone: ZoneInfo) -> str | None:
    if epoch_ms is None:
        return None
    return dt.datetime.fromtimestamp(epoch_ms / 1000, dt.UTC).astimezone(zone).isoformat(timespec="seconds")


def _csv(names: list[str], rows: list[dict[str, Any]]) -> str:
    """Return rows as CSV, starting with a byte-order mark so spreadsheets read it as UTF-8 (å, ä, ö)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(names)
    for row in rows:
        writer.writerow([_cell(row[name]) for name in names])
    return out.getvalue()


def _cell(value: Any) -> str:
    """Return a CSV cell; text a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
