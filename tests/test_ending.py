"""The race's end: the clock stops, the work closes on every screen, and a facilitator may reopen it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import func, select

from app.db import Database
from app.models import Card, Comment, Event, ExpertRequest, Phase, Race, Vote
from tests.conftest import Join, Kraftsamla, soup

IDEATION = 4  # board and voting open in the default agenda
FRAMING = 3  # board and expert requests open


def start(join: Join, race: dict[str, Any], index: int) -> Any:
    facilitator = join("facilitator", "Fia")
    assert (
        facilitator.post(f"/r/{race['slug']}/phases/{race['phases'][index]['id']}/start").status_code == 303
    )
    return facilitator


def add_card(person: Any, slug: str, title: str = "Skruv") -> Any:
    return person.htmx(f"/r/{slug}/cards", {"title": title, "column": "idea", "key": f"k-{title}"})


def counts(db: Database) -> tuple[int, ...]:
    with db.read() as session:
        return tuple(
            session.exec(select(func.count()).select_from(table)).one()
            for table in (Card, Comment, Vote, ExpertRequest)
        )


def test_after_the_end_every_late_post_is_refused_and_changes_nothing(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    slug = race["slug"]
    facilitator = start(join, race, IDEATION)
    alva = join("participant", "Alva", team=0)
    card_id = int(add_card(alva, slug).headers["location"].rsplit("/", 1)[1])
    assert facilitator.post(f"/r/{slug}/end").status_code == 303
    before = counts(db)
    late = add_card(alva, slug, "För sent")
    assert late.status_code == 409
    assert "ended" in soup(late.text).select_one("[role=alert]").get_text()
    assert alva.post(f"/r/{slug}/cards", {"title": "Utan htmx", "column": "idea"}).status_code == 409
    for path, data in (
        (f"cards/{card_id}/edit", {"title": "Ny", "body": "", "rev": "1"}),
        (f"cards/{card_id}/move", {"column": "need"}),
        (f"cards/{card_id}/remove", {}),
        (f"cards/{card_id}/comments", {"body": "Hej"}),
        (f"cards/{card_id}/votes", {}),
        ("requests", {"question": "Hjälp?"}),
    ):
        assert alva.htmx(f"/r/{slug}/{path}", data).status_code == 409, path
    assert counts(db) == before
    assert (
        facilitator.post(f"/r/{slug}/phases/next", {"from": race["phases"][IDEATION]["id"]}).status_code
        == 409
    )


def test_a_claim_after_the_end_is_refused(join: Join, race: dict[str, Any], db: Database) -> None:
    slug = race["slug"]
    facilitator = start(join, race, FRAMING)
    join("participant", "Alva", team=0).htmx(f"/r/{slug}/requests", {"question": "Hjälp?", "key": "q"})
    facilitator.post(f"/r/{slug}/end")
    with db.read() as session:
        request_id = session.exec(select(ExpertRequest.id)).one()
    expert = join("expert", "Eva")
    assert expert.htmx(f"/r/{slug}/requests/{request_id}/claim").status_code == 409
    assert expert.page().select_one(f"#request-{request_id} form") is None


def test_the_end_is_said_on_every_screen_live(join: Join, race: dict[str, Any]) -> None:
    slug = race["slug"]
    facilitator = start(join, race, IDEATION)
    screens = [join("participant", "Alva", team=0), join("wall"), join("expert", "Eva"), facilitator]
    sockets = [screen.live() for screen in screens]
    with sockets[0] as alva, sockets[1] as wall, sockets[2] as expert, sockets[3] as control:
        for socket in (alva, wall, expert, control):
            socket.receive_text()
        facilitator.htmx(f"/r/{slug}/end")
        frames = {
            name: soup(socket.receive_text())
            for name, socket in zip("awec", (alva, wall, expert, control), strict=True)
        }
    for frame in frames.values():
        assert frame.select_one("#clock")["data-state"] == "race-ended"
        assert frame.select_one("#clock-phase").get_text() == "The race has ended"
    board = frames["a"].select_one("#board-state")
    assert board["data-board"] == "closed" and board["data-voting"] == "closed"
    assert "ended" in board.get_text()
    assert frames["c"].select_one("#agenda #race-reopen") is not None


def test_the_end_stops_the_clock_and_a_reopen_runs_it_on(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    slug = race["slug"]
    facilitator = start(join, race, IDEATION)
    phase_id = race["phases"][IDEATION]["id"]
    facilitator.post(f"/r/{slug}/end")
    with db.read() as session:
        stopped = session.get(Phase, phase_id)
    assert stopped is not None and stopped.state == "done" and stopped.deadline_ms is None
    left = stopped.remaining_ms
    assert left is not None and 0 < left <= 180 * 60_000
    assert facilitator.post(f"/r/{slug}/end").status_code == 409
    assert facilitator.post(f"/r/{slug}/reopen").status_code == 303
    with db.read() as session:
        again = session.get(Phase, phase_id)
        race_row = session.exec(select(Race)).one()
    assert again is not None and again.state == "running" and again.remaining_ms is None
    assert race_row.ended_ms is None and race_row.current_phase_id == phase_id
    assert add_card(join("participant", "Alva", team=0), slug).status_code == 201
    assert facilitator.post(f"/r/{slug}/reopen").status_code == 409


def test_a_paused_phase_stays_paused_through_the_end(join: Join, race: dict[str, Any], db: Database) -> None:
    slug = race["slug"]
    facilitator = start(join, race, 0)
    phase_id = race["phases"][0]["id"]
    facilitator.post(f"/r/{slug}/phases/{phase_id}/pause")
    with db.read() as session:
        left = session.get(Phase, phase_id).remaining_ms  # type: ignore[union-attr]
    facilitator.post(f"/r/{slug}/end")
    facilitator.post(f"/r/{slug}/reopen")
    with db.read() as session:
        phase = session.get(Phase, phase_id)
    assert phase is not None and (phase.state, phase.remaining_ms) == ("paused", left)
    kinds = db_kinds(db)
    assert kinds[-2:] == ["race.ended", "race.reopened"]


def db_kinds(db: Database) -> list[Any]:
    with db.read() as session:
        return list(session.exec(select(Event.kind).order_by(Event.seq)).all())  # type: ignore[call-overload]


@pytest.mark.parametrize("role", ["participant", "wall", "expert", "jury"])
def test_only_a_facilitator_ends_or_reopens(
    join: Join, race: dict[str, Any], db: Database, role: str
) -> None:
    person = join(role)
    assert person.post(f"/r/{race['slug']}/end").status_code == 403
    join("facilitator").post(f"/r/{race['slug']}/end")
    assert person.post(f"/r/{race['slug']}/reopen").status_code == 403
    with db.read() as session:
        assert session.exec(select(Race)).one().ended_ms is not None


def test_what_stays_open_after_the_end(join: Join, race: dict[str, Any]) -> None:
    slug = race["slug"]
    facilitator = start(join, race, IDEATION)
    facilitator.post(f"/r/{slug}/end")
    assert facilitator.post(f"/r/{slug}/announcements", {"body": "Tack!", "key": "a"}).status_code == 303
    assert facilitator.client.get(f"/r/{slug}/review").status_code == 200
    assert facilitator.client.get(f"/r/{slug}/review/export.json").status_code == 200


def test_status_says_ended_after_the_end(
    join: Join, race: dict[str, Any], kraftsamla: Kraftsamla, capsys: pytest.CaptureFixture[str]
) -> None:
    slug = race["slug"]
    facilitator = start(join, race, IDEATION)
    add_card(join("participant", "Alva", team=0), slug)
    bo = join("participant", "Bo", team=1)
    facilitator.post(f"/r/{slug}/end")
    capsys.readouterr()
    assert kraftsamla("status", slug, "--json") == 0
    found = json.loads(capsys.readouterr().out)
    assert found["ended"] is True
    assert found["phase"] == {"id": race["phases"][IDEATION]["id"], "name": "Ideation", "state": "finished"}
    assert add_card(bo, slug, "Sent").status_code == 409
