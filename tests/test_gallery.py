"""The gallery walk and the planned start: the facilitator's controls, what participants see, live."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select

from app.db import Database
from app.models import Phase, Race
from app.scheduler import Scheduler
from app.services import races
from tests.conftest import Join, oob_ids, soup

# Dates a month or two ahead, whenever the tests run.
SOON = (dt.date.today() + dt.timedelta(days=30)).isoformat()
LATER = (dt.date.today() + dt.timedelta(days=60)).isoformat()


def phase_id(race: dict[str, Any], number: int = 0) -> int:
    return int(race["phases"][number]["id"])


def test_participants_read_other_boards_only_while_the_gallery_is_open(
    join: Join, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator", "Fia")
    alva, bert = join("participant", "Alva", team=0), join("participant", "Bert", team=1)
    slug, other = race["slug"], race["teams"][1]["id"]
    bert.post(f"/r/{slug}/cards", {"title": "Bertas idé", "column": "idea", "key": "b1"})
    board = f"/r/{slug}/teams/{other}/board"
    assert alva.client.get(board, headers={"hx-request": "true"}).status_code == 403
    # Closed before any phase: the control screen says so and refuses.
    assert facilitator.post(f"/r/{slug}/gallery/open", {"phase": str(phase_id(race))}).status_code == 409
    facilitator.post(f"/r/{slug}/phases/{phase_id(race)}/start")
    assert facilitator.post(f"/r/{slug}/gallery/open", {"phase": str(phase_id(race))}).status_code == 303
    assert facilitator.post(f"/r/{slug}/gallery/open", {"phase": str(phase_id(race))}).status_code == 409
    page = alva.page()
    assert page.select_one("#gallery")["data-state"] == "open"
    assert [int(a["data-team"]) for a in page.select("#gallery a[data-team]")] == [other]
    shown = soup(alva.client.get(board, headers={"hx-request": "true"}).text)
    assert shown.select_one(".gallery-mark") is not None
    assert [h3.get_text() for h3 in shown.select(".card h3")] == ["Bertas idé"]
    assert shown.select("form") == [] and shown.select("[hx-post]") == []
    # Reading is not changing: the other team's card refuses Alva's edit and vote.
    with_card = soup(bert.client.get(f"/r/{slug}").text).select_one(".card")["id"].split("-")[1]
    assert alva.post(f"/r/{slug}/cards/{with_card}/edit", {"title": "Mitt nu", "rev": "1"}).status_code in (
        403,
        404,
    )
    # A plain page load goes back to the participant's own screen, where the gallery lives.
    assert alva.client.get(board, follow_redirects=False).status_code == 303
    # The next phase closes it.
    facilitator.post(f"/r/{slug}/phases/{phase_id(race, 1)}/start")
    assert alva.page().select_one("#gallery")["data-state"] == "closed"
    assert alva.client.get(board, headers={"hx-request": "true"}).status_code == 403


def test_closing_the_gallery_reaches_every_participant_at_once(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fia")
    members = [join("participant", name, team=number) for number, name in ((0, "Alva"), (1, "Bert"))]
    slug, shown = race["slug"], {"phase": str(phase_id(race))}
    facilitator.post(f"/r/{slug}/phases/{phase_id(race)}/start")
    with members[0].live() as first, members[1].live() as second:
        for socket in (first, second):
            socket.receive_text()
        facilitator.post(f"/r/{slug}/gallery/open", shown)
        for socket in (first, second):
            frame = socket.receive_text()
            assert "gallery" in oob_ids(frame)
            assert soup(frame).select_one("#gallery")["data-state"] == "open"
        assert facilitator.post(f"/r/{slug}/gallery/close", shown).status_code == 303
        for socket in (first, second):
            frame = socket.receive_text()
            region = soup(frame).select_one("#gallery")
            assert region["data-state"] == "closed" and region.select("a, #gallery-view") == []
    assert facilitator.post(f"/r/{slug}/gallery/close", shown).status_code == 409


def test_only_the_phase_shown_opens_the_gallery(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fia")
    slug = race["slug"]
    facilitator.post(f"/r/{slug}/phases/{phase_id(race)}/start")
    assert facilitator.post(f"/r/{slug}/gallery/open", {"phase": str(phase_id(race, 1))}).status_code == 409


def test_a_planned_start_starts_the_first_phase_once_and_a_hand_start_cancels_it(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator = join("facilitator", "Fia")
    slug = race["slug"]
    assert (
        facilitator.post(f"/r/{slug}/planned-start", {"shown": "", "date": SOON, "time": "10:00"}).status_code
        == 303
    )
    with db.read() as session:
        planned = races.get_race(session, slug).planned_start_ms
    assert planned is not None
    stale = facilitator.post(f"/r/{slug}/planned-start", {"shown": "", "date": LATER, "time": "10:00"})
    assert stale.status_code == 409
    clock = facilitator.page().select_one("#clock .clock-planned")
    assert clock is not None and int(clock["data-planned"]) == planned
    scheduler = Scheduler(db)
    assert scheduler.step(now=planned - 1) == planned
    with db.read() as session:
        assert races.get_race(session, slug).current_phase_id is None
    # Two processes at once: one starts it, the other finds nothing to do.
    assert scheduler.step(now=planned + 5) is None
    assert Scheduler(db).step(now=planned + 6) is None
    with db.read() as session:
        race_row = races.get_race(session, slug)
        first = session.exec(select(Phase).where(Phase.id == phase_id(race))).one()
    assert race_row.current_phase_id == phase_id(race) and first.state == "running"
    assert race_row.planned_start_ms is None


def test_a_phase_started_by_hand_before_the_planned_time_wins(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator = join("facilitator", "Fia")
    slug = race["slug"]
    facilitator.post(f"/r/{slug}/planned-start", {"shown": "", "date": SOON, "time": "10:00"})
    facilitator.post(f"/r/{slug}/phases/{phase_id(race, 2)}/start")
    with db.read() as session:
        planned = session.exec(select(Race.planned_start_ms).where(Race.slug == slug)).one()
    assert Scheduler(db).step(now=(planned or 0) + 1) is None
    with db.read() as session:
        assert races.get_race(session, slug).current_phase_id == phase_id(race, 2)
    cleared = facilitator.post(f"/r/{slug}/planned-start", {"shown": str(planned), "date": "", "time": ""})
    assert cleared.status_code == 409  # started already
