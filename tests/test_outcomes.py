"""Follow-up outcomes with dates, notes and cards; follow-ups due at 3, 6 and 12 months; reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select

from app.db import Database
from app.models import Card, Race
from app.services import outcomes
from tests.conftest import Join, soup
from tests.helpers import play


def card_id(db: Database, title: str) -> int:
    with db.read() as session:
        return session.exec(select(Card.id).where(Card.title == title)).one() or 0


def test_outcomes_show_their_cards_and_a_retry_records_one(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    played = play(join, race)
    boss, slug = played["boss"], race["slug"]
    team_a = race["teams"][0]["id"]
    form = {
        "team": team_a,
        "kind": "product",
        "date": "2027-02-01",
        "note": "Lansering i vår",
        "cards": [card_id(db, "Fästen av trä")],
    }
    page = soup(boss.client.get(f"/r/{slug}/review").text)
    form["key"] = page.select_one(".outcome-form input[name=key]")["value"]
    assert boss.post(f"/r/{slug}/review/outcomes", form).status_code == 303
    assert boss.post(f"/r/{slug}/review/outcomes", form).status_code == 303  # a retry records nothing more
    page = soup(boss.client.get(f"/r/{slug}/review").text)
    assert len(page.select("#outcomes .outcomes li")) == 1
    outcome = page.select_one("#outcomes .outcomes li")
    assert "New product or service" in outcome.get_text() and "Lansering i vår" in outcome.get_text()
    assert [link.get_text() for link in outcome.select("a")] == ["Fästen av trä"]
    alva = played["alva"]
    assert alva.post(f"/r/{slug}/review/outcomes", form).status_code == 403


def test_a_refused_outcome_shows_the_form_again_with_the_message(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    played = play(join, race)
    boss, slug = played["boss"], race["slug"]
    boss.post(f"/r/{slug}/end")
    team_a = race["teams"][0]["id"]
    bad_date = boss.post(
        f"/r/{slug}/review/outcomes",
        {"team": team_a, "kind": "patent", "date": "1 mars", "note": "Min anteckning"},
    )
    assert bad_date.status_code == 422
    page = soup(bad_date.text)
    assert "YYYY-MM-DD" in page.select_one("#outcome-error").get_text()
    assert page.select_one("#o-note").get_text() == "Min anteckning"
    assert page.select_one("#o-date")["aria-describedby"] == "outcome-error"
    other_team_card = card_id(db, "Offert-robot")
    response = boss.post(
        f"/r/{slug}/review/outcomes",
        {"team": team_a, "kind": "patent", "date": "2027-01-01", "cards": [other_team_card]},
    )
    assert response.status_code == 422
    assert "this team's board" in soup(response.text).select_one("#outcome-error").get_text()
    assert (
        boss.post(
            f"/r/{slug}/review/outcomes", {"team": team_a, "kind": "rocket", "date": "2027-01-01"}
        ).status_code
        == 422
    )


def test_follow_ups_fall_due_at_3_6_and_12_months(race: dict[str, Any], db: Database) -> None:
    with db.write() as session:
        row = session.exec(select(Race)).one()
        row.ended_ms = int(dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC).timestamp() * 1000)
        session.add(row)
    with db.read() as session:
        row = session.exec(select(Race)).one()
        due = outcomes.follow_ups(session, row, today=dt.date(2027, 6, 1))
    dates = sorted({(item.months, item.due.isoformat(), item.overdue) for item in due})
    assert dates == [(3, "2027-02-28", True), (6, "2027-05-30", True), (12, "2027-11-30", False)]
    assert len(due) == 3 * len(race["teams"])


def test_reports_print_and_download_as_markdown(join: Join, race: dict[str, Any], db: Database) -> None:
    played = play(join, race)
    boss, slug = played["boss"], race["slug"]
    played["alva"].htmx(
        f"/r/{slug}/cards",
        {"title": "# *Stor* [länk](http://x.se) <b>", "body": "", "column": "next", "key": "md"},
    )
    boss.post(f"/r/{slug}/end")
    team_a = race["teams"][0]["id"]
    boss.post(
        f"/r/{slug}/review/outcomes",
        {"team": team_a, "kind": "patent", "date": "2027-03-01", "note": "Ansökan"},
    )
    page = soup(boss.client.get(f"/r/{slug}/review/report").text)
    assert [section.h2.get_text() for section in page.select(".report-team")] == ["Team 1", "Team 2"]
    assert "Patent application" in page.select(".report-team")[0].get_text()
    page = soup(boss.client.get(f"/r/{slug}/review/report?team={team_a}").text)
    assert [section.h2.get_text() for section in page.select(".report-team")] == ["Team 1"]
    markdown = boss.client.get(f"/r/{slug}/review/report?team={team_a}&format=md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    text = markdown.text
    assert text.startswith("# Report: Team 1")
    assert "**Fästen av trä**" in text and "Offert\\-robot" not in text and "Offert-robot" not in text
    assert "\\# \\*Stor\\* \\[länk\\]\\(http://x\\.se\\) \\<b\\>" in text
    assert "2027-03-01: Patent application — Ansökan" in text
    alva_report = played["alva"].client.get(f"/r/{slug}/review/report?format=md").text
    assert "Fästen av trä" in alva_report and "Offert" not in alva_report


def test_the_review_speaks_swedish(join: Join, race: dict[str, Any]) -> None:
    played = play(join, race)
    boss = played["boss"]
    boss.post(f"/r/{race['slug']}/lang", {"lang": "sv", "next": f"/r/{race['slug']}/review"})
    page = soup(boss.client.get(f"/r/{race['slug']}/review").text)
    assert page.h1.get_text() == "Genomgång av Testracet"
    assert "Kort tillagt" in page.select_one("#timeline").get_text()
    assert page.select_one("#charts h2").get_text() == "Diagram"
