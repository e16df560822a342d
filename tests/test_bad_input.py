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
from tests.helpers import examples
from tests.matrix import MATRIX, Row, callers, control_ids, db_url, played, race

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
__all__ = ["callers", "db_url", "played", "race"]  # the matrix's fixtures: tests start from the played race


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


@settings(
    max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
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


# What int() and float() take but no form of ours sends, and numbers past any column.
ODD_NUMBERS = [
    "²",
    "١٢",
    "Ⅻ",
    "𝟙",
    "1_000",
    " 7 ",
    "+5",
    "-0",
    "0x10",
    "1e9",
    "9" * 5_000,
    "9" * 20,
    str(2**63),
    str(-(2**63) - 1),
    "inf",
    "nan",
]
SWEEP = ["²", "١٢", "1_000", "9" * 5_000, str(2**64), "nan", " 7 ", "-0"]
VALUES = st.one_of(
    st.sampled_from(ODD_NUMBERS),
    st.integers().map(str),
    st.from_regex(r"[0-9]{1,40}", fullmatch=True),
    st.text(max_size=30),
)


# Fields some forms repeat or number (ticked ids, a score per criterion, a team per participant).
STEMS = ["stake", "cards", "tag", "competence", "c", "p"]
ODD_TAILS = ["²", "١", "-1", "9" * 30, ""]


def field_names(known: list[str]) -> st.SearchStrategy[str]:
    """Return a form's own field names, the same with odd tails (`p²`), and names made up on them."""
    stems = st.sampled_from([*known, *STEMS])
    return st.one_of(
        st.sampled_from(known) if known else stems,
        st.builds(lambda stem, tail: stem + tail, stems, st.sampled_from(ODD_TAILS)),
        st.builds(lambda stem, tail: stem[:1] + tail, stems, st.text(max_size=8)),
    )


@pytest.mark.parametrize("row", POSTS, ids=lambda row: row.path)
def test_odd_numbers_and_odd_field_names_make_no_server_error(
    row: Row, people: dict[str, Person], race: dict[str, Any], db: Database
) -> None:
    """Each field, and every numbered or repeated one, gets each odd number; each gets an odd name."""
    ids = ids_for(row, people, race, db)
    person = caller_for(row, people)
    path, fields = row.path.format(**ids), dict(row.data(ids))
    forms = [{**fields, name: value} for name in fields for value in SWEEP]
    forms += [{**fields, **dict.fromkeys(STEMS, value)} for value in SWEEP]
    forms += [{**fields, **{stem + tail: "1" for stem in [*fields, *STEMS]}} for tail in ODD_TAILS]
    for form in forms:
        response = person.client.post(path, data=form, follow_redirects=False)
        note(response.status_code)
        assert response.status_code < 500, (path, form, response.status_code)


@pytest.mark.parametrize("row", POSTS, ids=lambda row: row.path)
def test_no_form_field_value_or_name_makes_a_server_error(
    row: Row, people: dict[str, Person], race: dict[str, Any], db: Database
) -> None:
    """Property: whatever fields (names and values) a route's form gets, it answers below 500."""
    ids = ids_for(row, people, race, db)
    person = caller_for(row, people)
    path, fields = row.path.format(**ids), dict(row.data(ids))

    @settings(max_examples=examples(25), deadline=None)
    @given(extra=st.dictionaries(field_names(list(fields)), VALUES, max_size=4))
    def answers_below_500(extra: dict[str, str]) -> None:
        posted = {**fields, **extra}
        try:
            response = person.client.post(path, data=posted, follow_redirects=False)
        except UnicodeEncodeError:
            return
        note(response.status_code)
        assert response.status_code < 500, (path, posted, response.status_code)

    answers_below_500()


@pytest.mark.parametrize("value", [str(2**64), "9" * 30, "9" * 5_000])
def test_an_id_past_64_bits_in_a_path_is_refused_with_400(people: dict[str, Person], value: str) -> None:
    person = people["participant_a"]
    assert person.client.get(f"/r/{person.slug}/cards/{value}", follow_redirects=False).status_code == 400
    answer = person.client.post(f"/r/{person.slug}/cards/{value}/edit", data={"title": "x"})
    assert answer.status_code == 400


def test_an_id_within_64_bits_that_names_nothing_is_not_found(people: dict[str, Person]) -> None:
    person = people["participant_a"]
    assert person.client.get(f"/r/{person.slug}/cards/{2**62}", follow_redirects=False).status_code == 404
    assert person.post(f"/r/{person.slug}/team", {"team": str(2**62)}).status_code == 404


@pytest.mark.parametrize("value", [str(2**64), "²", "١", "1_0", "x", ""])
def test_an_id_in_a_form_that_is_no_64_bit_number_is_refused_with_400(
    people: dict[str, Person], value: str
) -> None:
    person = people["participant_a"]
    assert person.post(f"/r/{person.slug}/team", {"team": value}).status_code == 400
    facilitator = people["facilitator"]
    assert facilitator.post(f"/r/{person.slug}/spotlight", {"card": value}).status_code == 400


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
