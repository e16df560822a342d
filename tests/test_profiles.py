"""Profiles: asked once after joining, saved or skipped, edited later, kept escaped."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from app.db import Database
from app.models import Event, Person
from tests.conftest import Join, soup


def person_named(db: Database, name: str) -> Person:
    with db.read() as session:
        return session.exec(select(Person).where(Person.name == name)).one()


def test_participants_and_experts_are_asked_once(join: Join, race: dict[str, Any], db: Database) -> None:
    member, expert, facilitator = (
        join("participant", "Alva"),
        join("expert", "Ebba"),
        join("facilitator", "Fia"),
    )
    assert member.page().select_one("#profile-prompt") is not None
    assert expert.page().select_one("#profile-prompt") is not None
    assert facilitator.page().select_one("#profile-prompt") is None
    form = {
        "background": "company",
        "company": "Verkstad <AB>",
        "competence": ["energy", "design"],
        "competence_more": "batterier, Energy ,  cellkemi",
        "action": "save",
    }
    assert member.post(f"/r/{race['slug']}/profile", form).status_code == 303
    alva = person_named(db, "Alva")
    assert (alva.background, alva.company) == ("company", "Verkstad <AB>")
    # Ticked suggestions and typed text are stored as competence keys; "Energy" typed again is the same one.
    assert alva.competences == ["energy", "design", "batterier", "cellkemi"]
    assert member.page().select_one("#profile-prompt") is None
    with db.read() as session:
        event = session.exec(select(Event).where(Event.kind == "profile.updated")).one()
    assert event.person_id == alva.id and event.data["competences"] == alva.competences


def test_skipping_keeps_the_defaults_and_stops_asking(join: Join, race: dict[str, Any], db: Database) -> None:
    member = join("participant", "Alva")
    answer = member.post(f"/r/{race['slug']}/profile", {"action": "skip", "competence_more": "x" * 5000})
    assert answer.status_code == 303
    alva = person_named(db, "Alva")
    assert (alva.background, alva.competences, alva.profile_ms is not None) == ("other", [], True)
    assert member.page().select_one("#profile-prompt") is None


def test_the_profile_can_be_edited_later_and_shows_it_escaped(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    member = join("participant", "Alva")
    slug = race["slug"]
    member.post(f"/r/{slug}/profile", {"action": "skip"})
    page = soup(member.client.get(f"/r/{slug}/profile").text)
    assert page.select_one("#profile-prompt form") is not None
    assert member.page().select_one("a.profile-link")["href"] == f"/r/{slug}/profile"
    member.post(f"/r/{slug}/profile", {"background": "research", "competence_more": "<b>AI</b>, Robotik"})
    page = soup(member.client.get(f"/r/{slug}/profile").text)
    assert page.select_one("input[value=research]").has_attr("checked")
    # The race's own tags become suggestions, ticked for the person who has them.
    ticked = [box["value"] for box in page.select("input[name=competence][checked]")]
    assert ticked == ["<b>AI</b>", "Robotik"]
    assert page.find("b") is None
    assert person_named(db, "Alva").company == ""  # a company name only with the company background


def test_bad_profiles_are_refused_in_the_persons_language(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    member = join("participant", "Alva")
    slug = race["slug"]
    member.post(f"/r/{slug}/lang", {"lang": "sv"})
    for form in (
        {"background": "astronaut"},
        {"background": "other", "competence_more": "x" * 41},
        {"background": "other", "competence_more": ",".join(f"t{n}" for n in range(13))},
        {"background": "company", "company": "y" * 121},
    ):
        answer = member.post(f"/r/{slug}/profile", form)
        assert answer.status_code == 422
        error = soup(answer.text).select_one("#profile-error[role=alert]").get_text()
        assert any(word in error for word in ("Välj", "högst", "tecken")), error
    assert person_named(db, "Alva").profile_ms is None


def test_the_jury_has_no_profile(join: Join, race: dict[str, Any]) -> None:
    jury = join("jury", "Jon")
    assert jury.post(f"/r/{race['slug']}/profile", {"action": "skip"}).status_code == 403
