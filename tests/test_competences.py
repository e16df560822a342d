"""Competences: one key each in both languages; the map of who brings what, what is asked for, the gaps."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup
from sqlmodel import col, select

from app.db import Database
from app.models import Challenge, Competence, ExpertRequest, Role
from app.models import Person as PersonRow
from tests.conftest import Join, Person, soup


def profile(person: Person, background: str, tags: list[str], more: str = "", company: str = "") -> None:
    form = {
        "background": background,
        "company": company,
        "competence": tags,
        "competence_more": more,
        "action": "save",
    }
    assert person.post(f"/r/{person.slug}/profile", form).status_code == 303


def crowd(join: Join, race: dict[str, Any]) -> Person:
    """Two participants, an expert and a challenge; return the facilitator."""
    facilitator = join("facilitator", "Fia")
    profile(join("participant", "Alva", team=0), "student", ["AI", "Energy"])
    profile(join("participant", "Bo", team=1), "company", [], "Trä", company="Sågverket")
    profile(join("expert", "Ebba"), "research", [], "ai, Batterier")
    join("participant", "Cia")  # has not answered yet
    challenge = {
        "company": "Sågverket",
        "title": "Mindre spill",
        "description": "",
        "tags": "ai, juridik, trä",
    }
    assert facilitator.post(f"/r/{race['slug']}/challenges", challenge).status_code == 303
    return facilitator


def map_rows(page: BeautifulSoup) -> dict[str, tuple[list[str], list[str]]]:
    """Return the competence map's rows: label -> (who brings it, which challenges ask for it)."""
    return {
        row.select_one("th").get_text(" ", strip=True): (
            [item.get_text(" ", strip=True) for item in row.select("td:nth-of-type(1) li")],
            [item.get_text(" ", strip=True) for item in row.select("td:nth-of-type(2) li")],
        )
        for row in page.select(".competence-map tbody tr")
    }


def test_tags_merge_across_case_and_gaps_are_found(join: Join, race: dict[str, Any], db: Database) -> None:
    facilitator = crowd(join, race)
    page = soup(facilitator.client.get(f"/r/{race['slug']}/competences").text)
    rows = {
        row.select_one("th").get_text(" ", strip=True): (
            [item.get_text(" ", strip=True) for item in row.select("td:nth-of-type(1) li")],
            [item.get_text(" ", strip=True) for item in row.select("td:nth-of-type(2) li")],
        )
        for row in page.select(".competence-map tbody tr")
    }
    # "juridik" is the built-in Law, in Swedish.
    assert list(rows) == ["AI", "Batterier", "Energy", "Law (nobody brings it)", "Trä"]
    assert rows["AI"] == (["Alva (Student)", "Ebba (Research, expert)"], ["Sågverket: Mindre spill"])
    assert rows["Trä"] == (["Bo (Company, Sågverket)"], ["Sågverket: Mindre spill"])
    assert rows["Law (nobody brings it)"] == ([], ["Sågverket: Mindre spill"])
    gaps = [" ".join(item.get_text().split()) for item in page.select("#gap-list li")]
    assert gaps == ["Law · asked for by Sågverket: Mindre spill"]
    counts = {
        row.select_one("th").get_text(strip=True): row.select_one("td").get_text(strip=True)
        for row in page.select("#backgrounds tr")
        if row.select_one("td")
    }
    assert counts == {
        "Company": "1",
        "Research": "1",
        "Student": "1",
        "Business development": "0",
        "Other": "1",
        "Everyone": "4",
    }


def test_the_map_has_no_gaps_when_someone_brings_everything(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator = join("facilitator", "Fia")
    profile(join("participant", "Alva"), "student", [], "Juridik")
    facilitator.post(f"/r/{race['slug']}/challenges", {"company": "AB", "title": "T", "tags": "juridik"})
    page = soup(facilitator.client.get(f"/r/{race['slug']}/competences").text)
    assert page.select_one("#no-gaps") is not None and page.select("#gap-list li") == []


def test_one_competence_whatever_its_language_case_or_accents(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    slug = race["slug"]
    facilitator = join("facilitator", "Fia")
    profile(join("participant", "Alva", team=0), "student", [], "Mjukvara, Trä")
    profile(join("participant", "Bo", team=1), "research", [], "mjukvara, TRA ,Cellkemi")
    profile(join("expert", "Ebba"), "research", ["software"], "CELLKEMI")
    facilitator.post(f"/r/{slug}/challenges", {"company": "AB", "title": "Spill", "tags": "Software, trä"})
    with db.read() as session:
        people = session.exec(
            select(PersonRow).where(PersonRow.role != Role.FACILITATOR).order_by(col(PersonRow.id))
        ).all()
        stored = [person.competences for person in people]
        asked = session.exec(select(Challenge.tags)).one()
        own = session.exec(select(Competence.key).order_by(col(Competence.id))).all()
    # The built-in key whichever language or case it was named in; the race's own kept as first spelled.
    assert stored == [["software", "Trä"], ["software", "Trä", "Cellkemi"], ["software", "Cellkemi"]]
    assert asked == ["software", "Trä"]
    assert own == ["Trä", "Cellkemi"]
    rows = map_rows(soup(facilitator.client.get(f"/r/{slug}/competences").text))
    assert list(rows) == ["Cellkemi", "Software", "Trä"]
    assert [who.split(" ")[0] for who in rows["Software"][0]] == ["Alva", "Bo", "Ebba"]
    assert rows["Trä"] == (["Alva (Student)", "Bo (Research)"], ["AB: Spill"])


def test_the_swedish_map_shows_one_row_for_a_competence_named_in_swedish(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    slug = race["slug"]
    facilitator = join("facilitator", "Fia")
    facilitator.post(f"/r/{slug}/lang", {"lang": "sv"})
    fredrik = join("participant", "Fredrik")
    fredrik.post(f"/r/{slug}/lang", {"lang": "sv"})
    profile(fredrik, "research", [], "Hälsa")
    facilitator.post(
        f"/r/{slug}/challenges", {"company": "Vårdbolaget", "title": "Tryggt hem", "tags": "Health"}
    )
    page = soup(facilitator.client.get(f"/r/{slug}/competences").text)
    rows = map_rows(page)
    # Not "Hälsa - Fredrik" above "Hälsa (nobody brings it)": one competence, brought and asked for.
    assert list(rows) == ["Hälsa"]
    assert [who.split(" ")[0] for who in rows["Hälsa"][0]] == ["Fredrik"]
    assert rows["Hälsa"][1] == ["Vårdbolaget: Tryggt hem"]
    assert page.select_one("#no-gaps") is not None
    # The control screen shows the challenge's competence in Swedish too, and its form field for editing.
    with db.read() as session:
        challenge_id = session.exec(select(Challenge.id)).one()
    control = facilitator.page()
    assert [tag.get_text() for tag in control.select(".challenge-tags .tag")] == ["Hälsa"]
    assert control.select_one(f"#challenge-{challenge_id}-tags")["value"] == "Hälsa"


def test_an_expert_who_typed_the_swedish_name_matches_a_ticked_competence(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    slug = race["slug"]
    facilitator = join("facilitator", "Fia")
    facilitator.post(f"/r/{slug}/phases/{race['phases'][3]['id']}/start")  # takes expert requests
    member = join("participant", "Alva", team=0)
    asked = member.post(
        f"/r/{slug}/requests", {"question": "Vilken databas?", "tag": ["software"], "key": "q"}
    )
    assert asked.status_code == 303
    expert = join("expert", "Ebba")
    expert.post(f"/r/{slug}/lang", {"lang": "sv"})
    profile(expert, "research", [], "mjukvara")
    with db.read() as session:
        assert session.exec(select(ExpertRequest.tags)).one() == ["software"]
    request = expert.page().select_one("#requests li")
    assert request.select_one(".match-badge") is not None
    assert [tag.get_text() for tag in request.select(".tag-match")] == ["Mjukvara"]


def test_a_suggested_team_does_not_miss_what_a_member_typed_in_swedish(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    slug = race["slug"]
    facilitator = join("facilitator", "Fia")
    facilitator.post(f"/r/{slug}/lang", {"lang": "sv"})
    for name, typed in (("Sara", "Mjukvara, AI"), ("Rolf", ""), ("Stina", "")):
        profile(join("participant", name), "research", [], typed)
    facilitator.post(f"/r/{slug}/challenges", {"company": "Trä AB", "title": "Sågen", "tags": "Software, ai"})
    page = soup(
        facilitator.post(
            f"/r/{slug}/teams/suggest", {"min": "3", "max": "3", "per": "1", "action": "suggest"}
        ).text
    )
    (team,) = page.select("article.suggest-team")
    covered = [tag.get_text() for tag in team.select(".explain-covered .tag")]
    assert covered == ["Mjukvara", "AI"] and "Sara" in team.select_one(".explain-covered").get_text()
    assert team.select(".explain-missing") == []
