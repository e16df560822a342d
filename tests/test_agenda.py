"""Editing the agenda: add, remove, reorder, change; refusals change nothing; the right screens follow."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select

from app import i18n
from app.db import Database
from app.models import Card, Event, Person, Phase, Race, Vote
from app.screens.contexts import Read
from app.screens.regions import REGIONS
from app.services import races
from app.templating import render
from tests.conftest import Join, soup
from tests.helpers import agenda

FIELDS = {"name": "Lunch", "minutes": "45", "vote_budget": "5", "board_open": "1"}


def seq(db: Database, race: dict[str, Any]) -> int:
    with db.read() as session:
        return session.exec(select(Race.seq).where(Race.slug == race["slug"])).one()


def last_event(db: Database) -> Event:
    with db.read() as session:
        event = session.exec(select(Event).order_by(col(Event.id).desc())).first()
        assert event is not None
        return event


def test_a_phase_is_added_at_the_end(join: Join, db: Database, race: dict[str, Any]) -> None:
    facilitator = join("facilitator")
    before = agenda(db, race)
    response = facilitator.htmx(
        f"/r/{race['slug']}/agenda", {**FIELDS, "voting_open": "1", "vote_budget": "3"}
    )
    assert response.status_code == 200
    assert soup(response.text).select_one(".notice") is not None
    after = agenda(db, race)
    assert len(after) == len(before) + 1
    added = after[-1]
    assert (added.name, added.planned_minutes, added.position) == ("Lunch", 45, len(before))
    assert (added.board_open, added.voting_open, added.requests_open, added.vote_budget) == (
        True,
        True,
        False,
        3,
    )
    assert last_event(db).kind == "phase.added"
    items = facilitator.page().select("#agenda .phase")
    assert items[-1].select_one(".phase-name").get_text() == "Lunch"


def test_a_phase_is_renamed_and_reconfigured(join: Join, db: Database, race: dict[str, Any]) -> None:
    facilitator = join("facilitator")
    phase_id = race["phases"][2]["id"]
    fields = {"name": "Teams <b>form</b>", "minutes": "30", "vote_budget": "0", "requests_open": "1"}
    assert facilitator.htmx(f"/r/{race['slug']}/agenda/{phase_id}", fields).status_code == 200
    changed = next(phase for phase in agenda(db, race) if phase.id == phase_id)
    assert (changed.name, changed.planned_minutes, changed.vote_budget) == ("Teams <b>form</b>", 30, 0)
    assert (changed.board_open, changed.voting_open, changed.requests_open) == (False, False, True)
    item = facilitator.page().select_one(f"#phase-{phase_id}")
    assert item.select_one(".phase-name").get_text() == "Teams <b>form</b>"  # escaped, shown as typed
    assert item.select_one(".phase-name b") is None


def test_a_running_phase_gets_a_new_deadline_when_its_minutes_change(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator")
    phase_id = race["phases"][0]["id"]
    facilitator.post(f"/r/{race['slug']}/phases/{phase_id}/start")
    deadline = agenda(db, race)[0].deadline_ms or 0
    facilitator.htmx(f"/r/{race['slug']}/agenda/{phase_id}", {**FIELDS, "minutes": "70"})
    assert agenda(db, race)[0].deadline_ms == deadline + 10 * 60_000


@pytest.mark.parametrize("direction", ["up", "down"])
def test_moving_keeps_positions_unique_and_gapless(
    join: Join, db: Database, race: dict[str, Any], direction: str
) -> None:
    facilitator = join("facilitator")
    before = [phase.id for phase in agenda(db, race)]
    moved = before[3]
    response = facilitator.htmx(f"/r/{race['slug']}/agenda/{moved}/move", {"direction": direction})
    assert response.status_code == 200
    after = agenda(db, race)
    assert [phase.position for phase in after] == list(range(len(before)))
    expected = list(before)
    other = 2 if direction == "up" else 4
    expected[3], expected[other] = expected[other], expected[3]
    assert [phase.id for phase in after] == expected


def test_the_ends_of_the_agenda_refuse_to_move_further(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator")
    phases = agenda(db, race)
    first, last = phases[0].id, phases[-1].id
    assert facilitator.htmx(f"/r/{race['slug']}/agenda/{first}/move", {"direction": "up"}).status_code == 409
    assert facilitator.htmx(f"/r/{race['slug']}/agenda/{last}/move", {"direction": "down"}).status_code == 409
    assert (
        facilitator.htmx(f"/r/{race['slug']}/agenda/{first}/move", {"direction": "sideways"}).status_code
        == 422
    )
    assert [phase.id for phase in agenda(db, race)] == [phase.id for phase in phases]


def test_removing_renumbers_and_refuses_the_running_phase(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator")
    phases = agenda(db, race)
    assert facilitator.htmx(f"/r/{race['slug']}/agenda/{phases[1].id}/remove").status_code == 200
    after = agenda(db, race)
    assert phases[1].id not in [phase.id for phase in after]
    assert [phase.position for phase in after] == list(range(len(phases) - 1))
    facilitator.post(f"/r/{race['slug']}/phases/{phases[0].id}/start")
    before = seq(db, race)
    response = facilitator.htmx(f"/r/{race['slug']}/agenda/{phases[0].id}/remove")
    assert response.status_code == 409
    assert "running phase" in soup(response.text).select_one(".error").get_text()
    assert len(agenda(db, race)) == len(phases) - 1
    assert seq(db, race) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "  "}, "Please fill in the name."),
        ({"name": "x" * 81}, "the name can be at most 80 characters."),
        ({"minutes": "0"}, "A phase lasts from 1 to 1440 minutes."),
        ({"minutes": "1441"}, "A phase lasts from 1 to 1440 minutes."),
        ({"minutes": "an hour"}, "Enter a whole number for the minutes."),
        ({"vote_budget": "51"}, "The vote budget is from 0 to 50."),
        ({"vote_budget": "-1"}, "The vote budget is from 0 to 50."),
    ],
)
def test_nonsense_is_refused_with_a_message_and_changes_nothing(
    join: Join, db: Database, race: dict[str, Any], fields: dict[str, str], message: str
) -> None:
    facilitator = join("facilitator")
    phase_id = race["phases"][0]["id"]
    before, before_seq = agenda(db, race), seq(db, race)
    for path in (f"/r/{race['slug']}/agenda", f"/r/{race['slug']}/agenda/{phase_id}"):
        response = facilitator.htmx(path, {**FIELDS, **fields})
        assert response.status_code == 422
        assert soup(response.text).select_one(".error").get_text() == message
    assert [(p.id, p.name, p.planned_minutes, p.vote_budget) for p in agenda(db, race)] == [
        (p.id, p.name, p.planned_minutes, p.vote_budget) for p in before
    ]
    assert seq(db, race) == before_seq


def test_refusals_come_in_the_persons_language(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator")
    facilitator.post(f"/r/{race['slug']}/lang", {"lang": "sv", "next": f"/r/{race['slug']}"})
    response = facilitator.htmx(f"/r/{race['slug']}/agenda", {**FIELDS, "minutes": "0"})
    assert soup(response.text).select_one(".error").get_text() == "En fas är mellan 1 och 1440 minuter lång."


@pytest.mark.parametrize("role", ["participant", "expert", "wall", "jury"])
def test_only_facilitators_edit_the_agenda(join: Join, db: Database, race: dict[str, Any], role: str) -> None:
    person = join(role, team=0 if role == "participant" else None)
    phase_id = race["phases"][1]["id"]
    before, before_seq = agenda(db, race), seq(db, race)
    for path, data in (
        (f"/r/{race['slug']}/agenda", FIELDS),
        (f"/r/{race['slug']}/agenda/{phase_id}", FIELDS),
        (f"/r/{race['slug']}/agenda/{phase_id}/move", {"direction": "up"}),
        (f"/r/{race['slug']}/agenda/{phase_id}/remove", {}),
    ):
        assert person.htmx(path, data).status_code == 403
    assert [(p.id, p.name, p.position) for p in agenda(db, race)] == [
        (p.id, p.name, p.position) for p in before
    ]
    assert seq(db, race) == before_seq


def test_another_races_phase_is_not_found(join: Join, db: Database, race: dict[str, Any]) -> None:
    facilitator = join("facilitator")
    other = races.create_race(db, "Annat race", lang="en", teams=1)
    foreign = other["phases"][1]["id"]
    for path, data in (
        (f"/r/{race['slug']}/agenda/{foreign}", FIELDS),
        (f"/r/{race['slug']}/agenda/{foreign}/move", {"direction": "up"}),
        (f"/r/{race['slug']}/agenda/{foreign}/remove", {}),
    ):
        assert facilitator.htmx(path, data).status_code == 404
    with db.read() as session:
        phase = session.get(Phase, foreign)
        assert phase is not None and phase.name == other["phases"][1]["name"]


def test_a_plain_form_post_goes_back_to_the_screen(join: Join, race: dict[str, Any]) -> None:
    response = join("facilitator").post(f"/r/{race['slug']}/agenda", FIELDS)
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/r/{race['slug']}")


def test_editing_a_later_phase_reaches_the_agenda_and_the_days_times_not_the_boards(
    join: Join, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator")
    member = join("participant", team=0)
    late = race["phases"][8]["id"]
    with facilitator.live() as s_fac, member.live() as s_member:
        s_fac.receive_text()
        s_member.receive_text()
        facilitator.htmx(f"/r/{race['slug']}/agenda/{late}", {**FIELDS, "name": "Fika"})
        frame = s_fac.receive_text()
        assert {el["id"] for el in soup(frame).select("[hx-swap-oob]")} == {"agenda", "day"}
        assert soup(frame).select_one(f"#phase-{late} .phase-name").get_text() == "Fika"
        # The member sees the day's agenda change, and nothing of the facilitators' agenda or the boards.
        frame = s_member.receive_text()
        assert {el["id"] for el in soup(frame).select("[hx-swap-oob]")} == {"day"}
        assert "Fika" in soup(frame).select_one("#day").get_text()


def test_changing_the_next_phase_updates_every_clock(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator")
    screens = [join("participant", team=0), join("wall"), join("expert")]
    sockets = [screen.live() for screen in screens]
    with sockets[0] as a, sockets[1] as b, sockets[2] as c:
        for socket in (a, b, c):
            socket.receive_text()
        # Before the start, the first phase is the one every clock shows as next.
        first = race["phases"][0]["id"]
        facilitator.htmx(f"/r/{race['slug']}/agenda/{first}", {**FIELDS, "name": "Välkomna"})
        for socket in (a, b, c):
            clock = soup(socket.receive_text()).select_one("#clock")
            assert clock is not None
            assert "Välkomna" in clock.select_one(".clock-next").get_text()
        # Moving another phase first changes what comes next, for everyone too.
        facilitator.htmx(f"/r/{race['slug']}/agenda/{race['phases'][1]['id']}/move", {"direction": "up"})
        for socket in (a, b, c):
            clock = soup(socket.receive_text()).select_one("#clock")
            assert clock is not None
            assert race["phases"][1]["name"] in clock.select_one(".clock-next").get_text()


def test_a_phase_with_votes_stays_in_the_agenda(join: Join, db: Database, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fia")
    member = join("participant", "Alva", team=0)
    member.htmx(f"/r/{race['slug']}/cards", {"title": "Idé", "body": "", "column": "idea", "key": "k"})
    phase_id = race["phases"][4]["id"]
    with db.write() as session:
        alva = session.exec(select(Person).where(Person.name == "Alva")).one()
        card = session.exec(select(Card)).one()
        assert alva.id and card.id
        session.add(
            Vote(race_id=alva.race_id, card_id=card.id, person_id=alva.id, phase_id=phase_id, created_ms=0)
        )
    before = seq(db, race)
    response = facilitator.htmx(f"/r/{race['slug']}/agenda/{phase_id}/remove")
    assert response.status_code == 409
    assert phase_id in [phase.id for phase in agenda(db, race)]
    assert seq(db, race) == before


def frame_with(screen: Any, selector: str) -> Any:
    """Return the next frame that has this element (who is online comes in frames of its own)."""
    for _ in range(10):
        found = soup(screen.receive_text())
        if found.select_one(selector) is not None:
            return found
    raise AssertionError(f"no frame with {selector}")


def test_the_agenda_items_follow_the_clock_and_the_order(join: Join, race: dict[str, Any]) -> None:
    # Each phase's item is kept until something it shows changes (app/templating.py, phase_item).
    facilitator = join("facilitator")
    slug, first, second = race["slug"], race["phases"][0]["id"], race["phases"][1]["id"]
    with facilitator.live() as screen:
        screen.receive_text()
        for action, state in [("start", "running"), ("pause", "paused"), ("resume", "running")]:
            facilitator.post(f"/r/{slug}/phases/{first}/{action}")
            item = frame_with(screen, f"#phase-{first}").select_one(f"#phase-{first}")
            assert f"phase-{state}" in item["class"] and item["aria-current"] == "step"
        facilitator.htmx(f"/r/{slug}/agenda/{second}/move", {"direction": "up"})
        moved = frame_with(screen, f"#phase-{second}")
        assert moved.select_one(f"#phase-{second}-up").has_attr("disabled")
        assert not moved.select_one(f"#phase-{first}-up").has_attr("disabled")
        assert "phase-planned" in moved.select_one(f"#phase-{second}")["class"]


def test_an_agenda_item_is_rendered_in_each_screens_language(db: Database, race: dict[str, Any]) -> None:
    agenda = REGIONS["agenda"]
    html = {}
    with db.read() as session:
        found = session.exec(select(Race).where(Race.slug == race["slug"])).one()
        context = agenda.build(Read(session), found, 0)
        for lang in ("en", "sv"):
            with i18n.language(lang):
                html[lang] = render(agenda.template, race=found, **context)
    start = f"#phase-{race['phases'][0]['id']}-start"
    assert soup(html["en"]).select_one(start).get_text() == "Start"
    assert soup(html["sv"]).select_one(start).get_text() == i18n.translate("sv", "Start") != "Start"
