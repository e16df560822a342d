"""Suggested teams on a race: asked for, adjusted by hand, re-explained and applied in one transaction."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup
from sqlmodel import col, select

from app.db import Database
from app.models import Challenge, Event, Person, Race, Team
from tests.conftest import Join
from tests.conftest import Person as Browser
from tests.helpers import reload_arrives

PEOPLE = [
    ("Ada", "research", "", ["ai"]),
    ("Bea", "student", "", ["design"]),
    ("Cai", "business", "", ["market"]),
    ("Dan", "company", "Sågverket AB", []),
    ("Eli", "research", "", ["energy"]),
    ("Fia", "student", "", []),
    ("Gus", "business", "", ["financing"]),
    ("Hed", "company", "mejeriet", []),
]


def setup(join: Join, db: Database, race: dict[str, Any]) -> tuple[Browser, dict[str, Browser]]:
    """Two challenges with tags, eight participants with profiles, and a facilitator."""
    facilitator = join("facilitator", "Fiona")
    people = {name: join("participant", name) for name, *_rest in PEOPLE}
    with db.write() as session:
        race_id = session.exec(select(Race.id).where(Race.slug == race["slug"])).one()
        session.add(
            Challenge(race_id=race_id, company="Sågverket AB", title="Mindre spill", tags=["ai", "law"])
        )
        session.add(
            Challenge(race_id=race_id, company="Mejeriet", title="Grön mjölk", tags=["energy", "market"])
        )
        for name, background, company, competences in PEOPLE:
            person = session.exec(select(Person).where(Person.name == name)).one()
            person.background, person.company, person.competences = background, company, competences
            session.add(person)
    return facilitator, people


def suggest_page(facilitator: Browser, slug: str, **values: str) -> Any:
    data = {"min": "3", "max": "5", "per": "", "action": "suggest", **values}
    return facilitator.post(f"/r/{slug}/teams/suggest", data)


def form_of(page: BeautifulSoup) -> dict[str, Any]:
    """Return the suggestion form's fields as a browser would post them (places as a list)."""
    form = page.select_one("#suggest-form")
    data: dict[str, Any] = {"place": [field["value"] for field in form.select("input[name=place]")]}
    for name in ("min", "max", "per", "key"):
        data[name] = form.select_one(f"input[name={name}]").get("value", "")
    for chooser in form.select("select"):
        data[chooser["name"]] = chooser.select_one("option[selected]")["value"]
    return data


def events_of(db: Database, kind: str) -> list[Event]:
    with db.read() as session:
        return list(session.exec(select(Event).where(Event.kind == kind).order_by(col(Event.seq))).all())


def test_a_suggestion_explains_each_team(join: Join, db: Database, race: dict[str, Any]) -> None:
    facilitator, _people = setup(join, db, race)
    join("expert", "Eero")
    join("participant", "Zoe")
    with db.write() as session:
        zoe = session.exec(select(Person).where(Person.name == "Zoe")).one()
        zoe.erased_ms = 1
        session.add(zoe)
    response = suggest_page(facilitator, race["slug"])
    assert response.status_code == 200, response.text
    page = BeautifulSoup(response.text, "html.parser")
    teams = page.select("article.suggest-team")
    # Eight people, at most five a team, two challenges: one new team per challenge, named after its company.
    assert [team.select_one("h2").get_text(" ", strip=True) for team in teams] == [
        "Sågverket AB 1 new",
        "Mejeriet 1 new",
    ]
    first, second = teams
    assert {label.get_text(" ", strip=True).split(" ")[0] for label in first.select("label")} >= {
        "Dan",
        "Ada",
    }
    assert "Hed" in second.get_text()
    assert "AI" in first.select_one(".explain-covered").get_text()
    assert first.select_one(".explain-missing").get_text(strip=True) == "Law"
    # Each person's select is labelled with their name and background.
    label = page.select_one("label[for^=p]")
    assert page.select_one(f"#{label['for']}").name == "select"
    assert "(" in label.get_text()
    # Only participants are placed: not the facilitator, an expert, the wall or someone erased.
    placed = page.select_one(".suggest-teams").get_text()
    assert "Fiona" not in placed and "Eero" not in placed and "Zoe" not in placed
    assert len(page.select(".suggest-members select")) == len(PEOPLE)
    # Nothing is saved by asking.
    assert events_of(db, "person.moved") == []


def test_applying_moves_everyone_and_creates_the_teams_in_one_step(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator, people = setup(join, db, race)
    page = BeautifulSoup(suggest_page(facilitator, race["slug"]).text, "html.parser")
    data = form_of(page)
    ada = next(p for p in _people(db) if p.name == "Ada")
    # By hand: Ada goes to the other team.
    data[f"p{ada.id}"] = next(key for key in data["place"] if key != data[f"p{ada.id}"])
    with people["Ada"].live() as socket:
        socket.receive_text()
        response = facilitator.post(f"/r/{race['slug']}/teams/suggest", {**data, "action": "apply"})
        assert response.status_code == 303, response.text
        assert reload_arrives(socket)
    with db.read() as session:
        teams = {t.id: t for t in session.exec(select(Team).where(col(Team.challenge_id).is_not(None))).all()}
    assert len(teams) == 2
    by_key = {}
    for person in _people(db):
        assert person.team_id in teams
        by_key.setdefault(data[f"p{person.id}"], set()).add(person.team_id)
    assert all(len(ids) == 1 for ids in by_key.values()) and len(by_key) == 2
    assert len(events_of(db, "team.added")) == 2
    assert len(events_of(db, "person.moved")) == 8
    [applied] = events_of(db, "teams.applied")
    assert applied.key == data["key"]
    assert applied.data["moved"] == 8 and sorted(applied.data["created"]) == sorted(teams)

    # A retried post (same key) finds the first result and changes nothing.
    again = facilitator.post(f"/r/{race['slug']}/teams/suggest", {**data, "action": "apply"})
    assert again.status_code == 303
    assert len(events_of(db, "teams.applied")) == 1 and len(events_of(db, "person.moved")) == 8

    # A new suggestion reuses the challenges' teams, in id order, and applying it again moves nobody.
    page = BeautifulSoup(suggest_page(facilitator, race["slug"]).text, "html.parser")
    fresh = form_of(page)
    assert fresh["place"] == [f"t{team_id}" for team_id in sorted(teams)]


def _people(db: Database) -> list[Person]:
    with db.read() as session:
        return list(session.exec(select(Person).where(Person.role == "participant")).all())


def test_a_stale_suggestion_is_refused_and_changes_nothing(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator, _ = setup(join, db, race)
    data = form_of(BeautifulSoup(suggest_page(facilitator, race["slug"]).text, "html.parser"))
    join("participant", "Sen")
    response = facilitator.post(f"/r/{race['slug']}/teams/suggest", {**data, "action": "apply"})
    assert response.status_code == 409
    page = BeautifulSoup(response.text, "html.parser")
    assert "joined or left" in page.select_one("#suggest-error").get_text()
    # A fresh suggestion, with the newcomer, is shown beside the message.
    assert "Sen" in page.select_one(".suggest-teams").get_text()
    assert events_of(db, "teams.applied") == [] and events_of(db, "person.moved") == []
    assert events_of(db, "team.added") == []
    assert all(person.team_id is None for person in _people(db))


def test_a_hand_edit_is_explained_with_warnings_and_not_saved(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator, _ = setup(join, db, race)
    data = form_of(BeautifulSoup(suggest_page(facilitator, race["slug"]).text, "html.parser"))
    everyone_first = {name: data["place"][0] if name[1:].isdigit() else value for name, value in data.items()}
    response = facilitator.post(f"/r/{race['slug']}/teams/suggest", {**everyone_first, "action": "recompute"})
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    first, second = page.select("article.suggest-team")
    assert len(first.select("select")) == 8 and second.select("select") == []
    assert "more than the largest size (5)" in first.select_one(".suggest-warnings").get_text()
    assert "fewer than the smallest size (3)" in second.select_one(".suggest-warnings").get_text()
    assert "their company's challenge" in first.select_one(".suggest-warnings").get_text()
    assert page.select_one("#suggest-edited") is not None
    assert events_of(db, "person.moved") == []


def test_bad_bounds_and_forged_teams_are_refused(join: Join, db: Database, race: dict[str, Any]) -> None:
    facilitator, _ = setup(join, db, race)
    response = suggest_page(facilitator, race["slug"], min="6", max="2")
    assert response.status_code == 422
    assert BeautifulSoup(response.text, "html.parser").select_one("#suggest-error[role=alert]")
    data = form_of(BeautifulSoup(suggest_page(facilitator, race["slug"]).text, "html.parser"))
    # A team of another race (or none at all) cannot be named as a target.
    forged = {**data, "place": [*data["place"], "t999999"], "action": "apply"}
    first = next(name for name in data if name[1:].isdigit())
    forged[first] = "t999999"
    assert facilitator.post(f"/r/{race['slug']}/teams/suggest", forged).status_code == 409
    forged = {**data, first: "nonsense", "action": "apply"}
    assert facilitator.post(f"/r/{race['slug']}/teams/suggest", forged).status_code == 422
    assert events_of(db, "person.moved") == []


def test_without_challenges_the_facilitator_is_told(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fiona")
    join("participant", "Ada")
    response = suggest_page(facilitator, race["slug"])
    assert response.status_code == 409
    assert "challenge" in BeautifulSoup(response.text, "html.parser").select_one("#suggest-error").get_text()


def test_the_control_screen_links_to_the_suggestion(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fiona")
    link = facilitator.page().select_one("#roster #suggest-link")
    assert link["href"] == f"/r/{race['slug']}/teams/suggest"
    assert facilitator.client.get(link["href"]).status_code == 200
