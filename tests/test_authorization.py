"""Who may do what: every route against every kind of caller, as data. A route without a row fails."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route, WebSocketRoute

from app.db import Database
from tests.conftest import Person
from tests.matrix import CALLERS, MATRIX, Row, call, callers, control_ids, db_url, event_count, played, race

__all__ = ["callers", "db_url", "played", "race"]  # the matrix's fixtures: tests start from the played race

# Routes whose path is a pattern in the app: the rows that cover each.
PATTERNS = {
    "/r/{slug}/phases/{phase_id:int}/{action}": "/r/{slug}/phases/{phase_id}/",
    "/r/{slug}/requests/{request_id:int}/{action}": "/r/{slug}/requests/{request_id}/",
    "/r/{slug}/review/csv/{table}": "/r/{slug}/review/csv/",
    "/r/{slug}/review/people/{person_id:int}/export": "/r/{slug}/review/people/1/export",
    "/r/{slug}/review/people/{person_id:int}/erase": "/r/{slug}/review/people/1/erase",
    "/home/races/{slug}/codes/{role}": "/home/races/{slug}/codes/",
}
# The other routes' typed parameters, as the rows write them.
PARAMS = {
    "{phase_id:int}": "{phase_id}",
    "{challenge_id:int}": "{challenge_id}",
    "{team_id:int}": "{team_a}",
    "{person_id:int}": "{person_id}",
    "{card_id:int}": "{card_id}",
    "{need_id:int}": "{need_id}",
    "{criterion_id:int}": "{criterion_id}",
    "{conflict_id:int}": "{conflict_id}",
    "{juror_id:int}": "{juror_id}",
    "{template_id:int}": "{template_id}",
}


def test_every_route_has_a_row(app: Starlette) -> None:
    covered = {row.path for row in MATRIX}
    missing = []
    for route in app.routes:
        if isinstance(route, Mount):
            continue
        assert isinstance(route, Route | WebSocketRoute)
        prefix = PATTERNS.get(route.path)
        if prefix is not None:
            if not any(path.startswith(prefix) for path in covered):
                missing.append(route.path)
        elif _plain(route.path) not in covered:
            missing.append(route.path)
    assert missing == []


def _plain(path: str) -> str:
    for typed, plain in PARAMS.items():
        path = path.replace(typed, plain)
    return path


@pytest.mark.parametrize("row", MATRIX, ids=lambda row: f"{row.method} {row.path}")
def test_each_caller_is_allowed_or_refused_as_designed(
    row: Row, callers: dict[str, Person], race: dict[str, Any], db: Database
) -> None:
    # The refused go first, so each refusal meets the state the allowed will change.
    order = sorted(CALLERS, key=lambda caller: caller in row.allowed)
    extra = control_ids(db, race)
    prepared = (
        row.prepare(callers, {"slug": race["slug"], "phases": race["phases"]}, db) if row.prepare else {}
    )
    for caller in order:
        ids = {
            "slug": race["slug"],
            "phase_id": race["phases"][0]["id"],
            "team_a": race["teams"][0]["id"],
            "code": race["codes"]["participant"],
            "caller": caller,
            **extra,
            **prepared,
        }
        if caller in row.allowed and "phases/{phase_id}/" in row.path and not row.path.endswith("start"):
            callers["facilitator"].client.post(f"/r/{race['slug']}/phases/{ids['phase_id']}/start")
            if row.path.endswith("resume"):
                callers["facilitator"].client.post(f"/r/{race['slug']}/phases/{ids['phase_id']}/pause")
        if caller in row.allowed and "{card_id}/votes" in row.path:
            callers["facilitator"].client.post(f"/r/{race['slug']}/phases/{ids['phase_id']}/start")
            if row.path.endswith("withdraw"):
                callers["participant_a"].client.post(f"/r/{race['slug']}/cards/{ids['card_id']}/votes")
        before = event_count(db)
        status = call(callers[caller], row, ids)
        if caller in row.allowed:
            assert status < 400 or status == 101, f"{caller} was refused ({status})"
        else:
            assert status in (303, 401, 403, 404, 1008), f"{caller} was let through ({status})"
            if status == 303:
                assert row.method == "GET", f"{caller} got a redirect on a write"
            assert event_count(db) == before, f"{caller} changed something although refused"
