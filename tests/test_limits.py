"""Limits: bodies over 64 KiB get 413, a flood from one person gets 429 while the others go on."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2 as httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from app import settings
from app.db import Database
from app.limits import Limits, TokenBucket
from app.models import Card, Race
from app.models import Person as PersonRow
from bench.server import LocalServer
from tests.conftest import ORIGIN, Join, soup


def test_a_body_over_the_limit_is_refused_with_413(join: Join, race: dict[str, Any], db: Database) -> None:
    author = join("participant", team=0)
    response = author.htmx(f"/r/{race['slug']}/cards", {"title": "x", "body": "y" * 70_000, "column": "idea"})
    assert response.status_code == 413
    with db.read() as session:
        assert session.exec(select(Card)).all() == []


def test_a_streamed_body_over_the_limit_is_refused_too(join: Join, race: dict[str, Any]) -> None:
    author = join("participant", team=0)

    def chunks() -> Iterator[bytes]:
        yield b"title=x&column=idea&body="
        for _ in range(100):
            yield b"y" * 1024

    response = author.client.post(
        f"/r/{race['slug']}/cards",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    """Set a limit no machine is too slow to hit: five posts, then almost nothing."""
    monkeypatch.setattr(settings, "RATE_LIMIT_PER_SECOND", 0.01)
    monkeypatch.setattr(settings, "RATE_LIMIT_BURST", 5.0)


def test_a_flood_from_one_person_gets_429_and_the_others_are_served(
    join: Join, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    flooder = join("participant", "Flod", team=0)
    calm = join("participant", "Lugn", team=1)
    strict(monkeypatch)
    statuses = [
        flooder.htmx(
            f"/r/{race['slug']}/cards", {"title": f"F{n}", "column": "idea", "key": f"f{n}"}
        ).status_code
        for n in range(40)
    ]
    assert 429 in statuses
    refused = next(n for n, status in enumerate(statuses) if status == 429)
    assert all(status == 201 for status in statuses[:refused])
    answer = calm.htmx(f"/r/{race['slug']}/cards", {"title": "Lugnt", "column": "idea", "key": "calm"})
    assert answer.status_code == 201


def test_the_429_says_when_to_come_back(
    join: Join, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    flooder = join("participant", team=0)
    strict(monkeypatch)
    for n in range(60):
        response = flooder.htmx(
            f"/r/{race['slug']}/cards", {"title": f"F{n}", "column": "idea", "key": f"g{n}"}
        )
        if response.status_code == 429:
            assert int(response.headers["retry-after"]) >= 1
            return
    pytest.fail("no 429")


def test_the_bucket_refills_with_time() -> None:
    bucket = TokenBucket(rate=2, burst=3)
    assert [bucket.take("a", now=0) for _ in range(3)] == [0, 0, 0]
    assert bucket.take("a", now=0) > 0
    assert bucket.take("a", now=1) == 0  # two more tokens after a second
    assert bucket.take("b", now=0) == 0  # someone else is not held back


def browser(
    app: Starlette, app_client: TestClient, address: str = "testclient", **headers: str
) -> TestClient:
    """Return a browser of its own at a client address, on the server's event loop."""
    client = TestClient(
        app, headers={"origin": ORIGIN, **headers}, client=(address, 50000), follow_redirects=False
    )
    client.portal = app_client.portal
    return client


def test_a_made_up_cookie_is_counted_as_its_address(
    app: Starlette, app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    strict(monkeypatch)
    made_up = [
        browser(app, app_client, cookie=f"kraftsamla={secrets.token_urlsafe(40)}").post("/leave").status_code
        for _ in range(10)
    ]
    assert made_up[:5] == [303] * 5 and set(made_up[5:]) == {429}
    assert browser(app, app_client).post("/leave").status_code == 429  # the same address, no cookie at all


def test_an_ended_session_is_counted_as_its_address(
    join: Join, app: Starlette, app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = join("participant", "Ella")
    kept = dict(person.client.cookies)
    person.post("/leave")
    strict(monkeypatch)
    stale = browser(app, app_client)
    stale.cookies.update(kept)
    statuses = [stale.post("/leave").status_code for _ in range(8)]
    assert 429 in statuses
    assert browser(app, app_client).post("/leave").status_code == 429
    assert browser(app, app_client, "10.0.0.9").post("/leave").status_code == 303


def test_valid_joins_from_one_address_are_never_held_back(
    app: Starlette, app_client: TestClient, race: dict[str, Any], db: Database
) -> None:
    # 150 browsers behind one address (each its own device, so each a new person).
    room = [browser(app, app_client, "192.0.2.1") for _ in range(150)]
    statuses = [
        person.post(
            "/join", data={"code": race["codes"]["participant"], "name": f"P{n}"}, follow_redirects=False
        ).status_code
        for n, person in enumerate(room)
    ]
    assert statuses == [303] * 150
    with db.read() as session:
        assert len(session.exec(select(PersonRow)).all()) == 150


def wrong_codes(client: TestClient, count: int) -> list[int]:
    """Try `count` wrong codes, each with a made-up cookie of its own; return the answers."""
    answers = []
    for _ in range(count):
        client.cookies.set("kraftsamla", secrets.token_urlsafe(40))
        answer = client.post(
            "/join", data={"code": secrets.token_hex(4), "name": "X"}, follow_redirects=False
        )
        answers.append(answer.status_code)
    return answers


def test_wrong_codes_are_held_back_per_address_whatever_the_cookie(
    app: Starlette, app_client: TestClient, race: dict[str, Any]
) -> None:
    guesser = browser(app, app_client, "198.51.100.7")
    answers = wrong_codes(guesser, 300)
    assert answers.count(429) > 200 and set(answers) == {422, 429}
    # Held back, a right code gets the same answer as a wrong one: the refusal tells nothing.
    right = guesser.post("/join", data={"code": race["codes"]["participant"], "name": "Y"})
    assert right.status_code == 429
    assert int(right.headers["retry-after"]) >= 1
    room = browser(app, app_client, "192.0.2.1")
    assert room.post("/join", data={"code": race["codes"]["participant"], "name": "Z"}).status_code == 303


def test_wrong_codes_from_every_address_share_one_budget(
    app: Starlette, app_client: TestClient, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "JOIN_GUESSES_PER_MINUTE", 0.6)
    monkeypatch.setattr(settings, "JOIN_GUESSES_BURST", 20.0)
    app.state.limits = Limits()
    answers = [wrong_codes(browser(app, app_client, f"203.0.113.{n}"), 1)[0] for n in range(30)]
    assert answers == [422] * 30  # each address's first wrong code is answered...
    late = browser(app, app_client, "203.0.113.29")
    assert late.post("/join", data={"code": race["codes"]["participant"], "name": "Y"}).status_code == 429
    # ...and one that guessed while the budget lasted is not held
    first = browser(app, app_client, "203.0.113.1")
    assert first.post("/join", data={"code": race["codes"]["participant"], "name": "Y"}).status_code == 303


def test_valid_joins_from_one_address_have_a_ceiling_far_above_a_room(
    app: Starlette, app_client: TestClient, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "JOIN_CEILING_PER_MINUTE", 0.6)
    monkeypatch.setattr(settings, "JOIN_CEILING_BURST", 5.0)
    app.state.limits = Limits()
    script = browser(app, app_client, "192.0.2.66")
    data = {"code": race["codes"]["participant"], "name": "Bot"}
    statuses = [script.post("/join", data=data, follow_redirects=False).status_code for _ in range(8)]
    assert statuses == [303] * 5 + [429] * 3
    assert browser(app, app_client).post("/join", data=data, follow_redirects=False).status_code == 303


def test_the_intake_takes_a_few_needs_per_address(
    join: Join, app: Starlette, app_client: TestClient, race: dict[str, Any], db: Database
) -> None:
    join("facilitator", "Fia").post(f"/r/{race['slug']}/needs/intake", {"open": "1"})
    with db.read() as session:
        token = session.exec(select(Race.intake_token)).one()
    company = browser(app, app_client, "192.0.2.200")
    need = {
        "company": "AB",
        "contact_name": "Sara",
        "contact_means": "sara@example.se",
        "title": "Behov",
        "description": "Text",
        "urgency": "2",
    }
    answers = [company.post(f"/intake/{token}", data={**need, "key": f"n{n}"}) for n in range(15)]
    assert [answer.status_code for answer in answers] == [201] * 10 + [429] * 5
    refused = soup(answers[-1].text)
    assert refused.select_one("#intake-title-field")["value"] == "Behov"  # what was typed is kept
    assert int(answers[-1].headers["retry-after"]) > 60
    assert browser(app, app_client, "192.0.2.201").post(f"/intake/{token}", data=need).status_code == 201


@pytest.mark.parametrize(("lang", "title"), [("sv", "För många förfrågningar"), ("en", "Too many requests")])
def test_a_429_is_a_page_in_the_persons_language_with_the_way_back(
    join: Join, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch, lang: str, title: str
) -> None:
    person = join("participant", team=0)
    person.client.cookies.set("kraftsamla_lang", lang)
    strict(monkeypatch)
    for n in range(10):
        answer = person.post(f"/r/{race['slug']}/cards", {"title": f"K{n}", "column": "idea", "key": f"q{n}"})
    assert answer.status_code == 429
    assert answer.headers["content-type"].startswith("text/html")
    assert int(answer.headers["retry-after"]) >= 1
    page = soup(answer.text)
    assert page.find("html")["lang"] == lang
    assert page.select_one("h1").get_text() == title
    assert page.select_one("main a")["href"] == f"/r/{race['slug']}"
    fragment = person.htmx(f"/r/{race['slug']}/cards", {"title": "K", "column": "idea", "key": "qq"})
    assert fragment.status_code == 429 and soup(fragment.text).find("html") is None
    assert soup(fragment.text).select_one("[role=alert]").get_text().strip()


def test_a_413_is_a_page_in_the_persons_language(join: Join, race: dict[str, Any]) -> None:
    person = join("participant", team=0)
    person.client.cookies.set("kraftsamla_lang", "sv")
    answer = person.post(f"/r/{race['slug']}/cards", {"title": "x", "body": "y" * 70_000, "column": "idea"})
    assert answer.status_code == 413
    page = soup(answer.text)
    assert page.select_one("h1").get_text() == "För stort"
    assert page.select_one("main a")["href"] == f"/r/{race['slug']}"


@pytest.mark.parametrize("length", ["²".encode(), b"9" * 5_000, b"-1", b"1_0"])
def test_an_odd_content_length_is_refused_not_a_server_error(
    join: Join, race: dict[str, Any], length: str
) -> None:
    person = join("participant", team=0)
    answer = person.client.post(
        f"/r/{race['slug']}/cards",
        content=b"title=x&column=idea",
        headers={"content-type": "application/x-www-form-urlencoded", "content-length": length},
    )
    assert answer.status_code == 413


@pytest.mark.slow
def test_through_a_real_server_a_room_joins_and_a_guesser_is_held_back() -> None:
    """On loopback (one address for all): 150 valid joins all get in, then 300 wrong codes with made-up
    cookies are mostly refused, and while held back a right code is refused too."""
    with LocalServer() as server:
        race = server.create_race("Rummet", teams=2)
        server.start()
        headers = {"origin": server.base_url}

        def one_join(number: int) -> int:
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
                data = {"code": race["codes"]["participant"], "name": f"Deltagare {number}"}
                return client.post("/join", data=data).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            room = list(pool.map(one_join, range(150)))
        assert room == [303] * 150
        guesses = []
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as guesser:
            for _ in range(300):
                guesser.cookies.clear()
                guesser.cookies.set("kraftsamla", secrets.token_urlsafe(60))
                data = {"code": secrets.token_hex(3).upper(), "name": "X"}
                guesses.append(guesser.post("/join", data=data).status_code)
            right = guesser.post("/join", data={"code": race["codes"]["participant"], "name": "Y"})
        assert guesses.count(429) > 150 and set(guesses) == {422, 429}
        assert right.status_code == 429 and int(right.headers["retry-after"]) >= 1
        assert server.errors() == []
