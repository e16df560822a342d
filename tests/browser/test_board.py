"""The team board in Chromium: two team-mates (a laptop and a 360 px phone) edit, move, vote, comment and read
the history of one card and see each other's changes live; a phase that closes the board disables the forms
without a reload; the end of a phase flashes the clock and plays a tone unless muted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import card_in, choose_team, expect_live, join, open_card

pytestmark = pytest.mark.browser

TITLE = 'Skruv <b>av</b> "returplast"'
EDITED = "Skruv av returplast, version 2"
COMMENT = '<img src=x onerror="window.pwned=1"> Testa med Volvo'


def start(facilitator: Page, phase: str) -> None:
    facilitator.get_by_role("button", name=f"Start {phase}", exact=True).click()
    expect(facilitator.locator("#clock-phase")).to_have_text(phase)


def test_two_team_mates_work_one_board_live(
    server: Server, new_page: Callable[..., Page], screenshot_dir: Path
) -> None:
    race = server.create_race("Board race", lang="en", teams=2)
    server.start()
    slug, codes, team = race["slug"], race["codes"], race["teams"][0]["name"]
    facilitator = new_page((1366, 900))
    alice = new_page((1280, 800))
    alva = new_page((360, 780), is_mobile=True, has_touch=True, device_scale_factor=2)
    join(facilitator, server, slug, codes["facilitator"], "Fia")
    join(alice, server, slug, codes["participant"], "Alice")
    join(alva, server, slug, codes["participant"], "Alva")
    choose_team(alice, team)
    choose_team(alva, team)
    for page in (facilitator, alice, alva):
        expect_live(page)
    start(facilitator, "Ideation")
    expect(alva.locator("#board-state")).to_contain_text("Voting is open: 5 votes each.")

    # Alice adds a card; Alva sees it.
    alice.locator("#card-title").fill(TITLE)
    alice.locator("#card-column").select_option("idea")
    alice.locator("#card-form button[type=submit]").click()
    expect(card_in(alva, "idea").locator("h3")).to_have_text(TITLE)

    # Alice edits it in the opened card; Alva sees the new title and that it was edited.
    panel = open_card(alice, "idea")
    expect(panel.locator("#panel-title")).to_be_focused()
    panel.locator("#panel-title").fill(EDITED)
    panel.locator(".edit-form button").click()
    expect(panel.locator(".note")).to_have_text("Saved.")
    expect(card_in(alva, "idea").locator("h3")).to_have_text(EDITED)
    expect(card_in(alva, "idea").locator(".edited")).to_have_text("edited")

    # Alice moves it to Market potential.
    panel.locator("#panel-move").select_option("market")
    panel.locator(".move-form button").click()
    expect(card_in(alva, "market").locator("h3")).to_have_text(EDITED)
    expect(card_in(alva, "idea")).to_have_count(0)
    alice.locator("#card-panel .panel-close").click()
    expect(alice.locator("#card-panel")).to_be_hidden()

    # Alva votes on her phone: both see the count; only Alva sees her votes left and can take hers back.
    with alva.expect_request(lambda r: r.method == "POST" and r.url.endswith("/votes")) as sent:
        card_in(alva, "market").locator(".vote-cast").tap()
    # The vote form comes in the team's shared frame without a key; the page adds one per submission.
    assert re.search(r"(^|&)key=[0-9a-f]{32}($|&)", sent.value.post_data or ""), sent.value.post_data
    for page in (alice, alva):
        expect(card_in(page, "market").locator(".vote-count")).to_have_text("1 vote")
    expect(alva.locator("#my-votes")).to_have_text("You have 4 votes left.")
    expect(alice.locator("#my-votes")).to_have_text("You have 5 votes left.")
    expect(card_in(alva, "market").locator(".vote-withdraw")).to_be_visible()
    expect(card_in(alice, "market").locator(".vote-withdraw")).to_be_hidden()
    card_in(alva, "market").locator(".vote-withdraw").tap()
    expect(alva.locator("#my-votes")).to_have_text("You have 5 votes left.")
    expect(card_in(alice, "market").locator(".vote-count")).to_have_text("0 votes")

    # Alva comments (markup as text); Alice sees it under the card. Alva reads the history: one click.
    panel = open_card(alva, "market")
    panel.locator("#panel-comment").fill(COMMENT)
    panel.locator(".comment-form button").tap()
    expect(panel.locator(".note")).to_have_text("Comment sent.")
    expect(card_in(alice, "market").locator(".comment-list .comment-body")).to_have_text(COMMENT)
    expect(panel.locator(".history .rev-kind")).to_have_text(["Moved to Market potential", "Edited", "Added"])
    expect(panel.locator(".history .author")).to_have_text(["Alice", "Alice", "Alice"])
    expect(panel.locator(".history .rev-title")).to_have_text([EDITED, EDITED, TITLE])
    assert alice.evaluate("() => typeof window.pwned") == "undefined"
    expect(alice.locator(".comment-list img")).to_have_count(0)

    # The phone shows one column at a time (the board scrolls sideways, the page does not), big touch targets.
    alva.locator("#card-panel .panel-close").tap()
    assert alva.evaluate("() => document.documentElement.scrollWidth") <= 360
    board = alva.locator(".board").bounding_box()
    widths = [alva.locator(".board .column").nth(i).bounding_box() for i in range(7)]
    assert board and all(box and box["width"] > 0.8 * board["width"] for box in widths), widths
    vote_box = card_in(alva, "market").locator(".vote-cast").bounding_box()
    assert vote_box and vote_box["height"] >= 44
    alice.screenshot(path=screenshot_dir / "board-1280.png")
    alva.screenshot(path=screenshot_dir / "board-phone-360.png", full_page=True)
    open_card(alva, "market")
    alva.screenshot(path=screenshot_dir / "board-phone-360-card.png")
    alva.locator("#card-panel .panel-close").tap()

    # The facilitator starts the night pause: the forms close and say why, without a reload.
    start(facilitator, "Night pause")
    for page in (alice, alva):
        expect(page.locator("#board-state")).to_have_text(
            re.compile(r"The board is closed during Night pause\.")
        )
        expect(page.locator("#card-form button[type=submit]")).to_be_disabled()
        expect(card_in(page, "market").locator(".vote-cast")).to_be_disabled()
        expect(page.locator("#my-votes")).to_be_hidden()
    panel = open_card(alice, "market")
    expect(panel.locator(".edit-form button")).to_be_disabled()
    expect(panel.locator(".board-closed")).to_have_text("The board is closed during Night pause.")
    start(facilitator, "Market")
    expect(alice.locator("#card-form button[type=submit]")).to_be_enabled()
    expect(alice.locator("#card-panel .edit-form button")).to_be_enabled()
    expect(alice.locator("#board-state")).to_have_text("")

    # Alice removes the card (after confirming): it leaves Alva's board; its history stays in the panel.
    alice.once("dialog", lambda dialog: dialog.accept())
    alice.locator("#card-panel .remove-form button").click()
    expect(alice.locator("#card-panel .notice")).to_have_text("This card was removed from the board.")
    expect(alice.locator("#card-panel .history .rev-kind").first).to_have_text("Removed")
    expect(card_in(alva, "market")).to_have_count(0)
    expect(alva.locator("#col-market-title .count")).to_have_text("0")


ENDING_SOON = """() => {
  const clock = document.getElementById("clock");
  clock.setAttribute("data-deadline", String(window.Kraftsamla.clock.serverNow() + 1500));
}"""


def test_the_end_of_a_phase_is_signalled_and_the_sound_can_be_muted(
    server: Server, new_page: Callable[..., Page]
) -> None:
    race = server.create_race("Signal race", lang="en", teams=1)
    server.start()
    facilitator = new_page()
    alice = new_page((1280, 800))
    join(facilitator, server, race["slug"], race["codes"]["facilitator"], "Fia")
    join(alice, server, race["slug"], race["codes"]["participant"], "Alice")
    choose_team(alice, race["teams"][0]["name"])
    expect_live(alice)
    start(facilitator, race["phases"][0]["name"])
    expect(alice.locator("#clock")).to_have_attribute("data-state", "running")

    # Let the clock run out (its deadline moved close): a visual cue and a tone. Browsers play sound only on a
    # page the person has used; trying the toggle (twice: on and off again) is such a use.
    toggle = alice.locator("#sound-toggle")
    toggle.click()
    toggle.click()
    alice.evaluate(ENDING_SOON)
    expect(alice.locator("#clock")).to_have_class(re.compile(r"\bclock-signal\b"))
    expect(alice.locator("body")).to_have_attribute("data-sound-played", re.compile(r"\d+"))
    expect(alice.locator("#live-status")).to_have_text("Time is up")

    # Muted, and remembered after a reload: the cue still shows, no tone plays.
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    alice.reload()
    expect_live(alice)
    expect(alice.locator("#sound-toggle")).to_have_attribute("aria-pressed", "true")
    alice.locator("#clock").click()  # a use of the page: only the mute keeps the tone off
    alice.evaluate(ENDING_SOON)
    expect(alice.locator("#clock")).to_have_class(re.compile(r"\bclock-signal\b"))
    expect(alice.locator("body")).to_have_attribute("data-phase-ended", re.compile(r"\d+"))
    assert alice.locator("body").get_attribute("data-sound-played") is None


def test_the_board_by_keyboard_and_the_card_panel_offline(
    server: Server, new_page: Callable[..., Page]
) -> None:
    race = server.create_race("Keyboard race", lang="en", teams=1)
    server.start()
    facilitator = new_page()
    alice = new_page((1280, 800))
    join(facilitator, server, race["slug"], race["codes"]["facilitator"], "Fia")
    join(alice, server, race["slug"], race["codes"]["participant"], "Alice")
    choose_team(alice, race["teams"][0]["name"])
    expect_live(alice)
    start(facilitator, "Ideation")
    titles = card_in(alice, "idea").locator("h3")

    # A card added from the keyboard: focus comes back to the title, ready for the next card.
    alice.locator("#card-title").fill("Första")
    alice.locator("#card-form button[type=submit]").focus()
    alice.keyboard.press("Enter")
    expect(titles).to_have_text(["Första"])
    expect(alice.locator("#card-title")).to_be_focused()
    alice.keyboard.type("Andra")
    alice.keyboard.press("Enter")
    expect(titles).to_have_text(["Första", "Andra"])
    expect(alice.locator("#card-title")).to_be_focused()

    # A vote from the keyboard: the card comes back with the count, and focus stays on its button.
    vote = card_in(alice, "idea").first.locator(".vote-cast")
    vote.focus()
    alice.keyboard.press("Enter")
    expect(card_in(alice, "idea").first.locator(".vote-count")).to_have_text("1 vote")
    expect(vote).to_be_focused()

    # Esc closes the opened card and focus is back on the card it belongs to.
    opener = card_in(alice, "idea").first.locator(".card-open a")
    opener.focus()
    alice.keyboard.press("Enter")
    panel = alice.locator("#card-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("#panel-title")).to_be_focused()
    # The open panel leaves the header's controls (connection, language, sign out) in reach.
    sheet = panel.bounding_box()
    for control in (".topbar .conn", ".topbar .leave button", ".topbar .lang"):
        place = alice.locator(control).first.bounding_box()
        assert sheet is not None and place is not None, control
        assert (
            place["x"] + place["width"] <= sheet["x"]
            or place["y"] + place["height"] <= sheet["y"]
            or sheet["y"] + sheet["height"] <= place["y"]
        ), control
    alice.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(opener).to_be_focused()

    # Open, the panel stands beside the board: it covers nothing, the add-card button least of all.
    opener.click()
    expect(panel).to_be_visible()
    add = alice.locator("#card-form button[type=submit]")
    add.click(trial=True)  # Playwright's own check that nothing else would take the click
    assert not overlap(panel.bounding_box(), add.bounding_box()), "the card panel covers the add-card button"

    # Offline, its Close link still closes it.
    alice.context.set_offline(True)
    expect(alice.locator("#conn")).to_have_attribute("data-state", "offline")
    panel.locator(".panel-close").click()
    expect(panel).to_be_hidden()
    expect(opener).to_be_focused()
    alice.context.set_offline(False)
    expect_live(alice, timeout=20_000)


def overlap(a: Any, b: Any) -> bool:
    """Return whether two bounding boxes share any area."""
    assert a and b
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )
