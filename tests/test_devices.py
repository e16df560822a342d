"""One person per browser: the device cookie, joining again as the same person, and what it stops."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from app import auth, settings
from app.db import Database
from app.models import Card, Person, PersonSession, Phase, Vote
from app.services import devices
from tests.conftest import ORIGIN, Join, oob_ids, soup
from tests.conftest import Person as Browser


def rejoin(person: Browser, race: dict[str, Any], role: str = "participant", name: str = "Alva") -> None:
    answer = person.post("/join", {"code": race["codes"][role], "name": name})
    assert answer.status_code == 303, answer.text


def people(db: Database) -> list[Person]:
    with db.read() as session:
        return list(session.exec(select(Person).order_by(col(Person.id))).all())


def device_cookie(response: Any) -> str:
    (found,) = [
        header
        for header in response.headers.get_list("set-cookie")
        if header.startswith(f"{auth.DEVICE_COOKIE}=")
    ]
    return found


def test_the_first_join_makes_a_signed_long_lived_cookie_kept_across_sign_out(
    app: Starlette, app_client: TestClient, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = Browser(TestClient(app, headers={"origin": ORIGIN}), race["slug"])
    browser.client.portal = app_client.portal
    answer = browser.post("/join", {"code": race["codes"]["participant"], "name": "Alva"})
    cookie = device_cookie(answer).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    assert f"max-age={auth.DEVICE_MAX_AGE}" in cookie
    value = browser.client.cookies[auth.DEVICE_COOKIE]
    token = value.rsplit(".", 1)[0]
    # The database keeps a digest of the token, never the token.
    (alva,) = [person for person in people(browser_db(app)) if person.name == "Alva"]
    assert alva.device == devices.digest(token) and token not in (alva.device or "")
    left = browser.post("/leave")
    assert auth.DEVICE_COOKIE not in " ".join(left.headers.get_list("set-cookie"))
    assert browser.client.cookies[auth.DEVICE_COOKIE] == value
    monkeypatch.setattr(settings, "COOKIE_SECURE", True)
    again = browser.post("/join", {"code": race["codes"]["participant"], "name": "Alva"})
    assert "secure" in device_cookie(again).lower()


def browser_db(app: Starlette) -> Database:
    database: Database = app.state.db
    return database


def test_joining_again_from_one_browser_gives_the_same_person_back(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    alva = join("participant", "Alva", team=1)
    first = alva.client.cookies["kraftsamla"]
    alva.post("/leave")
    rejoin(alva, race, name="Alva B")
    (person,) = [p for p in people(db) if p.role == "participant"]
    assert person.team_id == race["teams"][1]["id"] and person.name == "Alva B"
    # A new session; the earlier ones of the person are over.
    assert alva.client.cookies["kraftsamla"] != first
    with db.read() as session:
        open_sessions = session.exec(
            select(PersonSession).where(
                PersonSession.person_id == person.id, col(PersonSession.ended_ms).is_(None)
            )
        ).all()
    assert len(open_sessions) == 1
    assert alva.page().select_one("#team h1").get_text() == race["teams"][1]["name"]
    # Another role from the same browser is another person; another browser is another device.
    rejoin(alva, race, role="jury", name="Alva")
    join("participant", "Alva")
    assert [p.role for p in people(db)] == ["participant", "jury", "participant"]
    devices_of = [p.device for p in people(db)]
    assert devices_of[0] == devices_of[1] != devices_of[2]


def test_a_cookie_that_was_not_signed_here_is_a_new_device(
    app: Starlette, app_client: TestClient, db: Database, race: dict[str, Any]
) -> None:
    browser = Browser(TestClient(app, headers={"origin": ORIGIN}), race["slug"])
    browser.client.portal = app_client.portal
    rejoin(browser, race)
    (alva,) = people(db)
    token = browser.client.cookies[auth.DEVICE_COOKIE].rsplit(".", 1)[0]
    # The same token with a signature made up: not this browser's device.
    forged = TestClient(app, headers={"origin": ORIGIN}, cookies={auth.DEVICE_COOKIE: f"{token}.forged"})
    forged.portal = app_client.portal
    rejoin(Browser(forged, race["slug"]), race)
    assert len(people(db)) == 2 and people(db)[1].device != alva.device


def test_ten_joins_from_one_browser_put_no_more_than_the_budget_on_a_card(
    join: Join, db: Database, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fifty posts in a moment by one person, far faster than anyone posts: the rate limit would stop them.
    monkeypatch.setattr(settings, "RATE_LIMIT_PER_SECOND", 0)
    alva = join("participant", "Alva", team=0)
    added = alva.htmx(f"/r/{race['slug']}/cards", {"title": "Idé", "body": "", "column": "idea", "key": ""})
    assert added.status_code == 201
    with db.read() as session:
        card_id = session.exec(select(Card.id).where(Card.title == "Idé")).one()
    with db.write() as session:
        phase = session.exec(select(Phase).where(Phase.name == "Ideation")).one()
        phase.vote_budget, phase.voting_open = 3, True
        session.add(phase)
    assert join("facilitator", "Fia").post(f"/r/{race['slug']}/phases/{phase.id}/start").status_code == 303
    for number in range(10):
        alva.post("/leave")
        rejoin(alva, race, name=f"Alva {number}")
        # Someone new would have no team: they may choose one at any time, and would vote with a fresh budget.
        assert alva.post(f"/r/{race['slug']}/team", {"team": race["teams"][0]["id"]}).status_code == 303
        for _ in range(3):
            alva.htmx(f"/r/{race['slug']}/cards/{card_id}/votes", {"key": ""})
    with db.read() as session:
        standing = session.exec(
            select(Vote).where(Vote.card_id == card_id, col(Vote.withdrawn_ms).is_(None))
        ).all()
    assert len(standing) == 3
    assert len([p for p in people(db) if p.role == "participant"]) == 1


def test_the_roster_marks_people_who_joined_from_one_device(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fia")
    alva = join("participant", "Alva", team=0)
    join("participant", "Bo", team=0)
    rejoin(alva, race, role="jury", name="Alva Domare")
    marks = {
        item.select_one(".person-name").get_text(): item.select_one(".same-device")
        for item in facilitator.page().select("#roster li")
        if item.select_one(".person-name") is not None
    }
    assert marks["Bo"] is None
    assert "Alva Domare (Jury)" in marks["Alva"].get_text()
    setup = soup(facilitator.client.get(f"/r/{race['slug']}/jury/setup").text)
    assert "Alva (Participant)" in setup.select_one("#conflicts .same-device").get_text()


def test_a_join_from_a_device_someone_used_marks_both_live(join: Join, race: dict[str, Any]) -> None:
    # A join sends the roster's list of people in no team alone; one from a used device marks the earlier
    # person wherever they are, so the whole roster comes.
    facilitator = join("facilitator", "Fia")
    alva = join("participant", "Alva", team=0)
    with facilitator.live() as socket:
        socket.receive_text()
        join("participant", "Bo")
        assert {"roster-free", "move-one-slot"} <= oob_ids(socket.receive_text())
        rejoin(alva, race, role="jury", name="Alva Domare")
        frame = socket.receive_text()
        while "roster" not in oob_ids(frame):  # the jury's progress may come first, in a frame of its own
            frame = socket.receive_text()
    team = soup(frame).select_one(f"#team-{race['teams'][0]['id']}")
    assert "Alva Domare (Jury)" in team.select_one(".same-device").get_text()
