"""The review screen: who may see it, the filtered timeline, card revisions, votes, request times, charts."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from app.db import Database, now_ms
from app.models import Card, CardRevision, ExpertRequest, Race, RequestStatus, Vote
from tests.conftest import Join, soup
from tests.helpers import play


def test_the_facilitator_sees_the_whole_timeline_and_filters_it(join: Join, race: dict[str, Any]) -> None:
    played = play(join, race)
    page = soup(played["boss"].client.get(f"/r/{race['slug']}/review").text)
    rows = page.select("#timeline tbody tr")
    kinds = [row.select("td")[2].get_text() for row in rows]
    assert "Card added" in kinds and "Phase started" in kinds and "Race created" in kinds
    team_a = race["teams"][0]["id"]
    page = soup(played["boss"].client.get(f"/r/{race['slug']}/review?team={team_a}&kind=card.added").text)
    titles = [row.select("td")[6].get_text() for row in page.select("#timeline tbody tr")]
    assert titles == ["Fästen av trä", "Kunder vill återvinna"]
    phase = race["phases"][3]["id"]
    page = soup(played["boss"].client.get(f"/r/{race['slug']}/review?phase={phase}").text)
    assert {row.select("td")[5].get_text() for row in page.select("#timeline tbody tr")} == {"Need framing"}


def test_a_team_reviews_only_its_own_work_and_only_after_the_end(join: Join, race: dict[str, Any]) -> None:
    played = play(join, race)
    alva = played["alva"]
    response = alva.client.get(f"/r/{race['slug']}/review")
    assert response.status_code == 403
    assert played["boss"].post(f"/r/{race['slug']}/end").status_code == 303
    page = soup(alva.client.get(f"/r/{race['slug']}/review").text)
    titles = {item.h3.get_text() for item in page.select(".card-history")}
    assert titles == {"Fästen av trä", "Kunder vill återvinna"}
    assert "Offert-robot" not in page.get_text()
    other = race["teams"][1]["id"]
    assert alva.client.get(f"/r/{race['slug']}/review?team={other}").status_code == 403
    assert alva.client.get(f"/r/{race['slug']}/review/csv/card").status_code == 403
    assert alva.client.get(f"/r/{race['slug']}/review/export.json").status_code == 403


def test_cards_show_revisions_and_votes_and_requests_their_times(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    played = play(join, race)
    with db.write() as session:
        card = session.exec(select(Card).where(Card.title == "Fästen av trä")).one()
        later = card.created_ms + 1000
        session.add(
            CardRevision(
                card_id=card.id,
                rev=2,
                author_id=card.author_id,
                column="idea",
                title="Fästen av björk",
                created_ms=later,
            )
        )
        race_row = session.exec(select(Race)).one()
        for _ in range(3):
            session.add(
                Vote(
                    race_id=race_row.id,
                    card_id=card.id,
                    person_id=card.author_id,
                    phase_id=race["phases"][3]["id"],
                    created_ms=later,
                )
            )
        session.add(
            Vote(
                race_id=race_row.id,
                card_id=card.id,
                person_id=card.author_id,
                phase_id=race["phases"][3]["id"],
                created_ms=later,
                withdrawn_ms=later,
            )
        )
        now = now_ms()
        session.add(
            ExpertRequest(
                race_id=race_row.id,
                team_id=card.team_id,
                asked_by=card.author_id,
                question="Vem kan trä?",
                status=RequestStatus.RESOLVED,
                created_ms=now,
                claimed_ms=now + 5 * 60_000,
                resolved_ms=now + 20 * 60_000,
            )
        )
    page = soup(played["boss"].client.get(f"/r/{race['slug']}/review").text)
    history = page.select_one(f"#history-{card.id}")
    assert [item.strong.get_text() for item in history.select(".revisions li")] == [
        "Fästen av trä",
        "Fästen av björk",
    ]
    assert "3 votes" in history.select_one(".meta").get_text()
    cells = [cell.get_text() for cell in page.select(".request-times tbody td")]
    assert "5:00" in cells and "15:00" in cells
    bars = page.select("#charts svg")
    assert len(bars) >= 3
    assert any("Vem kan" in text.get_text() for text in page.select("#charts svg text"))


def test_review_is_refused_to_experts_and_strangers(join: Join, race: dict[str, Any]) -> None:
    expert = join("expert", "Eva")
    assert expert.client.get(f"/r/{race['slug']}/review").status_code == 403


def test_after_an_undone_start_the_timeline_counts_events_in_the_phase_put_back(
    join: Join, race: dict[str, Any]
) -> None:
    played = play(join, race)
    slug, framing, ideation = race["slug"], race["phases"][3]["id"], race["phases"][4]["id"]
    assert played["boss"].post(f"/r/{slug}/phases/next", {"from": framing}).status_code == 303
    assert played["boss"].post(f"/r/{slug}/phases/undo", {"from": ideation}).status_code == 303
    played["bo"].htmx(f"/r/{slug}/cards", {"title": "Efter ångrat", "column": "idea", "key": "after"})
    page = soup(played["boss"].client.get(f"/r/{slug}/review?kind=card.added").text)
    rows = {
        row.select("td")[6].get_text(): row.select("td")[5].get_text()
        for row in page.select("#timeline tbody tr")
    }
    assert rows["Efter ångrat"] == "Need framing"
