"""The day's agenda with clock times: as it happened, then as the agenda runs on from the open phase."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select

from app.db import Database
from app.models import Phase, Race
from app.services import schedule
from tests.conftest import Join
from tests.helpers import agenda


def shown(page: Any) -> list[tuple[str, str]]:
    """Return each phase of the day as the page shows it: (time, name)."""
    return [
        (item.select_one(".day-time").get_text(), item.select_one(".day-phase").get_text())
        for item in page.select("#day .day-list > li")
    ]


def local(epoch_ms: int, tz: str) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).astimezone(ZoneInfo(tz)).strftime("%H:%M")


def set_timezone(db: Database, race: dict[str, Any], tz: str) -> None:
    with db.write() as session:
        row = session.exec(select(Race).where(Race.slug == race["slug"])).one()
        row.timezone = tz
        session.add(row)


def test_before_the_start_the_day_lists_every_phase_without_times(join: Join, race: dict[str, Any]) -> None:
    times = shown(join("participant", team=0).page())
    assert [name for _, name in times] == [phase["name"] for phase in race["phases"]]
    assert {time for time, _ in times} == {"–"}


def test_the_coming_phases_follow_the_open_one_back_to_back_in_the_races_time_zone(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    set_timezone(db, race, "America/New_York")
    facilitator = join("facilitator", "Fia")
    phases = agenda(db, race)
    assert facilitator.post(f"/r/{race['slug']}/phases/{phases[1].id}/start").status_code == 303
    started = agenda(db, race)[1]
    assert started.started_ms is not None and started.deadline_ms is not None
    expected = ["–", local(started.started_ms, "America/New_York")]
    due = started.deadline_ms
    for phase in phases[2:]:
        expected.append(local(due, "America/New_York"))
        due += phase.planned_minutes * 60_000
    for page in (join("participant", "Alva", team=0).page(), join("wall", "").page(), facilitator.page()):
        assert [time for time, _ in shown(page)] == expected
        assert page.select_one("#day [aria-current=step] .day-phase").get_text() == phases[1].name
    # The phase passed over is done, without a time.
    with db.read() as session:
        slots = schedule.day(session, session.exec(select(Race).where(Race.slug == race["slug"])).one())
    assert (slots[0].start_ms, slots[0].current, slots[0].done) == (None, False, True)


def test_a_paused_phase_pushes_the_coming_ones_by_the_time_it_has_left(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator", "Fia")
    first = race["phases"][0]["id"]
    assert facilitator.post(f"/r/{race['slug']}/phases/{first}/start").status_code == 303
    assert facilitator.post(f"/r/{race['slug']}/phases/{first}/pause").status_code == 303
    with db.read() as session:
        row = session.exec(select(Race).where(Race.slug == race["slug"])).one()
        paused = session.get(Phase, first)
        assert paused is not None and paused.remaining_ms is not None
        slots = schedule.day(session, row)
    # The next phase begins the time left after now: no sooner than the paused phase's planned end.
    assert slots[1].start_ms is not None and paused.started_ms is not None
    assert slots[1].start_ms >= paused.started_ms + paused.planned_minutes * 60_000
    assert slots[2].start_ms == slots[1].start_ms + slots[1].phase.planned_minutes * 60_000
