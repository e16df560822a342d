"""Timed actions: lock and next phase at time-up, the undo's end; done once whoever acts, after restarts."""

from __future__ import annotations

import threading
from typing import Any

from sqlmodel import col, select
from starlette.testclient import TestClient

from app.db import Database
from app.main import create_app
from app.models import Event, Phase, Race
from app.scheduler import RETRY_MS, Scheduler
from app.services import timed
from tests.conftest import ORIGIN, Join, soup

FIELDS = {"minutes": "60", "vote_budget": "5", "board_open": "1", "voting_open": "1"}


def set_timeup(join: Join, race: dict[str, Any], index: int, **flags: str) -> Any:
    """Give a phase the time-up settings through the agenda form, and return the facilitator."""
    facilitator = join("facilitator", "Fia")
    phase = race["phases"][index]
    fields = {**FIELDS, "name": phase["name"], **flags}
    assert facilitator.post(f"/r/{race['slug']}/agenda/{phase['id']}", fields).status_code == 303
    return facilitator


def start(facilitator: Any, race: dict[str, Any], index: int) -> None:
    assert (
        facilitator.post(f"/r/{race['slug']}/phases/{race['phases'][index]['id']}/start").status_code == 303
    )


def phase(db: Database, phase_id: int) -> Phase:
    with db.read() as session:
        found = session.get(Phase, phase_id)
    assert found is not None
    return found


def kinds(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.exec(select(Event.kind).order_by(col(Event.seq))).all())


def current(db: Database) -> int | None:
    with db.read() as session:
        return session.exec(select(Race.current_phase_id)).one()


def test_the_agenda_sets_the_time_up_actions(join: Join, race: dict[str, Any], db: Database) -> None:
    facilitator = set_timeup(join, race, 0, lock_at_end="1", next_at_end="1")
    first = phase(db, race["phases"][0]["id"])
    assert (first.lock_at_end, first.next_at_end) == (True, True)
    item = facilitator.page().select_one(f"#phase-{first.id}")
    assert item.select_one("input[name=lock_at_end]").has_attr("checked")
    assert item.select_one("input[name=next_at_end]").has_attr("checked")
    assert len(item.select(".phase-open .tag")) == 4
    set_timeup(join, race, 0)
    assert (phase(db, first.id or 0).lock_at_end, phase(db, first.id or 0).next_at_end) == (False, False)


def test_the_scheduler_sleeps_until_the_deadline_then_locks_the_boards_once(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator = set_timeup(join, race, 0, lock_at_end="1")
    start(facilitator, race, 0)
    deadline = phase(db, race["phases"][0]["id"]).deadline_ms
    assert deadline is not None
    scheduler = Scheduler(db)
    undo_until = deadline - 60 * 60_000 + 2 * 60_000
    alva = join("participant", "Alva", team=0)
    with alva.live() as screen:
        screen.receive_text()
        assert scheduler.step(undo_until - 1) == undo_until  # the undo closes first
        assert scheduler.step(deadline - 1) == deadline
        assert kinds(db)[-1] == "phase.undo_expired"
        assert scheduler.step(deadline) is None
        frame = soup(screen.receive_text())
        assert frame.select_one("#clock") is None  # each screen counts the time-up itself
        state = frame.select_one("#board-state")
        assert state["data-board"] == "closed" and "Time is up for Kick-off" in state.get_text()
    refused = alva.htmx(f"/r/{race['slug']}/cards", {"title": "Sent", "column": "idea", "key": "late"})
    assert refused.status_code == 409
    assert "Time is up for Kick-off" in facilitator.page().select_one("#clock-locked").get_text()
    assert scheduler.step(deadline + 10_000) is None
    assert kinds(db).count("phase.timeup") == 1


def test_more_time_lifts_the_lock_until_the_new_deadline(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator = set_timeup(join, race, 0, lock_at_end="1")
    start(facilitator, race, 0)
    phase_id = race["phases"][0]["id"]
    deadline = phase(db, phase_id).deadline_ms or 0
    Scheduler(db).step(deadline)
    alva = join("participant", "Alva", team=0)
    assert alva.page().select_one("#board-state")["data-board"] == "closed"
    assert (
        facilitator.post(f"/r/{race['slug']}/phases/{phase_id}/extend", {"minutes": "5"}).status_code == 303
    )
    assert alva.page().select_one("#board-state")["data-board"] == "open"
    assert Scheduler(db).step(deadline + 1) == deadline + 5 * 60_000
    Scheduler(db).step(deadline + 5 * 60_000)
    assert alva.page().select_one("#board-state")["data-board"] == "closed"
    assert kinds(db).count("phase.timeup") == 2


def test_the_next_phase_starts_at_time_up_once_when_two_processes_act(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator = set_timeup(join, race, 0, next_at_end="1")
    start(facilitator, race, 0)
    deadline = phase(db, race["phases"][0]["id"]).deadline_ms or 0
    schedulers = [Scheduler(db), Scheduler(db), Scheduler(db)]
    barrier = threading.Barrier(len(schedulers))

    def run(scheduler: Scheduler) -> None:
        barrier.wait()
        scheduler.step(deadline)

    threads = [threading.Thread(target=run, args=(scheduler,)) for scheduler in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert current(db) == race["phases"][1]["id"]
    assert kinds(db).count("phase.timeup") == 1
    assert kinds(db).count("phase.started") == 2  # the facilitator's and the timed one
    assert phase(db, race["phases"][0]["id"]).state == "done"


def test_undoing_a_timed_start_does_not_start_it_again(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator = set_timeup(join, race, 0, lock_at_end="1", next_at_end="1")
    start(facilitator, race, 0)
    first, second = race["phases"][0]["id"], race["phases"][1]["id"]
    deadline = phase(db, first).deadline_ms or 0
    Scheduler(db).step(deadline)
    assert current(db) == second
    assert facilitator.post(f"/r/{race['slug']}/phases/undo", {"from": second}).status_code == 303
    assert current(db) == first and phase(db, first).state == "running"
    Scheduler(db).step(deadline + 1000)
    assert current(db) == first
    # Back in the phase whose time is up: its boards stay locked until more time or the next phase.
    assert join("participant", team=0).page().select_one("#board-state")["data-board"] == "closed"


def test_the_undo_button_goes_away_when_its_two_minutes_are_over(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator = join("facilitator", "Fia")
    start(facilitator, race, 0)
    with db.read() as session:
        until = session.exec(select(Race.undo_until_ms)).one()
    assert until is not None and facilitator.page().select_one("#clock-undo") is not None
    with facilitator.live() as screen:
        screen.receive_text()
        assert Scheduler(db).step(until - 1) == until
        assert Scheduler(db).step(until) is None
        frame = soup(screen.receive_text())
    assert frame.select_one("#agenda") is not None and frame.select_one("#clock-undo") is None
    assert (
        facilitator.post(f"/r/{race['slug']}/phases/undo", {"from": race["phases"][0]["id"]}).status_code
        == 409
    )


def test_an_ended_race_has_nothing_pending(join: Join, race: dict[str, Any], db: Database) -> None:
    facilitator = set_timeup(join, race, 0, lock_at_end="1", next_at_end="1")
    start(facilitator, race, 0)
    facilitator.post(f"/r/{race['slug']}/end")
    assert timed.pending(db) == []


def test_a_failing_action_is_tried_again_later_and_the_others_still_run(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator = set_timeup(join, race, 0, next_at_end="1")
    start(facilitator, race, 0)
    deadline = phase(db, race["phases"][0]["id"]).deadline_ms or 0

    def broken(*_args: Any) -> bool:
        raise RuntimeError("a broken kind")

    kinds_with_a_broken_one = {**timed.KINDS, "undo": timed.TimedAction(timed.KINDS["undo"].pending, broken)}
    scheduler = Scheduler(db, kinds_with_a_broken_one)
    assert scheduler.step(deadline) == deadline + RETRY_MS
    assert current(db) == race["phases"][1]["id"]


def test_after_a_restart_what_fell_due_meanwhile_is_done(
    db_url: str, join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator = set_timeup(join, race, 0, next_at_end="1")
    start(facilitator, race, 0)
    with db.write() as session:
        # The server was down at the deadline.
        first = session.get(Phase, race["phases"][0]["id"])
        assert first is not None and first.deadline_ms is not None
        first.deadline_ms -= 61 * 60_000
        session.add(first)
    restarted = create_app(db_url)
    try:
        with TestClient(restarted, headers={"origin": ORIGIN}) as browser:
            browser.post("/join", data={"code": race["codes"]["wall"]})
            with browser.websocket_connect(f"/r/{race['slug']}/live") as socket:
                for _ in range(5):
                    clock = soup(socket.receive_text()).select_one("#clock")
                    if clock is not None and "The challenges" in clock.select_one("#clock-phase").get_text():
                        break
                else:
                    raise AssertionError("the restarted server did not start the next phase")
    finally:
        restarted.state.db.dispose()
    assert current(db) == race["phases"][1]["id"]


def test_the_running_scheduler_acts_when_a_change_makes_an_action_due(
    join: Join, race: dict[str, Any], db: Database, app_client: TestClient
) -> None:
    facilitator = join("facilitator", "Fia")
    start(facilitator, race, 0)
    with db.write() as session:
        first = session.get(Phase, race["phases"][0]["id"])
        assert first is not None and first.deadline_ms is not None
        first.deadline_ms -= 61 * 60_000  # its time is up, and nothing asks for an action yet
        session.add(first)
    alva = join("participant", "Alva", team=0)
    with alva.live() as screen:
        screen.receive_text()
        set_timeup(join, race, 0, lock_at_end="1")  # a commit: the app's scheduler looks again
        while True:
            state = soup(screen.receive_text()).select_one("#board-state")
            if state is not None and state["data-board"] == "closed":
                break
    assert kinds(db).count("phase.timeup") == 1
