"""The competence map: who brings what, what the challenges ask for, and what nobody brings."""

from __future__ import annotations

from typing import Any

from app.db import Database
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
    assert list(rows) == ["AI", "Batterier", "Energy", "juridik (nobody brings it)", "Trä"]
    assert rows["AI"] == (["Alva (Student)", "Ebba (Research, expert)"], ["Sågverket: Mindre spill"])
    assert rows["Trä"] == (["Bo (Company, Sågverket)"], ["Sågverket: Mindre spill"])
    assert rows["juridik (nobody brings it)"] == ([], ["Sågverket: Mindre spill"])
    gaps = [" ".join(item.get_text().split()) for item in page.select("#gap-list li")]
    assert gaps == ["juridik · asked for by Sågverket: Mindre spill"]
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
