"""The phase clock: state in the database, counted down by the screens, intact after a restart."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from app.db import Database, now_ms
from app.errors import Conflict
from app.main import create_app
from app.models import Event, Phase, Race
from app.models import Person as PersonRow
from app.services import phases
from app.services.people import Viewer
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
    shown = {"from": race["phases"][0]["id"]}
    assert facilitator.post(f"/r/{race['slug']}/phases/next", shown).status_code == 303
    with db.read() as session:
        first, second = (session.get(Phase, race["phases"][i]["id"]) for i in (0, 1))
        current = session.exec(select(Race)).one().current_phase_id
    assert first is not None and second is not None
    assert (first.state, second.state, current) == ("done", "running", second.id)


def test_next_before_the_start_starts_the_first_phase(join: Join, race: dict[str, Any], db: Database) -> None:
    join("facilitator").post(f"/r/{race['slug']}/phases/next", {"from": ""})
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


def state_of(db: Database) -> tuple[Any, ...]:
    """Return the race's seq, current phase and every phase's clock: what a refused action must not change."""
    with db.read() as session:
        race = session.exec(select(Race)).one()
        clocks = session.exec(
            select(Phase.id, Phase.state, Phase.deadline_ms, Phase.remaining_ms).order_by(Phase.id)
        ).all()
        return race.seq, race.current_phase_id, race.undo_seq, tuple(clocks)


def test_next_from_a_phase_that_is_no_longer_current_is_refused(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator = join("facilitator")
    first, second = (race["phases"][i]["id"] for i in (0, 1))
    facilitator.post(phase_path(race, 0, "start"))
    assert facilitator.post(f"/r/{race['slug']}/phases/next", {"from": first}).status_code == 303
    before = state_of(db)
    for stale in (first, "", race["phases"][5]["id"]):
        assert facilitator.post(f"/r/{race['slug']}/phases/next", {"from": stale}).status_code == 409
    assert state_of(db) == before
    assert before[1] == second


def test_next_must_say_which_phase_the_screen_showed(join: Join, race: dict[str, Any], db: Database) -> None:
    facilitator = join("facilitator")
    before = state_of(db)
    assert facilitator.post(f"/r/{race['slug']}/phases/next").status_code == 422
    assert facilitator.post(f"/r/{race['slug']}/phases/next", {"from": "första"}).status_code == 422
    assert state_of(db) == before


def test_start_checks_from_when_given_and_starts_as_before_without(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator = join("facilitator")
    assert (
        facilitator.post(phase_path(race, 2, "start"), {"from": race["phases"][0]["id"]}).status_code == 409
    )
    assert state_of(db)[1] is None
    assert facilitator.post(phase_path(race, 2, "start"), {"from": ""}).status_code == 303
    assert facilitator.post(phase_path(race, 4, "start")).status_code == 303
    assert state_of(db)[1] == race["phases"][4]["id"]


def test_two_extends_from_the_same_clock_add_the_time_once(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator, other = join("facilitator", "Fia"), join("facilitator", "Frans")
    facilitator.post(phase_path(race, 0, "start"))
    shown = facilitator.page().select_one("#clock-extend-5").find_parent("form")
    fields = {field["name"]: field["value"] for field in shown.select("input[type=hidden]")}
    assert fields["from"] == str(race["phases"][0]["id"]) and fields["clock"].startswith("running:")
    deadline = state_of(db)[3][0][2]
    assert facilitator.post(phase_path(race, 0, "extend"), fields).status_code == 303
    assert other.post(phase_path(race, 0, "extend"), fields).status_code == 409
    assert other.post(phase_path(race, 0, "pause"), fields).status_code == 409
    assert state_of(db)[3][0][2] == deadline + 5 * 60_000


def test_a_refused_clock_action_shows_why_by_the_controls_and_the_clock_as_it_is(
    join: Join, race: dict[str, Any]
) -> None:
    facilitator, other = join("facilitator", "Fia"), join("facilitator", "Frans")
    facilitator.post(phase_path(race, 0, "start"))
    other.post(f"/r/{race['slug']}/phases/next", {"from": race["phases"][0]["id"]})
    answer = facilitator.htmx(f"/r/{race['slug']}/phases/next", {"from": race["phases"][0]["id"]})
    assert answer.status_code == 409
    page = soup(answer.text)
    assert page.select_one("#agenda[hx-swap-oob] #clock-msg[role=alert]").get_text().strip()
    assert page.select_one("#agenda-from")["value"] == str(race["phases"][1]["id"])
    assert "Team formation" in page.select_one("#clock[hx-swap-oob] .clock-next").get_text()
    # Without htmx: a page with the same message, the clock as it is now and the way back to the controls.
    plain = facilitator.post(f"/r/{race['slug']}/phases/next", {"from": race["phases"][0]["id"]})
    assert plain.status_code == 409
    page = soup(plain.text)
    assert page.select_one("main [role=alert]").get_text().strip()
    assert page.select_one("#clock")["data-phase"] == str(race["phases"][1]["id"])
    assert page.select_one(f"main a[href='/r/{race['slug']}']") is not None


def _advance_at_once(db: Database, race: dict[str, Any], viewers: list[Any], shown: int | None) -> list[str]:
    barrier = threading.Barrier(len(viewers))
    outcomes: list[str] = []

    def press(viewer: Any) -> None:
        barrier.wait()
        try:
            phases.advance(db, viewer, phases.Shown(shown))
            outcomes.append("moved")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=press, args=(viewer,)) for viewer in viewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_four_facilitators_pressing_next_at_once_advance_one_phase(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    for name in ("Fia", "Frans", "Fredrik", "Frida"):
        join("facilitator", name)
    with db.read() as session:
        race_row = session.exec(select(Race)).one()
        people = session.exec(select(PersonRow).where(PersonRow.role == "facilitator")).all()
    viewers = [Viewer(p.id or 0, p.name, p.role, race_row.id or 0, race["slug"], None, "en") for p in people]
    assert _advance_at_once(db, race, viewers, None) == ["moved", "refused", "refused", "refused"]
    assert state_of(db)[1] == race["phases"][0]["id"]
    first = race["phases"][0]["id"]
    assert _advance_at_once(db, race, viewers, first) == ["moved", "refused", "refused", "refused"]
    assert state_of(db)[1] == race["phases"][1]["id"]
    with db.read() as session:
        started = session.exec(select(Event).where(Event.kind == "phase.started")).all()
    assert len(started) == 2


def test_two_facilitators_posting_next_at_once_through_http_advance_one_phase(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    screens = [join("facilitator", "Fia"), join("facilitator", "Frans")]
    screens[0].post(phase_path(race, 0, "start"))
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def press(screen: Any) -> None:
        barrier.wait()
        statuses.append(
            screen.post(f"/r/{race['slug']}/phases/next", {"from": race["phases"][0]["id"]}).status_code
        )

    threads = [threading.Thread(target=press, args=(screen,)) for screen in screens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303, 409]
    with db.read() as session:
        states = dict(session.exec(select(Phase.id, Phase.state)).all())
    assert state_of(db)[1] == race["phases"][1]["id"]
    assert (states[race["phases"][1]["id"]], states[race["phases"][2]["id"]]) == ("running", "planned")


def test_undo_puts_both_clocks_back_as_they_were_on_every_screen(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator = join("facilitator")
    first, second = race["phases"][0]["id"], race["phases"][1]["id"]
    facilitator.post(phase_path(race, 0, "start"))
    facilitator.post(phase_path(race, 0, "pause"))
    paused = state_of(db)
    with join("wall").live() as wall:
        wall.receive_text()
        facilitator.post(f"/r/{race['slug']}/phases/next", {"from": first})
        assert clock_of(wall.receive_text())["data-state"] == "running"
        undo = facilitator.page().select_one("#clock-undo").find_parent("form")
        assert undo.select_one("input[name=from]")["value"] == str(second)
        assert facilitator.post(f"/r/{race['slug']}/phases/undo", {"from": second}).status_code == 303
        back = clock_of(wall.receive_text())
    assert back["data-state"] == "paused" and "Kick-off" in back.get_text()
    after = state_of(db)
    assert after[1:2] == paused[1:2] and after[3] == paused[3]  # current phase and every clock as before
    assert after[2] is None  # nothing left to undo
    with db.read() as session:
        undone = session.exec(select(Event).where(Event.kind == "phase.undone")).one()
    assert (undone.data["phase"], undone.data["undone"]) == (first, second)
    assert facilitator.page().select_one("#clock-undo") is None
    assert facilitator.post(f"/r/{race['slug']}/phases/undo", {"from": first}).status_code == 409


def test_undo_restores_a_running_phase_with_its_own_deadline(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator = join("facilitator")
    facilitator.post(phase_path(race, 0, "start"))
    before = state_of(db)
    facilitator.post(f"/r/{race['slug']}/phases/next", {"from": race["phases"][0]["id"]})
    facilitator.post(f"/r/{race['slug']}/phases/undo", {"from": race["phases"][1]["id"]})
    assert state_of(db)[1] == before[1] and state_of(db)[3] == before[3]


def test_undo_is_refused_after_two_minutes_or_from_a_stale_screen(
    join: Join, race: dict[str, Any], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    facilitator = join("facilitator")
    facilitator.post(phase_path(race, 0, "start"))
    facilitator.post(f"/r/{race['slug']}/phases/next", {"from": race["phases"][0]["id"]})
    before = state_of(db)
    stale = facilitator.post(f"/r/{race['slug']}/phases/undo", {"from": race["phases"][0]["id"]})
    assert stale.status_code == 409
    later = now_ms() + phases.UNDO_MS + 1
    monkeypatch.setattr(phases, "now_ms", lambda: later)
    late = facilitator.post(f"/r/{race['slug']}/phases/undo", {"from": race["phases"][1]["id"]})
    assert late.status_code == 409
    assert state_of(db) == before


@pytest.mark.parametrize(
    "shown",
    [
        {"clock": ""},
        {"clock": "running:"},
        {"clock": "paused:-1"},
        {"clock": "x" * 70_000},
        {"clock": "\x00"},
        {"from": "-1"},
        {"from": "99999999999999999999"},
        {"from": "1e3"},
        {"from": " "},
    ],
)
def test_a_hostile_shown_state_is_refused_and_changes_nothing(
    join: Join, race: dict[str, Any], db: Database, shown: dict[str, str]
) -> None:
    facilitator = join("facilitator")
    facilitator.post(phase_path(race, 0, "start"))
    before = state_of(db)
    for action in ("pause", "extend"):
        response = facilitator.post(phase_path(race, 0, action), {"minutes": "5", **shown})
        assert response.status_code in (409, 413, 422), (action, response.status_code)
    assert state_of(db) == before
