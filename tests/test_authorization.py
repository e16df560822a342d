"""Who may do what: every route against every kind of caller, as data. A route without a row fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlmodel import func, select
from starlette.applications import Starlette
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.db import Database
from app.models import Event
from app.services import races
from tests.conftest import ORIGIN, Join, Person

CALLERS = (
    "anonymous",
    "participant_a",
    "participant_b",
    "expert",
    "wall",
    "jury",
    "other_facilitator",
    "facilitator",
)
EVERYONE = frozenset(CALLERS)
MEMBERS = EVERYONE - {"anonymous", "other_facilitator"}
PARTICIPANTS = frozenset({"participant_a", "participant_b"})


@dataclass(frozen=True)
class Row:
    """One route: how to call it and who may."""

    method: str
    path: str
    allowed: frozenset[str]
    data: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda _ids: {})
    writes: bool = True


MATRIX: list[Row] = [
    Row("GET", "/", EVERYONE, writes=False),
    Row("GET", "/healthz", EVERYONE, writes=False),
    Row("POST", "/join", EVERYONE, lambda ids: {"code": ids["code"], "name": "Ny"}),
    Row("POST", "/leave", EVERYONE),
    Row("GET", "/r/{slug}", MEMBERS, writes=False),
    Row("POST", "/r/{slug}/lang", EVERYONE, lambda _ids: {"lang": "en"}),
    Row("POST", "/r/{slug}/team", PARTICIPANTS, lambda ids: {"team": ids["team_a"]}),
    Row(
        "POST",
        "/r/{slug}/cards",
        PARTICIPANTS,
        lambda ids: {"title": "Kort", "column": "idea", "key": f"k-{ids['caller']}"},
    ),
    Row("GET", "/r/{slug}/qr.svg", frozenset({"wall", "facilitator"}), writes=False),
    Row("POST", "/r/{slug}/phases/next", frozenset({"facilitator"})),
    Row("POST", "/r/{slug}/phases/{phase_id}/start", frozenset({"facilitator"})),
    Row("POST", "/r/{slug}/phases/{phase_id}/pause", frozenset({"facilitator"})),
    Row("POST", "/r/{slug}/phases/{phase_id}/resume", frozenset({"facilitator"})),
    Row(
        "POST",
        "/r/{slug}/phases/{phase_id}/extend",
        frozenset({"facilitator"}),
        lambda _ids: {"minutes": "1"},
    ),
    Row("WS", "/r/{slug}/live", MEMBERS, writes=False),
    # After the race. Teams review only once the race has ended; here it has not.
    Row("GET", "/r/{slug}/review", frozenset({"facilitator"}), writes=False),
    Row("GET", "/r/{slug}/review/replay", frozenset({"facilitator"}), writes=False),
    Row("GET", "/r/{slug}/review/report", frozenset({"facilitator"}), writes=False),
    Row("GET", "/r/{slug}/review/export.json", frozenset({"facilitator"}), writes=False),
    Row("GET", "/r/{slug}/review/csv/card", frozenset({"facilitator"}), writes=False),
    Row(
        "POST",
        "/r/{slug}/review/outcomes",
        frozenset({"facilitator"}),
        lambda ids: {"team": ids["team_a"], "kind": "patent", "date": "2027-01-01"},
    ),
    Row(
        "POST",
        "/r/{slug}/review/privacy",
        frozenset({"facilitator"}),
        lambda _ids: {"retention_days": "30", "erase_mode": "keep"},
    ),
    # Person 1 is participant_a, the first to join the fresh race: a facilitator or that person may export.
    Row("POST", "/r/{slug}/review/people/1/export", frozenset({"facilitator", "participant_a"})),
    Row(
        "POST", "/r/{slug}/review/people/1/erase", frozenset({"facilitator"}), lambda _ids: {"confirm": "yes"}
    ),
    Row("POST", "/r/{slug}/end", frozenset({"facilitator"})),
]
# Routes whose path is a pattern in the app: the rows that cover each.
PATTERNS = {
    "/r/{slug}/phases/{phase_id:int}/{action}": "/r/{slug}/phases/{phase_id}/",
    "/r/{slug}/review/csv/{table}": "/r/{slug}/review/csv/",
    "/r/{slug}/review/people/{person_id:int}/export": "/r/{slug}/review/people/1/export",
    "/r/{slug}/review/people/{person_id:int}/erase": "/r/{slug}/review/people/1/erase",
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
        elif route.path not in covered:
            missing.append(route.path)
    assert missing == []


@pytest.fixture
def callers(
    join: Join, app: Starlette, server: TestClient, db: Database, race: dict[str, Any]
) -> dict[str, Person]:
    """Sign in one person of every kind (and a facilitator of another race)."""
    people = {
        "participant_a": join("participant", "Anna", team=0),
        "participant_b": join("participant", "Bert", team=1),
        "expert": join("expert", "Eva"),
        "wall": join("wall", ""),
        "jury": join("jury", "Jan"),
        "facilitator": join("facilitator", "Fia"),
    }
    other = races.create_race(db, "Ett annat race", teams=1)
    outsider = TestClient(app, headers={"origin": ORIGIN})
    outsider.portal = server.portal
    outsider.post("/join", data={"code": other["codes"]["facilitator"], "name": "Olle"})
    people["other_facilitator"] = Person(outsider, other["slug"])
    anonymous = TestClient(app, headers={"origin": ORIGIN})
    anonymous.portal = server.portal
    people["anonymous"] = Person(anonymous, race["slug"])
    return people


def event_count(db: Database) -> int:
    with db.read() as session:
        return int(session.exec(select(func.count()).select_from(Event)).one())


def call(person: Person, row: Row, ids: dict[str, Any]) -> int:
    path = row.path.format(**ids)
    if row.method == "WS":
        try:
            with person.client.websocket_connect(path, headers={"origin": ORIGIN}) as socket:
                while not socket.receive_text().startswith('{"type": "synced"'):
                    pass
                return 101
        except WebSocketDisconnect as closed:
            return closed.code
    if row.method == "GET":
        return int(person.client.get(path, follow_redirects=False).status_code)
    return int(person.client.post(path, data=row.data(ids), follow_redirects=False).status_code)


@pytest.mark.parametrize("row", MATRIX, ids=lambda row: f"{row.method} {row.path}")
def test_each_caller_is_allowed_or_refused_as_designed(
    row: Row, callers: dict[str, Person], race: dict[str, Any], db: Database
) -> None:
    # The refused go first, so each refusal meets the state the allowed will change.
    order = sorted(CALLERS, key=lambda caller: caller in row.allowed)
    for caller in order:
        ids = {
            "slug": race["slug"],
            "phase_id": race["phases"][0]["id"],
            "team_a": race["teams"][0]["id"],
            "code": race["codes"]["participant"],
            "caller": caller,
        }
        if caller in row.allowed and "phases/{phase_id}/" in row.path and not row.path.endswith("start"):
            callers["facilitator"].client.post(f"/r/{race['slug']}/phases/{ids['phase_id']}/start")
            if row.path.endswith("resume"):
                callers["facilitator"].client.post(f"/r/{race['slug']}/phases/{ids['phase_id']}/pause")
        before = event_count(db)
        status = call(callers[caller], row, ids)
        if caller in row.allowed:
            assert status < 400 or status == 101, f"{caller} was refused ({status})"
        else:
            assert status in (303, 401, 403, 404, 1008), f"{caller} was let through ({status})"
            if status == 303:
                assert row.method == "GET", f"{caller} got a redirect on a write"
            assert event_count(db) == before, f"{caller} changed something although refused"
