"""One race across five browser contexts: the facilitator, Alice and Bertil of two teams, Ebba, the wall.

The facilitator starts a phase that takes requests; Alice and Bertil add cards; Alice edits, moves and
comments on hers. Alice calls an expert; Ebba (the expert) claims, notes and resolves; Alice rates the help.
The facilitator announces something, spotlights Bertil's card on the wall and locks Alice's board; then moves
to the next phase, where Alice votes. Bertil switches to English. Each step is checked on every screen it
should reach, and on the screens it should not. The wall at 1920x1080 and Alice's board at 1280x800 are kept
as screenshots in the temporary folder (the README's pictures come from `make screenshots`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import (
    answer_profile,
    card_in,
    choose_team,
    expect_live,
    join,
    open_card,
    open_request_form,
    switch_language,
)

pytestmark = pytest.mark.browser

PICTURES = Path(tempfile.gettempdir()) / "kraftsamla-screenshots"
ALICE_CARD = "Värmelagring i sand"
ALICE_EDITED = "Värmelagring i sand, för en natt"
COMMENT = "Fråga smältverket hur mycket spillvärme de har."
ALICE_BODY = "Sandbatteri som lagrar spillvärme från smältverket över natten."
BERTIL_CARD = "Sensorer som varnar för is på vägen"
QUESTION = "Hur stort måste sandlagret vara för en natt?"
ANNOUNCEMENT = "Middag i matsalen klockan 18. Ta med er namnskylt."


def save_picture(page: Page, name: str) -> None:
    """Save a screenshot to look at after the run."""
    PICTURES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=PICTURES / name, animations="disabled", caret="hide")


def add_card(page: Page, title: str, body: str = "", column: str = "idea") -> None:
    page.locator("#card-title").fill(title)
    page.locator("#card-body").fill(body)
    page.locator("#card-column").select_option(column)
    page.locator("#card-form button[type=submit]").click()
    expect(page.locator("#card-title")).to_have_value("")


def test_a_race_across_five_screens(server: Server, new_page: Callable[..., Page]) -> None:
    race: dict[str, Any] = server.create_race("Innovationsrace Luleå", lang="sv", teams=3)
    server.start()
    slug, codes = race["slug"], race["codes"]
    team_a, team_b = race["teams"][0]["name"], race["teams"][1]["name"]
    phases = race["phases"]
    framing, ideation = phases[3], phases[4]

    facilitator, wall = new_page((1366, 900)), new_page((1920, 1080))
    alice, bertil, ebba = new_page((1280, 800)), new_page((1280, 800)), new_page((1366, 900))
    join(facilitator, server, slug, codes["facilitator"], "Fia Facilitator")
    join(wall, server, slug, codes["wall"], "Väggen")
    join(alice, server, slug, codes["participant"], "Alice Andersson")
    join(bertil, server, slug, codes["participant"], "Bertil Berg")
    join(ebba, server, slug, codes["expert"], "Ebba Ek")
    answer_profile(alice, "research", ["energy"], "Värmelager")
    answer_profile(bertil, "company", ["software"], "")
    answer_profile(ebba, "research", ["energy", "materials"], "termisk lagring")
    choose_team(alice, team_a)
    choose_team(bertil, team_b)
    screens = {"facilitator": facilitator, "wall": wall, "alice": alice, "bertil": bertil, "ebba": ebba}
    for page in screens.values():
        expect_live(page)
    expect(facilitator.locator("#teams .person.online")).to_contain_text(["Alice Andersson"])

    # The facilitator starts "Need framing": every clock runs it.
    facilitator.locator(f"#agenda form[action$='/phases/{framing['id']}/start'] button").click()
    for page in screens.values():
        expect(page.locator("#clock")).to_have_attribute("data-state", "running")
        expect(page.locator("#clock-phase")).to_have_text(framing["name"])
        expect(page.locator("#clock .clock-next")).to_contain_text(ideation["name"])

    # Alice and Bertil add cards: each reaches their team, the facilitator and the wall, not the other team.
    add_card(alice, ALICE_CARD, ALICE_BODY)
    add_card(bertil, BERTIL_CARD, "", "need")
    expect(alice.locator("#col-idea .card h3")).to_have_text([ALICE_CARD])
    expect(bertil.locator("#col-need .card h3")).to_have_text([BERTIL_CARD])
    expect(facilitator.locator("#feed .card-title")).to_contain_text([BERTIL_CARD, ALICE_CARD])
    expect(wall.locator("#wall-cards strong")).to_contain_text([BERTIL_CARD, ALICE_CARD])
    expect(alice.locator("body")).not_to_contain_text(BERTIL_CARD)
    expect(bertil.locator("body")).not_to_contain_text(ALICE_CARD)

    # Alice edits her card (a new revision), moves it to Market potential and comments; her history shows
    # each step. The facilitator's feed and the wall follow; Bertil's board does not.
    panel = open_card(alice, "idea")
    panel.locator("#panel-title").fill(ALICE_EDITED)
    panel.locator(".edit-form button").click()
    expect(panel.locator(".note")).to_have_text("Sparat.")
    panel.locator("#panel-move").select_option("market")
    panel.locator(".move-form button").click()
    expect(card_in(alice, "market").locator("h3")).to_have_text(ALICE_EDITED)
    expect(card_in(alice, "idea")).to_have_count(0)
    panel.locator("#panel-comment").fill(COMMENT)
    panel.locator(".comment-form button").click()
    expect(panel.locator(".note")).to_have_text("Kommentaren är skickad.")
    expect(card_in(alice, "market").locator(".comment-list .comment-body")).to_have_text(COMMENT)
    expect(panel.locator(".history .rev-kind")).to_have_text(
        ["Flyttat till Marknadspotential", "Redigerat", "Tillagt"]
    )
    alice.locator("#card-panel .panel-close").click()
    expect(alice.locator("#card-panel")).to_be_hidden()
    expect(wall.locator("#wall-cards strong")).to_contain_text([BERTIL_CARD, ALICE_EDITED])
    expect(facilitator.locator("#feed")).to_contain_text(ALICE_EDITED)
    expect(bertil.locator("body")).not_to_contain_text(ALICE_EDITED)

    # Alice calls an expert; Ebba sees it marked as hers; the wall's queue counts it.
    open_request_form(alice)
    alice.locator("#request-question").fill(QUESTION)
    alice.locator("#request-form input[name=tag][value=energy]").check()
    alice.locator("#request-form button[type=submit]").click()
    request = alice.locator("#team-requests li")
    expect(request.locator(".request-status")).to_contain_text("Väntar på en expert")
    expect(ebba.locator("#requests li .question")).to_have_text([QUESTION])
    expect(ebba.locator("#requests li .match-badge")).to_be_visible()
    expect(wall.locator("#wall-queue .queue-count")).to_have_text("1 lag väntar")
    expect(facilitator.locator("#fac-queue li .question")).to_have_text([QUESTION])
    expect(bertil.locator("#team-requests li")).to_have_count(0)

    # Ebba claims, notes and resolves; Alice follows each step and rates the help.
    ebba.locator("#requests li").get_by_role("button").click()
    expect(request.locator(".request-status")).to_contain_text("Ebba Ek är på väg")
    expect(wall.locator("#wall-queue .queue-count")).to_have_text("0 lag väntar")
    ebba.locator("#my-requests textarea[name=note]").fill("Räkna på 3 m³ sand per 100 kWh.")
    ebba.locator("#my-requests .note-form button").first.click()
    expect(ebba.locator("#action-msg .done")).to_have_text("Din anteckning är sparad.")
    ebba.locator("#my-requests .note-form button").nth(1).click()
    expect(request.locator(".request-status")).to_contain_text("Löst av Ebba Ek")
    request.locator(".rate-form input[name=rating][value='4']").check()
    request.locator(".rate-form input[name=word]").fill("Tydligt")
    request.locator(".rate-form button[type=submit]").click()
    expect(request.locator(".rating")).to_have_text("Betyg 4 av 5: “Tydligt”")
    expect(ebba.locator("#my-requests .history .rating")).to_have_text(["Betyg 4 av 5: “Tydligt”"])

    # An announcement reaches every screen, inside a live region.
    facilitator.locator("#announce-body").fill(ANNOUNCEMENT)
    facilitator.locator("#announce-form button[type=submit]").click()
    for page in screens.values():
        expect(page.locator("[aria-live] #announcement .announce-body")).to_have_text(ANNOUNCEMENT)

    # The facilitator spotlights Bertil's card: the wall shows it large.
    facilitator.locator("#feed li").filter(has_text=BERTIL_CARD).locator("form button").click()
    expect(wall.locator("#wall-spotlight .spot-title")).to_have_text(BERTIL_CARD)
    expect(facilitator.locator("#spotlight strong")).to_have_text(BERTIL_CARD)
    save_picture(wall, "wall-1920x1080.png")

    # The facilitator locks Alice's board: she is told, a card is refused; Bertil's board stays open.
    team_a_id = race["teams"][0]["id"]
    facilitator.locator(f"#team-{team_a_id}-lock").click()
    expect(alice.locator("#team .locked-note")).to_be_visible()
    expect(alice.locator("#board-state .board-closed")).to_have_text(
        "Processledaren har låst den här tavlan."
    )
    expect(alice.locator("#card-form button[type=submit]")).to_be_disabled()
    expect(bertil.locator("#team .locked-note")).to_have_count(0)
    expect(bertil.locator("#card-form button[type=submit]")).to_be_enabled()
    facilitator.locator(f"#team-{team_a_id}-lock").click()
    expect(alice.locator("#team .locked-note")).to_have_count(0)
    expect(alice.locator("#card-form button[type=submit]")).to_be_enabled()

    # Next phase: every screen moves on to Ideation.
    facilitator.locator("#clock-next").click()
    for page in screens.values():
        expect(page.locator("#clock-phase")).to_have_text(ideation["name"])
        expect(page.locator("#clock")).to_have_attribute("data-state", "running")

    # Ideation opens voting: Alice gives her card a dot; her team sees the count, she sees her votes left.
    expect(alice.locator("#board-state .voting-open")).to_have_text(
        "Röstningen är öppen: 5 röster per person."
    )
    card_in(alice, "market").locator(".vote-cast").click()
    expect(card_in(alice, "market").locator(".vote-count")).to_have_text("1 röst")
    expect(alice.locator("#my-votes")).to_have_text("Du har 4 röster kvar.")
    expect(bertil.locator("#my-votes")).to_have_text("Du har 5 röster kvar.")

    # Bertil switches to English: his screen speaks it, the others keep Swedish, and his card is still there.
    switch_language(bertil, "en")
    expect(bertil.locator("#clock .clock-label")).to_have_text("Now")
    expect(bertil.locator("#clock .clock-next")).to_contain_text("Next:")
    expect(bertil.locator("#clock-phase")).to_have_text(ideation["name"])  # named in the race's language
    expect(bertil.locator("#col-need .card h3")).to_have_text([BERTIL_CARD])
    expect_live(bertil)
    expect(bertil.locator("#my-votes")).to_have_text("You have 5 votes left.")
    expect(bertil.locator("#col-market-title")).to_contain_text("Market potential")
    for page in (facilitator, wall, alice, ebba):
        expect(page.locator("html")).to_have_attribute("lang", "sv")
        expect(page.locator("#clock .clock-label")).to_have_text("Nu")
    facilitator.locator("#announce-body").fill("Fem minuter kvar av idéerna.")
    facilitator.locator("#announce-form button[type=submit]").click()
    expect(bertil.locator("#announcement .announce-body")).to_have_text("Fem minuter kvar av idéerna.")

    alice.reload()
    expect_live(alice)
    expect(card_in(alice, "market").locator(".vote-count")).to_have_text("1 röst")
    # The board itself, from the new-card form down: the top of the page is the clock and the expert form.
    alice.locator("#card-form").evaluate("form => form.scrollIntoView({block: 'start'})")
    save_picture(alice, "board-1280x800.png")
