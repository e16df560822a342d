"""The jury sees the work: any team's board to read, with histories; progress counting what it may score."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup
from sqlmodel import select

from app.db import Database
from app.models import Card, Team
from tests.conftest import Join, oob_ids, soup
from tests.conftest import Person as Browser
from tests.helpers import juror, jury_ids, scores

VOTING_PHASE = 4  # "Ideation": the board is open and votes are cast in the default agenda
MARKUP = 'Trästift <b>nu</b> <img src=x onerror="alert(1)">'


def a_worked_board(join: Join, race: dict[str, Any], db: Database) -> tuple[Browser, int]:
    """Let team A add a card, edit it, vote on it and comment; return the facilitator and the card."""
    slug = race["slug"]
    facilitator = join("facilitator", "Fia")
    facilitator.post(f"/r/{slug}/phases/{race['phases'][VOTING_PHASE]['id']}/start")
    alva = join("participant", "Alva", team=0)
    assert alva.htmx(
        f"/r/{slug}/cards", {"title": "Stift", "body": "", "column": "idea", "key": "k"}
    ).status_code
    with db.read() as session:
        card_id = session.exec(select(Card.id)).one()
    assert (
        alva.htmx(
            f"/r/{slug}/cards/{card_id}/edit", {"title": MARKUP, "body": "Av björk", "rev": "1"}
        ).status_code
        == 200
    )
    assert alva.htmx(f"/r/{slug}/cards/{card_id}/votes", {}).status_code == 200
    assert alva.htmx(f"/r/{slug}/cards/{card_id}/comments", {"body": "Bra <i>idé</i>"}).status_code == 200
    return facilitator, card_id


def test_jurors_and_experts_read_any_teams_board_with_its_histories(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    slug, team_a = race["slug"], race["teams"][0]["id"]
    facilitator, card_id = a_worked_board(join, race, db)
    jan, ebba = juror(join), join("expert", "Ebba")
    for reader in (jan, ebba, facilitator):
        answer = reader.client.get(f"/r/{slug}/teams/{team_a}/board")
        assert answer.status_code == 200, answer.text
        page = soup(answer.text)
        card = page.select_one(f"#col-idea #card-{card_id}")
        assert card.select_one("h3").get_text() == MARKUP
        assert card.select_one(".vote-count")["data-votes"] == "1"
        assert card.select_one(".comment-body").get_text() == "Bra <i>idé</i>"
        history = card.select(".card-history .history li")
        assert [item.select_one(".rev-title").get_text() for item in history] == [MARKUP, "Stift"]
        # Read, not worked: no form, no vote button, no link to edit.
        main = page.select_one("main")
        assert main.select("form, button, .card-open, [hx-post]") == []
        assert page.find("b") is None and page.find("img") is None and page.find("i") is None
    # The juror's screen and the expert's requests lead there.
    assert soup(jan.client.get(f"/r/{slug}").text).select_one(f"#jt-{team_a}-board")["href"] == (
        f"/r/{slug}/teams/{team_a}/board"
    )
    # Writes stay refused as before, and nothing changed.
    for path, data in (
        (f"/r/{slug}/cards/{card_id}/edit", {"title": "Mitt", "body": "", "rev": "2"}),
        (f"/r/{slug}/cards/{card_id}/votes", {}),
        (f"/r/{slug}/cards/{card_id}/comments", {"body": "Hej"}),
        (f"/r/{slug}/cards", {"title": "Ny", "column": "idea", "key": "jan"}),
    ):
        for reader in (jan, ebba):
            assert reader.post(path, data).status_code == 403
    with db.read() as session:
        assert session.get(Card, card_id).title == MARKUP


def test_participants_and_the_wall_do_not_read_other_boards(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    slug, team_a = race["slug"], race["teams"][0]["id"]
    a_worked_board(join, race, db)
    assert join("participant", "Bo", team=1).client.get(f"/r/{slug}/teams/{team_a}/board").status_code == 403
    assert join("wall", "").client.get(f"/r/{slug}/teams/{team_a}/board").status_code == 403
    assert juror(join).client.get(f"/r/{slug}/teams/999999/board").status_code == 404


def progress_line(page: BeautifulSoup) -> str:
    return " ".join(page.select_one("#jury-done").get_text().split())


def test_a_jurors_progress_counts_only_the_teams_they_may_score_and_follows_live(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    slug = race["slug"]
    found = jury_ids(db, race)
    facilitator = join("facilitator", "Fia")
    assert facilitator.post(f"/r/{slug}/teams", {"name": "Lag C", "colour": "#123456"}).status_code == 303
    with db.read() as session:
        team_c = session.exec(select(Team.id).where(Team.name == "Lag C")).one()
    team_a, team_b = found["teams"]
    jan = join("jury", "Jan")
    # Jan declares a stake in team C: of three teams he may score two.
    jan.post(f"/r/{slug}/jury/identity", {"company": "", "stake": str(team_c), "action": "save"})
    assert progress_line(jan.page()) == "You have scored 0 of the 2 teams you may judge."
    jury_rows = facilitator.page().select("#jury .jury-progress")[1].select("tbody tr")
    assert [row.get_text(" ", strip=True) for row in jury_rows] == ["Jan 0 of 2"]
    with jan.live() as s_jan, facilitator.live() as s_fac:
        s_jan.receive_text(), s_fac.receive_text()
        answer = jan.htmx(f"/r/{slug}/jury/teams/{team_a}", scores([4] * 5, "s1", criteria=found["criteria"]))
        assert answer.status_code == 200
        # The answer itself carries the new count, and so does the juror's live frame.
        assert progress_line(soup(answer.text)) == "You have scored 1 of the 2 teams you may judge."
        frame = s_jan.receive_text()
        assert "jury-mine" in oob_ids(frame)
        assert progress_line(soup(frame)) == "You have scored 1 of the 2 teams you may judge."
        rows = soup(s_fac.receive_text()).select("#jury .jury-progress")[1].select("tbody tr")
        assert [row.get_text(" ", strip=True) for row in rows] == ["Jan 1 of 2"]
        # The facilitator keeps Jan from team A too: what he scored there no longer counts.
        conflict = {"juror": str(_juror_id(db)), "team": str(team_a), "back": "control"}
        assert facilitator.post(f"/r/{slug}/jury/conflicts", conflict).status_code == 303
        assert progress_line(soup(s_jan.receive_text())) == "You have scored 0 of the 1 teams you may judge."
        rows = soup(s_fac.receive_text()).select("#jury .jury-progress")[1].select("tbody tr")
        assert [row.get_text(" ", strip=True) for row in rows] == ["Jan 0 of 1"]
    assert team_b  # the one team left to him


def _juror_id(db: Database) -> int:
    from app.models import Person

    with db.read() as session:
        return session.exec(select(Person.id).where(Person.name == "Jan")).one()
