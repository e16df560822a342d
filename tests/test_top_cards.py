"""Each team's cards with the most votes: on the control screen, and on the wall when chosen."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from app.db import Database
from app.models import Event, Race
from tests.conftest import Join, soup
from tests.helpers import add_card, set_budget, start_named_phase, vote


def seq(db: Database, race: dict[str, Any]) -> int:
    with db.read() as session:
        return session.exec(select(Race.seq).where(Race.slug == race["slug"])).one()


def titles(section: Any) -> list[list[str]]:
    """Return each team's listed card titles, in order, as the control screen shows them."""
    return [
        [card.contents[0].strip() for card in team.select(".top-cards-of > li")]
        for team in section.select(".top-list > li")
    ]


def test_the_control_screen_lists_each_teams_three_cards_with_the_most_standing_votes(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    slug = race["slug"]
    alva, bo = join("participant", "Alva", team=0), join("participant", "Bo", team=0)
    join("participant", "Cia", team=1)
    cards = {title: add_card(alva, slug, title) for title in ("Ett", "Två", "Tre", "Fyra", "Fem")}
    set_budget(db, "Ideation", 5)
    start_named_phase(join, race, db, "Ideation")
    for voter, title in [
        (alva, "Två"),
        (bo, "Två"),
        (alva, "Tre"),
        (alva, "Fyra"),
        (bo, "Fyra"),
        (bo, "Fem"),
    ]:
        assert vote(voter, slug, cards[title]).status_code == 200
    # A vote on "Fem" taken back: one stands, equal to "Tre" and after it (the newer card).
    assert vote(alva, slug, cards["Fem"]).status_code == 200
    assert alva.htmx(f"/r/{slug}/cards/{cards['Fem']}/votes/withdraw", {}).status_code == 200
    assert alva.htmx(f"/r/{slug}/cards/{cards['Fyra']}/remove", {}).status_code == 200
    section = join("facilitator", "Fia").page().select_one("#top-cards")
    assert titles(section) == [["Två", "Tre", "Fem"], []]
    counts = [meta.get_text() for meta in section.select(".top-list > li:first-child .meta")]
    assert counts == ["2 votes", "1 vote", "1 vote"]
    assert section.select(".top-list > li")[1].select_one(".empty") is not None


def oob_ids(text: str) -> list[str]:
    return [element["id"] for element in soup(text).select("[hx-swap-oob]")]


def test_a_vote_reaches_the_control_screen_and_the_wall_shows_the_top_cards_only_when_asked(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    slug = race["slug"]
    alva = join("participant", "Alva", team=0)
    facilitator, wall = join("facilitator", "Fia"), join("wall", "")
    card = add_card(alva, slug, "<b>Skruv</b>")
    set_budget(db, "Ideation", 5)
    start_named_phase(join, race, db, "Ideation")
    team = race["teams"][0]["id"]
    # Hidden until the facilitator chooses: the wall shows the teams.
    assert wall.page().select_one("#wall-top").has_attr("hidden")
    with facilitator.live() as s_fac, wall.live() as s_wall:
        s_fac.receive_text()
        s_wall.receive_text()
        assert vote(alva, slug, card).status_code == 200
        # The voters' team's entry alone, not the whole list of teams.
        text = s_fac.receive_text()
        assert oob_ids(text) == [f"fav-{team}", f"overview-{team}"]
        entry = soup(text).select_one(f"#fav-{team}")
        assert [li.contents[0].strip() for li in entry.select(".top-cards-of > li")] == ["<b>Skruv</b>"]
        assert entry.select_one("b") is None  # the title is escaped
        assert entry.has_attr("hx-ignore")
        before = seq(db, race)
        answer = facilitator.htmx(f"/r/{slug}/top-cards/wall", {"shown": "1"})
        assert answer.status_code == 200 and soup(answer.text).select_one(".done") is not None
        # The wall had no frame for the vote (its top cards were not on it): the next one shows them.
        shown = soup(s_wall.receive_text()).select_one("#wall-top")
        assert not shown.has_attr("hidden") and "shown" in shown["class"]
        assert [tile.select_one(".top-votes").get_text() for tile in shown.select(".top-tile ol")] == ["1"]
        assert titles(soup(s_fac.receive_text()).select_one("#top-cards")) == [["<b>Skruv</b>"], []]
        # Pressed twice (two facilitators at once): the second is refused and changes nothing.
        again = facilitator.htmx(f"/r/{slug}/top-cards/wall", {"shown": "1"})
        assert again.status_code == 409
        assert seq(db, race) == before + 1
        # Shown, a vote sends the wall that team's tile alone.
        assert vote(alva, slug, card).status_code == 200
        text = s_wall.receive_text()
        assert oob_ids(text) == [f"top-tile-{team}"]
        assert soup(text).select_one(".top-votes").get_text() == "2"
        assert oob_ids(s_fac.receive_text()) == [f"fav-{team}", f"overview-{team}"]
        assert facilitator.htmx(f"/r/{slug}/top-cards/wall", {"shown": "0"}).status_code == 200
        assert soup(s_wall.receive_text()).select_one("#wall-top").has_attr("hidden")
    with db.read() as session:
        kinds = session.exec(select(Event.kind).where(col(Event.kind).startswith("top_cards"))).all()
    assert kinds == ["top_cards.shown", "top_cards.hidden"]
    # Only a facilitator may choose.
    assert alva.htmx(f"/r/{slug}/top-cards/wall", {"shown": "1"}).status_code == 403
