"""The needs intake: opened by the facilitator, filled in by companies, edited and made challenges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from app.db import Database
from app.errors import Conflict
from app.migrate import upgrade
from app.models import Challenge, Event, Need, Race
from app.services import exports, needs, privacy, races
from app.services.reports import KIND_LABELS
from tests.conftest import ORIGIN, Join, Person, soup

NEED = {
    "company": "Sågverket <AB>",
    "contact_name": "Sara Säljare",
    "contact_means": "sara@sagverket.se",
    "title": "Mindre spill i sågen",
    "description": "Vi sågar bort 12 % av stocken.",
    "market": "Byggföretag i länet",
    "technology": "",
    "financing": "Vinnova?",
    "resources": "Två ingenjörer",
    "tag": ["Materials", "AI"],
    "tag_more": "Trä, ai, Skogsbruk",
    "urgency": "3",
    "key": "need-1",
}


def open_intake(facilitator: Person, slug: str) -> str:
    """Open the race's intake from the needs page and return the companies' link (its path)."""
    answer = facilitator.post(f"/r/{slug}/needs/intake", {"open": "1"})
    assert answer.status_code == 303
    page = soup(facilitator.client.get(f"/r/{slug}/needs").text)
    link = page.select_one("#intake-link")
    assert link is not None
    url = str(link["value"])
    assert url.startswith("http://testserver/intake/")
    return url.removeprefix("http://testserver")


def company(app: Starlette, app_client: TestClient) -> TestClient:
    """Return a browser that has not signed in to anything."""
    client = TestClient(app, headers={"origin": ORIGIN})
    client.portal = app_client.portal
    return client


def all_needs(db: Database) -> list[Need]:
    with db.read() as session:
        return list(session.exec(select(Need).order_by(col(Need.id))).all())


def kinds(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.exec(select(Event.kind).order_by(col(Event.seq))).all())


def test_opening_makes_the_link_once_and_closing_keeps_it(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator, slug = join("facilitator", "Fia"), race["slug"]
    path = open_intake(facilitator, slug)
    facilitator.post(f"/r/{slug}/needs/intake", {"open": "0"})
    facilitator.post(f"/r/{slug}/needs/intake", {"open": "1"})
    facilitator.post(f"/r/{slug}/needs/intake", {"open": "1"})  # already open: no change, no event
    with db.read() as session:
        found = session.exec(select(Race).where(Race.slug == slug)).one()
    assert path == f"/intake/{found.intake_token}" and found.intake_open
    assert kinds(db).count("intake.opened") == 2 and kinds(db).count("intake.closed") == 1
    assert facilitator.client.get(f"/r/{slug}/needs/qr.svg").headers["content-type"] == "image/svg+xml"


def test_a_company_sends_a_need_and_sees_what_it_sent(
    join: Join, race: dict[str, Any], db: Database, app: Starlette, app_client: TestClient
) -> None:
    path = open_intake(join("facilitator", "Fia"), race["slug"])
    browser = company(app, app_client)
    form = soup(browser.get(path).text)
    assert form.select_one("#intake-privacy") is not None
    assert form.select_one("input[name=key]")["value"]
    assert form.select_one("input[name=urgency][value='2']").has_attr("checked")
    answer = browser.post(path, data=NEED)
    assert answer.status_code == 201, answer.text
    thanks = soup(answer.text)
    assert thanks.select_one("#sent-title").get_text() == NEED["title"]
    assert "Sågverket <AB>" in thanks.select_one("#need-sent").get_text()  # escaped, shown as typed
    assert thanks.select_one("#intake-another")["href"] == path
    [need] = all_needs(db)
    assert (need.company, need.contact, need.urgency, need.chosen) == (
        "Sågverket <AB>",
        "Sara Säljare, sara@sagverket.se",
        3,
        False,
    )
    # Competence keys: the built-in ones named in either language, the race's own as first spelled.
    assert need.tags == ["materials", "ai", "Trä", "Skogsbruk"]
    assert (need.market, need.technology, need.financing) == ("Byggföretag i länet", "", "Vinnova?")
    with db.read() as session:
        event = session.exec(select(Event).where(Event.kind == "need.submitted")).one()
    assert event.data["need"] == need.id and event.data["title"] == NEED["title"] and event.person_id is None
    assert "contact" not in event.data  # personal data stays in the need, which retention clears


def test_a_double_submit_makes_one_need(
    join: Join, race: dict[str, Any], db: Database, app: Starlette, app_client: TestClient
) -> None:
    path = open_intake(join("facilitator", "Fia"), race["slug"])
    browser = company(app, app_client)
    first, again = browser.post(path, data=NEED), browser.post(path, data=NEED)
    assert first.status_code == again.status_code == 201
    assert len(all_needs(db)) == 1 and kinds(db).count("need.submitted") == 1
    browser.post(path, data={**NEED, "key": "need-2"})
    assert len(all_needs(db)) == 2


def test_bad_input_shows_the_form_again_with_what_was_typed(
    join: Join, race: dict[str, Any], db: Database, app: Starlette, app_client: TestClient
) -> None:
    path = open_intake(join("facilitator", "Fia"), race["slug"])
    browser = company(app, app_client)
    cases = [
        ({"title": "  "}, "title"),
        ({"contact_means": "ring mig"}, "e-mail"),
        ({"urgency": "7"}, "urgent"),
        ({"tag_more": "x" * 41}, "competence"),
        ({"description": "y" * 5001}, "5000"),
    ]
    for change, word in cases:
        answer = browser.post(path, data={**NEED, **change})
        assert answer.status_code == 422, change
        page = soup(answer.text)
        error = page.select_one("#intake-error")
        assert error is not None and error["role"] == "alert" and word in error.get_text(), change
        assert page.select_one("#intake-company")["value"] == NEED["company"]
        assert page.select_one("input[name=key]")["value"] == NEED["key"]
        assert page.select_one("input[name=urgency][value='3']").has_attr("checked") == (
            "urgency" not in change
        )
    assert all_needs(db) == []
    # The same key, corrected, then goes through once.
    assert browser.post(path, data=NEED).status_code == 201 and len(all_needs(db)) == 1


def test_unknown_and_closed_intakes_say_so(
    join: Join, race: dict[str, Any], db: Database, app: Starlette, app_client: TestClient
) -> None:
    facilitator, slug = join("facilitator", "Fia"), race["slug"]
    browser = company(app, app_client)
    unknown = browser.get("/intake/nope?lang=en")
    assert unknown.status_code == 404 and "no needs intake" in unknown.text
    path = open_intake(facilitator, slug)
    facilitator.post(f"/r/{slug}/needs/intake", {"open": "0"})
    for answer in (browser.get(path), browser.post(path, data=NEED)):
        assert answer.status_code == 410
        assert "closed" in soup(answer.text).select_one("main").get_text()
    assert all_needs(db) == []


def test_the_intake_speaks_the_race_language_until_asked_otherwise(
    join: Join, db: Database, app: Starlette, app_client: TestClient
) -> None:
    made = races.create_race(db, "Svenska racet", lang="sv", teams=1)
    facilitator = company(app, app_client)
    facilitator.post("/join", data={"code": made["codes"]["facilitator"], "name": "Fia"})
    path = open_intake(Person(facilitator, made["slug"]), made["slug"])
    browser = company(app, app_client)
    swedish = soup(browser.get(path, headers={"accept-language": "en"}).text)
    assert swedish.html["lang"] == "sv" and swedish.select_one("#intake-send").get_text() == "Skicka behovet"
    english = soup(browser.get(path + "?lang=en").text)
    assert english.html["lang"] == "en" and english.select_one("#intake-send").get_text() == "Send the need"
    # The choice is remembered for the post and the next visit.
    assert soup(browser.get(path).text).html["lang"] == "en"
    closed = browser.get("/intake/nope?lang=sv")
    assert closed.status_code == 404 and soup(closed.text).html["lang"] == "sv"


def test_the_facilitator_edits_a_need(
    join: Join, race: dict[str, Any], db: Database, app: Starlette, app_client: TestClient
) -> None:
    facilitator, slug = join("facilitator", "Fia"), race["slug"]
    path = open_intake(facilitator, slug)
    company(app, app_client).post(path, data=NEED)
    [need] = all_needs(db)
    edit = {
        "company": "Sågverket AB",
        "contact": "Sara, 070-123 45 67",
        "title": "Mindre spill",
        "description": "Kortare.",
        "market": "",
        "technology": "Röntgen",
        "financing": "",
        "resources": "",
        "tags": "Trä, AI",
        "urgency": "1",
    }
    assert facilitator.post(f"/r/{slug}/needs/{need.id}", edit).status_code == 303
    [edited] = all_needs(db)
    assert (edited.title, edited.technology, edited.tags, edited.urgency) == (
        "Mindre spill",
        "Röntgen",
        ["Trä", "ai"],
        1,
    )
    assert edited.updated_ms is not None and "need.updated" in kinds(db)
    refused = facilitator.post(f"/r/{slug}/needs/{need.id}", {**edit, "title": "", "technology": "Ultraljud"})
    assert refused.status_code == 422
    page = soup(refused.text)
    assert page.select_one(f"#need-{need.id}-error")["role"] == "alert"
    assert page.select_one(f"#need-{need.id}-technology").get_text() == "Ultraljud"
    assert all_needs(db)[0].technology == "Röntgen"
    assert facilitator.post(f"/r/{slug}/needs/999", edit).status_code == 404


def test_needs_are_listed_most_urgent_then_newest(
    join: Join, race: dict[str, Any], db: Database, app: Starlette, app_client: TestClient
) -> None:
    facilitator, slug = join("facilitator", "Fia"), race["slug"]
    path = open_intake(facilitator, slug)
    browser = company(app, app_client)
    for key, title, urgency in [
        ("a", "Låg", "1"),
        ("b", "Hög först", "3"),
        ("c", "Mellan", "2"),
        ("d", "Hög sen", "3"),
    ]:
        assert (
            browser.post(path, data={**NEED, "key": key, "title": title, "urgency": urgency}).status_code
            == 201
        )
    page = soup(facilitator.client.get(f"/r/{slug}/needs").text)
    titles = [item.select_one("h3").get_text().split(": ", 1)[1] for item in page.select(".need-list > li")]
    assert titles == ["Hög sen", "Hög först", "Mellan", "Låg"]


def test_making_a_challenge_twice_makes_one(
    join: Join, race: dict[str, Any], db: Database, app: Starlette, app_client: TestClient
) -> None:
    facilitator, slug = join("facilitator", "Fia"), race["slug"]
    path = open_intake(facilitator, slug)
    company(app, app_client).post(path, data=NEED)
    [need] = all_needs(db)
    with facilitator.live() as live:
        live.wait_synced()
        assert facilitator.post(f"/r/{slug}/needs/{need.id}/choose").status_code == 303
        frame = soup(live.receive_text())
        assert NEED["title"] in frame.select_one("#challenges").get_text()
    assert facilitator.post(f"/r/{slug}/needs/{need.id}/choose").status_code == 303
    with db.read() as session:
        made = session.exec(select(Challenge).where(Challenge.need_id == need.id)).all()
    assert len(made) == 1
    assert (made[0].company, made[0].title, made[0].tags) == (need.company, need.title, need.tags)
    assert all_needs(db)[0].chosen and kinds(db).count("need.chosen") == 1
    page = soup(facilitator.client.get(f"/r/{slug}/needs").text)
    assert page.select_one(f"#need-{need.id}-chosen") is not None
    assert page.select_one(f"#need-{need.id}-choose") is None
    control = facilitator.page()
    shown = [tag.get_text() for tag in control.select(f"#challenge-{made[0].id} .tag")]
    assert shown == ["Materials", "AI", "Trä", "Skogsbruk"]


def test_challenge_tags_are_edited_in_the_challenge_form(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    facilitator, slug = join("facilitator", "Fia"), race["slug"]
    base = {"company": "AB", "title": "Behov", "description": ""}
    assert (
        facilitator.post(f"/r/{slug}/challenges", {**base, "tags": "Energi, design, Energi"}).status_code
        == 303
    )
    with db.read() as session:
        challenge = session.exec(select(Challenge)).one()
    assert challenge.tags == ["energy", "design"]
    field = facilitator.page().select_one(f"#challenge-{challenge.id}-tags")
    assert field["value"] == "Energy, Design"  # in the reader's language, English here
    facilitator.post(f"/r/{slug}/challenges/{challenge.id}", {**base, "title": "Nytt"})  # no field: kept
    facilitator.post(f"/r/{slug}/challenges/{challenge.id}", {**base, "tags": "AI"})
    with db.read() as session:
        assert session.get(Challenge, challenge.id).tags == ["ai"]
    assert (
        facilitator.post(f"/r/{slug}/challenges/{challenge.id}", {**base, "tags": "z" * 41}).status_code
        == 422
    )


def test_the_new_event_kinds_have_labels() -> None:
    for kind in ("intake.opened", "intake.closed", "need.submitted", "need.updated", "need.chosen"):
        assert kind in KIND_LABELS


def test_only_facilitators_reach_the_needs(join: Join, race: dict[str, Any], db: Database) -> None:
    member = join("participant", "Pelle")
    assert member.client.get(f"/r/{race['slug']}/needs").status_code == 403
    assert member.post(f"/r/{race['slug']}/needs/intake", {"open": "1"}).status_code == 403
    with db.read() as session:
        assert session.exec(select(Race).where(Race.slug == race["slug"])).one().intake_token is None


def test_submit_refuses_a_key_used_for_something_else(join: Join, race: dict[str, Any], db: Database) -> None:
    facilitator, slug = join("facilitator", "Fia"), race["slug"]
    open_intake(facilitator, slug)
    facilitator.post(f"/r/{slug}/announcements", {"body": "Hej", "key": "shared"})
    with db.read() as session:
        token = session.exec(select(Race.intake_token).where(Race.slug == slug)).one()
    form = needs.NeedForm(company="AB", contact="A, a@b.se", title="T", description="D", urgency="2")
    with pytest.raises(Conflict):
        needs.submit(db, token or "", form, "shared")
    assert all_needs(db) == []


def test_retention_removes_the_contact_details(
    join: Join, race: dict[str, Any], db: Database, app: Starlette, app_client: TestClient
) -> None:
    facilitator, slug = join("facilitator", "Fia"), race["slug"]
    company(app, app_client).post(open_intake(facilitator, slug), data=NEED)
    facilitator.post(f"/r/{slug}/end")
    privacy.purge(db)
    assert all_needs(db)[0].contact != ""  # not yet: the retention period has just begun
    with db.write() as session:
        row = session.exec(select(Race).where(Race.slug == slug)).one()
        row.ended_ms = (row.ended_ms or 0) - (row.retention_days + 1) * privacy.DAY_MS
        session.add(row)
    privacy.purge(db)
    privacy.purge(db)
    [need] = all_needs(db)
    assert need.contact == "" and need.title == NEED["title"]
    assert kinds(db).count("need.contacts_removed") == 1


def test_the_review_and_the_export_carry_the_needs(
    join: Join, race: dict[str, Any], db: Database, app: Starlette, app_client: TestClient
) -> None:
    facilitator, slug = join("facilitator", "Fia"), race["slug"]
    company(app, app_client).post(open_intake(facilitator, slug), data=NEED)
    [need] = all_needs(db)
    facilitator.post(f"/r/{slug}/needs/{need.id}/choose")
    review = facilitator.client.get(f"/r/{slug}/review")
    assert review.status_code == 200
    assert {"Need submitted", "Need made a challenge"} <= set(soup(review.text).get_text("\n").splitlines())
    for page in ("replay", "report"):
        assert facilitator.client.get(f"/r/{slug}/review/{page}").status_code == 200
    exported = facilitator.client.get(f"/r/{slug}/review/export.json").json()
    table = exported["tables"]["need"]
    assert [row[table["columns"].index("title")] for row in table["rows"]] == [NEED["title"]]


def test_an_imported_race_keeps_its_needs_linked(
    join: Join, race: dict[str, Any], db: Database, app: Starlette, app_client: TestClient, tmp_path: Path
) -> None:
    facilitator, slug = join("facilitator", "Fia"), race["slug"]
    company(app, app_client).post(open_intake(facilitator, slug), data=NEED)
    [need] = all_needs(db)
    facilitator.post(f"/r/{slug}/needs/{need.id}/choose")
    document = exports.export_race(db, slug)
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(other_url)
    other = Database(other_url)
    try:
        other_race = races.create_race(other, "Ett annat race", teams=1)
        with other.write() as session:
            race_id = session.exec(select(Race.id).where(Race.slug == other_race["slug"])).one()
            session.add(Need(race_id=race_id, company="X", title="Annat", created_ms=0))
        exports.import_race(other, document)
        with other.read() as session:
            moved = session.exec(select(Need).where(Need.title == NEED["title"])).one()
            challenge = session.exec(select(Challenge).where(Challenge.title == NEED["title"])).one()
            chosen = session.exec(select(Event).where(Event.kind == "need.chosen")).one()
        assert moved.id != need.id and challenge.need_id == moved.id and chosen.data["need"] == moved.id
    finally:
        other.dispose()


def test_the_control_screen_counts_needs_live(
    join: Join, race: dict[str, Any], app: Starlette, app_client: TestClient
) -> None:
    facilitator, slug = join("facilitator", "Fia"), race["slug"]
    path = open_intake(facilitator, slug)
    assert "0 needs sent" in facilitator.page().select_one("#prep").get_text()
    with facilitator.live() as live:
        live.wait_synced()
        company(app, app_client).post(path, data=NEED)
        frame = soup(live.receive_text())
    prep = frame.select_one("#prep")
    assert prep is not None and prep["hx-swap-oob"] == "true"
    assert (
        "The needs intake is open." in prep.get_text()
        and "1 need sent, 0 made a challenge." in prep.get_text()
    )
