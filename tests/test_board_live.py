"""The board live: changes, votes and comments reach the team only; the forms follow the phase."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from app.db import Database
from app.models import Race
from app.services import events
from tests.conftest import Join, LiveSession, apply_frame, oob_ids, soup
from tests.helpers import add_card, lock, start_named_phase


def next_with(socket: LiveSession, region: str) -> str:
    """Read frames until one replaces a region; return it."""
    while True:
        frame = socket.receive_text()
        if region in oob_ids(frame):
            return frame


def test_edit_move_vote_and_comment_reach_team_mates_and_not_other_teams(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    alva = join("participant", "Alva", team=0)
    bo = join("participant", "Bo", team=0)
    cia = join("participant", "Cia", team=1)
    slug = race["slug"]
    start_named_phase(join, race, db, "Ideation")
    card_id = add_card(alva, slug, "Skruv")
    with bo.live() as s_bo, cia.live() as s_cia:
        s_bo.receive_text()
        s_cia.receive_text()

        alva.htmx(f"/r/{slug}/cards/{card_id}/edit", {"title": "Hemlig <i>skruv</i>", "body": "", "rev": "1"})
        card = soup(next_with(s_bo, "col-idea")).select_one(f"#card-{card_id}")
        assert card.select_one("h3").get_text() == "Hemlig <i>skruv</i>"
        assert card.select_one("h3 i") is None and card.select_one(".edited") is not None

        alva.htmx(f"/r/{slug}/cards/{card_id}/move", {"column": "need"})
        frame = next_with(s_bo, "col-need")
        assert {"col-idea", "col-need"} <= oob_ids(frame)
        assert soup(frame).select_one(f"#col-need #card-{card_id}") is not None

        # A vote or a comment sends the card alone, into its column.
        alva.htmx(f"/r/{slug}/cards/{card_id}/votes", {})
        card = soup(next_with(s_bo, f"card-{card_id}")).select_one(
            f'hx-partial[hx-target="#col-need-cards"] #card-{card_id}'
        )
        assert card.select_one(".vote-count").get_text() == "1 vote"

        alva.htmx(f"/r/{slug}/cards/{card_id}/comments", {"body": "Snyggt <b>jobbat</b>"})
        card = soup(next_with(s_bo, f"card-{card_id}")).select_one(f"#card-{card_id}")
        assert card.select_one(".comment-list .comment-body").get_text() == "Snyggt <b>jobbat</b>"

        # Cia's next frame is the phase change everyone gets; nothing of team 0's card came before it.
        start_named_phase(join, race, db, "Market")
        frame = s_cia.receive_text()
        assert oob_ids(frame) == {"clock", "board-state", "team-requests", "team"}
        assert "skruv" not in frame.lower() and "jobbat" not in frame


def test_a_removed_card_leaves_team_mates_boards_and_the_wall(join: Join, race: dict[str, Any]) -> None:
    alva = join("participant", "Alva", team=0)
    bo = join("participant", "Bo", team=0)
    wall = join("wall", "")
    card_id = add_card(alva, race["slug"], "Borttagen idé")
    with bo.live() as s_bo, wall.live() as s_wall:
        s_bo.receive_text()
        s_wall.receive_text()
        alva.htmx(f"/r/{race['slug']}/cards/{card_id}/remove", {})
        assert soup(next_with(s_bo, "col-idea")).select_one(f"#card-{card_id}") is None
        assert "Borttagen idé" not in next_with(s_wall, "wall-cards")


def test_the_form_state_follows_the_phase_live(join: Join, race: dict[str, Any], db: Database) -> None:
    alva = join("participant", team=0)
    with alva.live() as socket:
        snapshot = soup(socket.receive_text())
        assert snapshot.select_one("#board-state")["data-board"] == "open"
        start_named_phase(join, race, db, "Night pause")
        state = soup(next_with(socket, "board-state")).select_one("#board-state")
        assert state["data-board"] == "closed" and state["data-voting"] == "closed"
        assert state.get_text().strip() == "The board is closed during Night pause."
        start_named_phase(join, race, db, "Ideation")
        state = soup(next_with(socket, "board-state")).select_one("#board-state")
        assert state["data-board"] == "open" and state["data-voting"] == "open"
        assert state.select_one("[hx-get]")["hx-get"] == f"/r/{race['slug']}/votes/mine"


def test_a_lock_event_closes_the_team_board_live(join: Join, race: dict[str, Any], db: Database) -> None:
    alva = join("participant", team=0)
    team_id = race["teams"][0]["id"]
    with alva.live() as socket:
        socket.receive_text()
        lock(db, team_id)
        # The facilitator's lock (roster.set_locked, control branch) records "board.locked" for the team.
        with db.write() as session:
            found = session.exec(select(Race)).one()
            events.record(session, found.id or 0, "board.locked", team_id=team_id)
        state = soup(next_with(socket, "board-state")).select_one("#board-state")
        assert state["data-board"] == "closed" and "locked" in state.get_text()


def test_screens_that_applied_every_frame_show_what_a_fresh_screen_shows(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    """Cards, votes and comments travel as single cards, rows and tiles; applied in order, they converge."""
    alva = join("participant", "Alva", team=0)
    bo = join("participant", "Bo", team=0)
    cia = join("participant", "Cia", team=1)
    wall = join("wall", "")
    slug = race["slug"]
    start_named_phase(join, race, db, "Ideation")
    regions = {
        "participant": ["col-idea", "col-need", "col-market"],
        "wall": ["wall-teams", "wall-cards"],
    }
    with bo.live() as s_bo, wall.live() as s_wall:
        pages = {"participant": soup(s_bo.receive_text()), "wall": soup(s_wall.receive_text())}
        first = add_card(alva, slug, "Första")
        add_card(cia, slug, "Annat lag")
        second = add_card(bo, slug, "Andra", column="need")
        add_card(alva, slug, "Tredje")
        alva.htmx(f"/r/{slug}/cards/{first}/votes", {})
        bo.htmx(f"/r/{slug}/cards/{first}/votes", {})
        bo.htmx(f"/r/{slug}/cards/{second}/comments", {"body": "Bra <b>så</b>"})
        alva.htmx(f"/r/{slug}/cards/{second}/move", {"column": "market"})
        last = add_card(alva, slug, "Sista")
        for socket, kind in ((s_bo, "participant"), (s_wall, "wall")):
            while True:
                frame = socket.receive_text()
                apply_frame(pages[kind], frame)
                if "Sista" in frame:
                    break
        with bo.live() as fresh_bo, wall.live() as fresh_wall:
            fresh = {"participant": soup(fresh_bo.receive_text()), "wall": soup(fresh_wall.receive_text())}
    assert pages["participant"].select_one(f"#card-{last} h3").get_text() == "Sista"
    for kind, ids in regions.items():
        for region in ids:
            seen, expected = pages[kind].select_one(f"#{region}"), fresh[kind].select_one(f"#{region}")
            assert [el["id"] for el in seen.select("[id]")] == [el["id"] for el in expected.select("[id]")]
            assert seen.get_text().split() == expected.get_text().split(), region
    idea = pages["participant"].select_one("#col-idea")
    assert [h3.get_text() for h3 in idea.select(".card h3")] == ["Första", "Tredje", "Sista"]
    assert idea.select_one("#col-idea-count").get_text() == "3"
    assert pages["participant"].select_one(f"#card-{first} .vote-count").get_text() == "2 votes"
