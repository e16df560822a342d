"""Team membership: who may change team when, the facilitator's switch, and sockets that follow a move."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import func, select
from starlette.websockets import WebSocketDisconnect

from app.db import Database
from app.errors import Conflict
from app.models import Event, Person, PersonSession
from app.screens import Renderer, audience
from app.services import cards, people
from tests.conftest import Join, LiveSession, soup


def team_of(db: Database, name: str) -> int | None:
    with db.read() as session:
        return session.exec(select(Person.team_id).where(Person.name == name)).one()


def events(db: Database) -> int:
    with db.read() as session:
        return int(session.exec(select(func.count()).select_from(Event)).one())


def start(facilitator: Any, race: dict[str, Any], phase: int = 0) -> None:
    answer = facilitator.post(f"/r/{race['slug']}/phases/{race['phases'][phase]['id']}/start")
    assert answer.status_code == 303


def choose(person: Any, race: dict[str, Any], team: int) -> Any:
    return person.post(f"/r/{race['slug']}/team", {"team": race["teams"][team]["id"]})


def switch(facilitator: Any, race: dict[str, Any], open_: bool) -> Any:
    return facilitator.htmx(f"/r/{race['slug']}/team-choice", {"open": "1" if open_ else "0"})


def test_team_choice_is_open_until_the_first_phase_starts(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator", "Fia")
    alva = join("participant", "Alva", team=0)
    # Before the start a member may change team, and the team's head offers the other teams.
    offered = alva.page().select("#team-change form input[name=team]")
    assert [field["value"] for field in offered] == [str(race["teams"][1]["id"])]
    assert choose(alva, race, 1).status_code == 303
    assert team_of(db, "Alva") == race["teams"][1]["id"]
    start(facilitator, race)
    assert alva.page().select_one("#team-change") is None
    before = events(db)
    refused = choose(alva, race, 0)
    assert refused.status_code == 403
    assert "Team choice is closed" in soup(refused.text).select_one("main").get_text()
    assert team_of(db, "Alva") == race["teams"][1]["id"]
    assert events(db) == before


def test_the_refusal_is_a_page_in_the_persons_language(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fia")
    alva = join("participant", "Alva", team=0)
    alva.post(f"/r/{race['slug']}/lang", {"lang": "sv"})
    start(facilitator, race)
    refused = choose(alva, race, 1)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "Lagvalet är stängt" in soup(refused.text).get_text()


def test_someone_without_a_team_chooses_one_at_any_time(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator", "Fia")
    start(facilitator, race)
    bo = join("participant", "Bo")
    assert choose(bo, race, 1).status_code == 303
    assert team_of(db, "Bo") == race["teams"][1]["id"]
    # Choosing the team one is in is no change at all.
    before = events(db)
    assert choose(bo, race, 1).status_code == 303
    assert events(db) == before


def test_the_facilitator_opens_and_closes_team_choice_live(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator", "Fia")
    alva = join("participant", "Alva", team=0)
    start(facilitator, race)
    assert facilitator.page().select_one("#team-choice-open") is not None
    with alva.live() as screen, facilitator.live() as control:
        screen.receive_text()
        control.receive_text()
        assert switch(facilitator, race, True).status_code == 200
        head = soup(_next_with(screen, "team-change"))
        assert head.select_one("#team-change input[name=team]")["value"] == str(race["teams"][1]["id"])
        assert soup(_next_with(control, "team-choice-close")).select_one("#team-choice-close") is not None
    # Two facilitators pressing the same button: the second is told, nothing changes.
    before = events(db)
    assert switch(facilitator, race, True).status_code == 409
    assert events(db) == before
    assert choose(alva, race, 1).status_code == 303
    assert switch(facilitator, race, False).status_code == 200
    assert choose(alva, race, 0).status_code == 403
    assert team_of(db, "Alva") == race["teams"][1]["id"]


def test_reopened_before_the_start_it_still_closes_at_the_first_start(
    join: Join, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator", "Fia")
    alva = join("participant", "Alva", team=0)
    assert switch(facilitator, race, False).status_code == 200
    assert choose(alva, race, 1).status_code == 403
    assert switch(facilitator, race, True).status_code == 200
    assert choose(alva, race, 1).status_code == 303
    start(facilitator, race)
    assert choose(alva, race, 0).status_code == 403
    # Opened after the start, it stays open through the next starts until closed.
    assert switch(facilitator, race, True).status_code == 200
    start(facilitator, race, 1)
    assert choose(alva, race, 0).status_code == 303


def test_after_the_end_nobody_moves(join: Join, db: Database, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fia")
    alva = join("participant", "Alva", team=0)
    bo = join("participant", "Bo")
    assert facilitator.post(f"/r/{race['slug']}/end").status_code == 303
    before = events(db)
    assert choose(alva, race, 1).status_code == 403
    assert choose(bo, race, 1).status_code == 403
    with db.read() as session:
        alva_id = session.exec(select(Person.id).where(Person.name == "Alva")).one()
    moved = facilitator.htmx(f"/r/{race['slug']}/people/{alva_id}/team", {"team": race["teams"][1]["id"]})
    assert moved.status_code == 403
    assert switch(facilitator, race, True).status_code == 403
    assert (team_of(db, "Alva"), team_of(db, "Bo")) == (race["teams"][0]["id"], None)
    assert events(db) == before


def _next_with(socket: LiveSession, element_id: str) -> str:
    while True:
        frame = socket.receive_text()
        if soup(frame).find(id=element_id) is not None:
            return frame


def _until_closed_or(socket: LiveSession, text: str) -> int | None:
    """Read a socket until it closes (return the code) or a frame holds `text` (return None)."""
    try:
        while text not in socket.receive_raw():
            pass
    except WebSocketDisconnect as closed:
        return closed.code
    return None


@pytest.mark.parametrize("who", ["self", "facilitator"])
def test_a_moved_persons_socket_gets_nothing_of_the_old_team_after_the_move(
    join: Join, db: Database, race: dict[str, Any], who: str
) -> None:
    facilitator = join("facilitator", "Fia")
    alva = join("participant", "Alva", team=0)
    bo = join("participant", "Bo", team=0)
    with db.read() as session:
        alva_id = session.exec(select(Person.id).where(Person.name == "Alva")).one()
    with alva.live() as screen, bo.live() as mate:
        screen.receive_text()
        mate.receive_text()
        if who == "self":
            assert choose(alva, race, 1).status_code == 303
        else:
            path = f"/r/{race['slug']}/people/{alva_id}/team"
            assert facilitator.htmx(path, {"team": race["teams"][1]["id"]}).status_code == 200
        # Right after the move commits, the old team writes a card.
        added = bo.htmx(
            f"/r/{race['slug']}/cards", {"title": "Hemlig plan", "body": "", "column": "idea", "key": "h1"}
        )
        assert added.status_code == 201
        while "Hemlig plan" not in mate.receive_text():
            pass
        # The screen closes (and loads itself again, on its new team) before any frame of the old team's card.
        assert _until_closed_or(screen, "Hemlig plan") == 1008
    assert "Hemlig plan" not in alva.page().get_text()
    assert alva.page().select_one("#team h1").get_text() == race["teams"][1]["name"]


def test_a_screen_that_looked_before_a_move_is_not_caught_up_on_the_old_team(
    join: Join, db: Database, renderer: Renderer, race: dict[str, Any]
) -> None:
    """The check a socket makes after it attached: its session must still watch the audience it looked at."""
    alva = join("participant", "Alva", team=0)
    with db.read() as session:
        person = session.exec(select(Person).where(Person.name == "Alva")).one()
        token = session.exec(select(PersonSession.token).where(PersonSession.person_id == person.id)).one()
    old = audience("participant", race["teams"][0]["id"], "en").key
    assert renderer.gap_or_snapshot(person.race_id, old, None, token) is not None
    assert choose(alva, race, 1).status_code == 303
    assert renderer.gap_or_snapshot(person.race_id, old, None, token) is None
    new = audience("participant", race["teams"][1]["id"], "en").key
    assert renderer.gap_or_snapshot(person.race_id, new, None, token) is not None


def test_a_write_that_read_its_team_before_a_move_is_refused(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    """The team a post acts for is checked again inside its transaction, under the person's row lock."""
    alva = join("participant", "Alva", team=0)
    with db.read() as session:
        token = session.exec(select(PersonSession.token)).one()
    stale = people.viewer(db, token)
    assert stale is not None and stale.team_id == race["teams"][0]["id"]
    assert choose(alva, race, 1).status_code == 303
    before = events(db)
    with pytest.raises(Conflict):
        cards.add(db, stale, title="Fel lag", body="", column="idea", key=None)
    assert events(db) == before


def test_undoing_the_first_start_opens_team_choice_again(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator", "Fia")
    alva = join("participant", "Alva", team=0)
    start(facilitator, race)
    assert choose(alva, race, 1).status_code == 403
    first = race["phases"][0]["id"]
    assert facilitator.post(f"/r/{race['slug']}/phases/undo", {"from": first}).status_code == 303
    # No phase has started now: team choice is as it was before the start, on the team's head too.
    assert alva.page().select_one("#team-change") is not None
    assert choose(alva, race, 1).status_code == 303
    assert team_of(db, "Alva") == race["teams"][1]["id"]
    # Started again, it closes again.
    start(facilitator, race)
    assert choose(alva, race, 0).status_code == 403
