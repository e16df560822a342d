"""The bad-input battery: every form field of every route, every hostile value; no server error, nothing lost.

It prints a closing figure: inputs tried, server errors (must be 0), contributions lost (must be 0).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select
from starlette.websockets import WebSocketDisconnect

from app import settings as app_settings
from app.db import Database
from app.models import Card
from tests.conftest import ORIGIN, Person, soup
from tests.test_authorization import MATRIX, Row, callers, control_ids

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",  # a lone surrogate
    "\u202eevil\u202c",  # right-to-left override
    "e" + "\u0301" * 10_000,  # ten thousand combining marks
    "x" * 70_000,  # past the body limit
    "x" * 6_000,
    "<script>window.pwned=1</script>",
    '"><img src=x onerror=alert(1)>',
    "<div hx-get='/leave' hx-trigger='load'>",
    "{{ 7*7 }}{% raw %}",
    "%(field)s %s %d",
    "../../etc/passwd",
    "-1",
    "99999999999999999999999",
    "NaN",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    '{"a": {"b": {"c": {"d": []}}}}',
    "\ufeff\u200b\u2028\u2029",
    "😀" * 500,
]
RAW_BODIES = [
    b"title=%FF%FE%FD&column=idea",  # invalid UTF-8, percent-encoded
    b"title=\xff\xfe&column=idea",  # invalid UTF-8, raw
    b"title=%&column=idea",  # a broken escape
    b"title=a&title=b&column=idea&column=need",  # repeated fields
    b"=&&&=&column",  # nameless fields
    b"a" * 1000,
]
COUNTS = {"tried": 0, "server_errors": 0, "lost": 0}
__all__ = ["callers"]  # the authorisation matrix's fixture: one person of every kind


@pytest.fixture(autouse=True)
def no_rate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_settings, "RATE_LIMIT_PER_SECOND", 0)


def ids_for(row: Row, people: dict[str, Person], race: dict[str, Any], db: Database) -> dict[str, Any]:
    """Return the ids a row's path needs, made the way the authorisation matrix makes them."""
    prepared = (
        row.prepare(people, {"slug": race["slug"], "phases": race["phases"]}, db) if row.prepare else {}
    )
    return {
        "slug": race["slug"],
        "phase_id": race["phases"][0]["id"],
        "team_a": race["teams"][0]["id"],
        "code": race["codes"]["participant"],
        "caller": "battery",
        **control_ids(db, race),
        **prepared,
    }


def caller_for(row: Row, people: dict[str, Person]) -> Person:
    for name in ("facilitator", "participant_a", "expert", "wall", "jury", "organiser", "other_organiser"):
        if name in row.allowed:
            return people[name]
    return people["participant_a"]


@pytest.fixture
def people(callers: dict[str, Person]) -> dict[str, Person]:
    return callers


def note(status: int) -> None:
    COUNTS["tried"] += 1
    if status >= 500:
        COUNTS["server_errors"] += 1


POSTS = [row for row in MATRIX if row.method == "POST" and row.path not in ("/join", "/leave")]


@pytest.mark.parametrize("row", POSTS, ids=lambda row: row.path)
def test_every_field_survives_every_hostile_value(
    row: Row, people: dict[str, Person], race: dict[str, Any], db: Database
) -> None:
    ids = ids_for(row, people, race, db)
    person = caller_for(row, people)
    fields = row.data(ids) or {"value": ""}
    path = row.path.format(**ids)
    for field in fields:
        for value in HOSTILE:
            data = {**fields, field: value, "key": f"bad-{COUNTS['tried']}"}
            try:
                response = person.client.post(path, data=data, follow_redirects=False)
            except UnicodeEncodeError:
                continue  # the client cannot even send a lone surrogate as UTF-8: neither can a browser
            note(response.status_code)
            assert response.status_code < 500, (path, field, value[:40], response.status_code)
    for body in RAW_BODIES:
        response = person.client.post(
            path,
            content=body,
            headers={"content-type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
        )
        note(response.status_code)
        assert response.status_code < 500, (path, body[:40], response.status_code)


def test_join_survives_hostile_codes_and_names(people: dict[str, Person], race: dict[str, Any]) -> None:
    person = people["participant_a"]
    for value in HOSTILE:
        for data in ({"code": value, "name": "A"}, {"code": race["codes"]["participant"], "name": value}):
            try:
                response = person.client.post("/join", data=data, follow_redirects=False)
            except UnicodeEncodeError:
                continue
            note(response.status_code)
            assert response.status_code < 500


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(min_size=1, max_size=250), body=st.text(max_size=300))
def test_acknowledged_cards_are_stored_exactly_as_shown(
    people: dict[str, Person], race: dict[str, Any], db: Database, title: str, body: str
) -> None:
    person = people["participant_a"]
    key = f"h-{COUNTS['tried']}"
    try:
        response = person.htmx(
            f"/r/{race['slug']}/cards", {"title": title, "body": body, "column": "idea", "key": key}
        )
    except UnicodeEncodeError:
        return
    note(response.status_code)
    assert response.status_code < 500
    if response.status_code == 201:
        shown = soup(response.text).select('hx-partial[hx-target="#col-idea-cards"] .card h3')[-1].get_text()
        with db.read() as session:
            stored = session.exec(select(Card).order_by(Card.id.desc())).first()  # type: ignore[union-attr]
        if stored is None or stored.title != shown:
            COUNTS["lost"] += 1
        assert stored is not None and stored.title == shown
        card = response.text.split('<hx-partial hx-target="#col-idea-cards"')[1].split("</hx-partial>")[0]
        assert "<script" not in card.lower()


@pytest.mark.parametrize(
    "message",
    [
        b"\xff\xfe binary",
        "not json",
        '{"type": "time"}',
        '{"type": "time", "client": "x"}',
        "[" * 10_000,
        "x" * 70_000,
    ],
)
def test_malformed_socket_messages_are_ignored_or_closed(people: dict[str, Person], message: Any) -> None:
    wall = people["wall"]
    with wall.client.websocket_connect(f"/r/{wall.slug}/live", headers={"origin": ORIGIN}) as socket:
        while not socket.receive_text().startswith('{"type": "synced"'):
            pass
        if isinstance(message, bytes):
            socket.send_bytes(message)
        else:
            socket.send_text(message)
        socket.send_json({"type": "time", "client": 5})
        try:
            answer = socket.receive_json()
            assert answer["client"] == 5
        except WebSocketDisconnect as closed:
            assert closed.code in (1003, 1007, 1008, 1009)
    note(200)


def test_zz_closing_figure(capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(
            f"\nbad-input battery: {COUNTS['tried']} inputs tried, {COUNTS['server_errors']} server errors, "
            f"{COUNTS['lost']} contributions lost"
        )
    assert COUNTS["server_errors"] == 0 and COUNTS["lost"] == 0
