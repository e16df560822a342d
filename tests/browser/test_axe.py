"""axe-core on the four screens people meet in the room, in Swedish and in English.

The race is made in the language under test; a participant, an expert, the facilitator and the wall join it.
The facilitator starts a phase that takes expert requests, the participant adds a card and calls an expert,
the facilitator announces something and spotlights the card, so every region has content. axe-core (vendored
from npm in `vendor/`, injected here, never served) then runs on each screen; any serious or critical
violation fails the test. The opened card and the join page (on a phone) are checked as well.

Then at every size the screens are built for, in a busy Swedish race (tests/browser/crowd.py: long names,
long titles, a 280-character announcement): the wall at 1920x1080 and 3840x2160 with 30 teams, beside the
spotlight, with the ranking and with the top cards; a participant at 1280x800, 1024x768 and on a 390x844
phone, in a phase that takes expert requests, with the board locked and while voting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from app.db import Database
from app.services import favourites, jury, phases, roster, spotlight
from bench.server import LocalServer as Server
from tests.browser import crowd
from tests.browser.helpers import (
    answer_profile,
    axe_violations,
    choose_team,
    describe,
    expect_live,
    join,
    open_card,
    open_request_form,
)
from tests.browser.test_intake import prepare as prepare_intake

pytestmark = pytest.mark.browser


def set_the_room(server: Server, new_page: Callable[..., Page], lang: str) -> dict[str, Page]:
    """Join the four screens to a fresh race in `lang` and give every region something to show."""
    race: dict[str, Any] = server.create_race("Tillgänglighetsracet", lang=lang, teams=2)
    server.start()
    slug, codes = race["slug"], race["codes"]
    phase = race["phases"][3]  # takes expert requests and board edits
    facilitator, wall = new_page((1366, 900)), new_page((1920, 1080))
    participant, expert = new_page((1280, 800)), new_page((1366, 900))
    join(facilitator, server, slug, codes["facilitator"], "Fia Facilitator")
    join(wall, server, slug, codes["wall"], "Väggen")
    join(participant, server, slug, codes["participant"], "Alice Andersson")
    join(expert, server, slug, codes["expert"], "Ebba Expert")
    answer_profile(participant, "student", [], "Maskininlärning")
    answer_profile(expert, "research", ["energy"], "batterier")
    choose_team(participant, race["teams"][0]["name"])
    pages = {"participant": participant, "facilitator": facilitator, "wall": wall, "expert": expert}
    for page in pages.values():
        expect_live(page)
        expect(page.locator("html")).to_have_attribute("lang", lang)

    facilitator.locator(f"#agenda form[action$='/phases/{phase['id']}/start'] button").click()
    expect(participant.locator("#clock")).to_have_attribute("data-state", "running")
    participant.locator("#card-title").fill("Kylsäkert batteri")
    participant.locator("#card-body").fill("Natriumjon i stället för litium.")
    participant.locator("#card-form button[type=submit]").click()
    expect(participant.locator("#col-idea .card")).to_have_count(1)
    open_request_form(participant)
    participant.locator("#request-question").fill("Vilken cellkemi klarar kyla?")
    participant.locator("#request-form input[name=tag][value=energy]").check()
    participant.locator("#request-form button[type=submit]").click()
    expect(expert.locator("#requests li")).to_have_count(1)
    facilitator.locator("#announce-body").fill("Lunch klockan 12.")
    facilitator.locator("#announce-form button[type=submit]").click()
    facilitator.locator("#feed li form button").first.click()
    expect(wall.locator("#wall-spotlight .spot-title")).to_have_text("Kylsäkert batteri")
    for page in pages.values():
        expect(page.locator("#announcement .announce-body")).to_have_text("Lunch klockan 12.")
    return pages


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_no_serious_accessibility_violation_on_the_four_screens(
    server: Server, new_page: Callable[..., Page], lang: str
) -> None:
    pages = set_the_room(server, new_page, lang)
    found = {screen: axe_violations(page) for screen, page in pages.items()}
    # The opened card (edit, move, comment, history) and the join page, too.
    participant = pages["participant"]
    open_card(participant, "idea")
    found["participant, card opened"] = axe_violations(participant)
    newcomer = new_page(
        (390, 844), is_mobile=True, has_touch=True, locale={"sv": "sv-SE", "en": "en-GB"}[lang]
    )
    newcomer.goto(f"{server.base_url}/")
    expect(newcomer.locator("html")).to_have_attribute("lang", lang)
    found["join page"] = axe_violations(newcomer)
    found = {screen: violations for screen, violations in found.items() if violations}
    assert not found, "axe-core found serious or critical violations:\n" + describe(found)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_no_serious_accessibility_violation_before_the_race(
    server: Server, new_page: Callable[..., Page], lang: str
) -> None:
    prepared = prepare_intake(server, new_page, lang)
    facilitator, company = prepared["facilitator"], prepared["company"]
    found = {"thank-you page": axe_violations(company)}
    company.goto(prepared["link"])
    found["intake form"] = axe_violations(company)
    # An empty form is stopped by the browser's own checks; a contact that is neither e-mail nor phone is not.
    company.locator("#intake-company").fill("AB")
    company.locator("#intake-contact-name").fill("Sara")
    company.locator("#intake-contact-means").fill("?")
    company.locator("#intake-title-field").fill("Behov")
    company.locator("#intake-description").fill("Text")
    company.locator("#intake-send").click()
    expect(company.locator("#intake-error")).to_be_visible()
    found["intake form with an error"] = axe_violations(company)
    facilitator.reload()
    facilitator.locator(".need-list > li details[id$=-edit] summary").click()
    found["needs page"] = axe_violations(facilitator)
    facilitator.locator(".need-list > li form details.confirm summary").click()
    facilitator.locator(".need-list > li form button[id$=-choose]").click()
    facilitator.goto(f"{server.base_url}/r/{prepared['race']['slug']}/competences")
    expect(facilitator.locator("#gap-list li")).to_have_count(2)
    found["competence map"] = axe_violations(facilitator)
    found = {screen: violations for screen, violations in found.items() if violations}
    assert not found, "axe-core found serious or critical violations:\n" + describe(found)


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)], ids=["1080p", "4k"])
def test_no_serious_accessibility_violation_on_a_full_wall(
    server: Server, new_page: Callable[..., Page], size: tuple[int, int]
) -> None:
    race: dict[str, Any] = server.create_race("Innovationsracet Västerbotten", lang="sv", teams=30)
    room = crowd.fill(server.env["DATABASE_URL"], race)
    server.start()
    wall = new_page(size)
    join(wall, server, race["slug"], race["codes"]["wall"], "Väggen")
    expect_live(wall)
    found = {"teams and spotlight": axe_violations(wall)}
    db = Database(server.env["DATABASE_URL"])
    try:
        # Changes made beside the server reach a screen when it loads again.
        crowd.score(db, race["codes"], room.facilitator, room.team_ids)
        wall.reload()
        expect(wall.locator("#wall-ranking tbody tr").first).to_be_attached()
        found["ranking and spotlight"] = axe_violations(wall)
        jury.set_revealed(db, room.facilitator, False)
        crowd.vote(db, room)
        favourites.show_on_wall(db, room.facilitator, True)
        spotlight.clear(db, room.facilitator)
        wall.reload()
        expect(wall.locator("#wall-top .top-tile").first).to_be_attached()
        found["top cards"] = axe_violations(wall)
    finally:
        db.dispose()
    found = {screen: violations for screen, violations in found.items() if violations}
    assert not found, "axe-core found serious or critical violations:\n" + describe(found)


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768), (390, 844)], ids=["1280", "1024", "phone"])
def test_no_serious_accessibility_violation_on_a_participants_screen(
    server: Server, new_page: Callable[..., Page], size: tuple[int, int]
) -> None:
    race: dict[str, Any] = server.create_race("Innovationsracet Västerbotten", lang="sv", teams=12)
    room = crowd.fill(server.env["DATABASE_URL"], race)
    server.start()
    phone = size[0] < 600
    page = new_page(size, **({"is_mobile": True, "has_touch": True} if phone else {}))
    join(page, server, race["slug"], race["codes"]["participant"], "Åsa Öberg-Lindqvist")
    choose_team(page, crowd.team_name(0))
    expect_live(page)
    found = {"expert requests": axe_violations(page)}
    db = Database(server.env["DATABASE_URL"])
    try:
        roster.set_locked(db, room.facilitator, room.team_ids[0], True)
        page.reload()
        expect(page.locator("#board-state .board-closed")).to_be_visible()
        found["board locked"] = axe_violations(page)
        roster.set_locked(db, room.facilitator, room.team_ids[0], False)
        phases.start(db, room.facilitator, race["phases"][4]["id"])
        page.reload()
        expect(page.locator(".vote-cast").first).to_be_visible()
        found["voting"] = axe_violations(page)
    finally:
        db.dispose()
    found = {screen: violations for screen, violations in found.items() if violations}
    assert not found, "axe-core found serious or critical violations:\n" + describe(found)


def test_the_connection_badge_is_legible_in_every_state(
    server: Server, new_page: Callable[..., Page]
) -> None:
    # Every screen shows "Connecting…" at each load and after each drop, however briefly: each of the
    # badge's states must pass axe, not only the live one the other tests wait for. Copies of the badge show
    # each state beside the real one, which the live script keeps up to date.
    race: dict[str, Any] = server.create_race("Innovationsracet Kronoberg", lang="sv", teams=2)
    server.start()
    page = new_page((1280, 800))
    join(page, server, race["slug"], race["codes"]["participant"], "Åsa Öberg")
    expect_live(page)
    states = ["connecting", "offline", "live"]
    page.evaluate(
        """states => { const conn = document.getElementById("conn");
          for (const state of states) { const copy = conn.cloneNode(true);
            copy.id = "conn-" + state; copy.dataset.state = state; conn.after(copy); } }""",
        states,
    )
    contrast = [violation for violation in axe_violations(page) if violation["id"] == "color-contrast"]
    assert not contrast, "axe-core found serious or critical violations:\n" + describe({"badge": contrast})
