"""The phase clock: state in the database, counted down by the screens, intact after a restart."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from app.db import Database, now_ms
from app.main import create_app
from app.models import Phase, Race
from tests.conftest import Join, soup


def clock_of(frame: str) -> Any:
    clock = soup(frame).select_one("#clock")
    assert clock is not None
    return clock


def phase_path(race: dict[str, Any], index: int, action: str) -> str:
    return f"/r/{race['slug']}/phases/{race['phases'][index]['id']}/{action}"


def test_start_sends_the_deadline_to_every_screen(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator")
    screens = [join("participant", team=0), join("participant", team=1), join("wall"), join("expert")]
    sockets = [screen.live() for screen in screens]
    with sockets[0] as a, sockets[1] as b, sockets[2] as c, sockets[3] as d:
        for socket in (a, b, c, d):
            socket.receive_text()
        before = now_ms()
        facilitator.post(phase_path(race, 0, "start"))
        clocks = [clock_of(socket.receive_text()) for socket in (a, b, c, d)]
    deadlines = {int(clock["data-deadline"]) for clock in clocks}
    assert len(deadlines) == 1
    assert before + 60 * 60_000 <= deadlines.pop() <= now_ms() + 60 * 60_000
    assert {clock["data-state"] for clock in clocks} == {"running"}
    assert all("Kick-off" in clock.get_text() for clock in clocks)
    assert all("The challenges" in clock.select_one(".clock-next").get_text() for clock in clocks)


def test_pause_keeps_the_time_left_and_resume_sets_a_new_deadline(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator")
    with join("wall").live() as socket:
        socket.receive_text()
        facilitator.post(phase_path(race, 0, "start"))
        deadline = int(clock_of(socket.receive_text())["data-deadline"])
        facilitator.post(phase_path(race, 0, "pause"))
        paused = clock_of(socket.receive_text())
        assert paused["data-state"] == "paused" and paused["data-deadline"] == ""
        remaining = int(paused["data-remaining"])
        assert 0 < remaining <= 60 * 60_000
        facilitator.post(phase_path(race, 0, "resume"))
        resumed = clock_of(socket.receive_text())
        assert resumed["data-state"] == "running"
        assert int(resumed["data-deadline"]) >= deadline


def test_extend_adds_minutes(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator")
    with join("wall").live() as socket:
        socket.receive_text()
        facilitator.post(phase_path(race, 0, "start"))
        deadline = int(clock_of(socket.receive_text())["data-deadline"])
        facilitator.post(phase_path(race, 0, "extend"), {"minutes": "5"})
        assert int(clock_of(socket.receive_text())["data-deadline"]) == deadline + 5 * 60_000


def test_next_closes_the_open_phase_and_starts_the_next(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator = join("facilitator")
    facilitator.post(phase_path(race, 0, "start"))
    assert facilitator.post(f"/r/{race['slug']}/phases/next").status_code == 303
    with db.read() as session:
        first, second = (session.get(Phase, race["phases"][i]["id"]) for i in (0, 1))
        current = session.exec(select(Race)).one().current_phase_id
    assert first is not None and second is not None
    assert (first.state, second.state, current) == ("done", "running", second.id)


def test_next_before_the_start_starts_the_first_phase(join: Join, race: dict[str, Any], db: Database) -> None:
    join("facilitator").post(f"/r/{race['slug']}/phases/next")
    with db.read() as session:
        assert session.exec(select(Race)).one().current_phase_id == race["phases"][0]["id"]


@pytest.mark.parametrize("action", ["pause", "resume"])
def test_an_action_that_does_not_fit_the_state_is_refused(
    join: Join, race: dict[str, Any], action: str
) -> None:
    response = join("facilitator").post(phase_path(race, 0, action), headers={"hx-request": "true"})
    assert response.status_code == 409
    assert soup(response.text).select_one("[role=alert]").get_text().strip()


def test_extend_by_an_odd_amount_is_refused(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator")
    facilitator.post(phase_path(race, 0, "start"))
    assert facilitator.post(phase_path(race, 0, "extend"), {"minutes": "500"}).status_code == 409
    assert facilitator.post(phase_path(race, 0, "extend"), {"minutes": "x"}).status_code == 422


@pytest.mark.parametrize("role", ["participant", "wall", "expert", "jury"])
def test_only_a_facilitator_runs_the_clock(join: Join, race: dict[str, Any], db: Database, role: str) -> None:
    assert join(role).post(phase_path(race, 0, "start")).status_code == 403
    with db.read() as session:
        assert session.exec(select(Race)).one().current_phase_id is None


def test_a_phase_of_another_race_is_not_found(join: Join, race: dict[str, Any], db: Database) -> None:
    from app.services import races

    other = races.create_race(db, "Annat", teams=1)
    response = join("facilitator").post(f"/r/{race['slug']}/phases/{other['phases'][0]['id']}/start")
    assert response.status_code == 404


def test_the_clock_survives_a_restart(db_url: str, join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator")
    facilitator.post(phase_path(race, 0, "start"))
    with join("wall").live() as socket:
        before = clock_of(socket.receive_text())
    restarted = create_app(db_url)
    with TestClient(restarted, headers={"origin": "http://testserver"}) as browser:
        browser.post("/join", data={"code": race["codes"]["wall"]})
        with browser.websocket_connect(f"/r/{race['slug']}/live") as socket:
            after = clock_of(socket.receive_text())
    assert after["data-state"] == "running"
    assert after["data-deadline"] == before["data-deadline"]
