"""The room's flow in Chromium: two team-mates edit one card (the open panels follow, a draft is never wiped,
a stale save shows both texts), two facilitators on one clock, undo, the end and reopening, announcements.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import card_in, choose_team, expect_live, join, open_card

pytestmark = pytest.mark.browser


def save(panel: Any, title: str) -> None:
    panel.locator("#panel-title").fill(title)
    panel.locator("#card-edit .edit-form button[type=submit]").click()


def test_open_panels_follow_their_card_and_a_stale_save_shows_both_texts(
    server: Server, new_page: Callable[..., Page]
) -> None:
    race = server.create_race("Flow race", lang="en", teams=2)
    server.start()
    slug, codes, team = race["slug"], race["codes"], race["teams"][0]["name"]
    alice, bob = new_page((1280, 800)), new_page((1280, 800))
    join(alice, server, slug, codes["participant"], "Alice")
    join(bob, server, slug, codes["participant"], "Bob")
    for page in (alice, bob):
        choose_team(page, team)
        expect_live(page)
    alice.locator("#card-title").fill("Skruv")
    alice.locator("#card-column").select_option("need")
    alice.locator("#card-form button[type=submit]").click()
    expect(card_in(bob, "need").locator("h3")).to_have_text("Skruv")

    # Both open the card. Bob saves; Alice's panel, where nothing is typed, follows: text, form and history.
    a_panel, b_panel = open_card(alice, "need"), open_card(bob, "need")
    save(b_panel, "Bobs skruv")
    expect(b_panel.locator(".note")).to_have_text("Saved.")
    expect(a_panel.locator("#card-panel-title")).to_have_text("Bobs skruv")
    expect(a_panel.locator("#panel-title")).to_have_value("Bobs skruv")
    expect(a_panel.locator("#card-edit input[name=rev]")).to_have_value("2")
    expect(a_panel.locator(".history .rev-title")).to_have_text(["Bobs skruv", "Skruv"])

    # Alice types a comment and a new title without saving; Bob moves and edits the card: her panel follows
    # (head, history, column) but what she typed stays, with the revision she started from.
    a_panel.locator("#panel-comment").fill("Ett utkast")
    a_panel.locator("#panel-title").fill("Alices skruv")
    b_panel.locator("#panel-move").select_option("idea")
    b_panel.locator(".move-form button").click()
    expect(a_panel.locator("#card-panel-head .meta")).to_contain_text("Idea")
    save(b_panel, "Bobs bästa skruv")
    expect(a_panel.locator("#card-panel-title")).to_have_text("Bobs bästa skruv")
    expect(a_panel.locator(".history .rev-title").first).to_have_text("Bobs bästa skruv")
    expect(a_panel.locator("#panel-title")).to_have_value("Alices skruv")
    expect(a_panel.locator("#panel-comment")).to_have_value("Ett utkast")
    expect(a_panel.locator("#card-edit input[name=rev]")).to_have_value("2")

    # Alice saves: refused, both texts shown; a frame meanwhile does not take the choice away.
    a_panel.locator("#card-edit .edit-form button[type=submit]").click()
    conflict = a_panel.locator("#card-edit.card-conflict")
    expect(conflict.locator("[role=alert]")).to_be_visible()
    expect(conflict.locator(".conflict-texts section").first).to_contain_text("Bobs bästa skruv")
    expect(conflict.locator(".conflict-texts section").last).to_contain_text("Alices skruv")
    expect(card_in(bob, "idea").locator("h3")).to_have_text("Bobs bästa skruv")
    b_panel.locator("#panel-comment").fill("Bobs kommentar")
    b_panel.locator(".comment-form button").click()
    expect(card_in(alice, "idea").locator(".comment-body")).to_have_text("Bobs kommentar")
    expect(conflict).to_be_visible()
    expect(a_panel.locator("#panel-comment")).to_have_value("Ett utkast")

    # Keep mine: saved over Bob's, and Bob's open panel follows.
    conflict.locator("#conflict-keep").click()
    expect(a_panel.locator(".note")).to_have_text("Saved.")
    expect(b_panel.locator("#card-panel-title")).to_have_text("Alices skruv")
    expect(card_in(bob, "idea").locator("h3")).to_have_text("Alices skruv")
    expect(a_panel.locator("#card-edit input[name=rev]")).to_have_value("5")

    # A second conflict, this time taking theirs.
    save(b_panel, "Bob igen")
    expect(a_panel.locator("#card-panel-title")).to_have_text("Bob igen")
    a_panel.locator("#panel-title").fill("Alice igen")
    b_panel.locator("#panel-title").fill("Bob en gång till")
    b_panel.locator("#card-edit .edit-form button[type=submit]").click()
    expect(b_panel.locator(".note")).to_have_text("Saved.")
    a_panel.locator("#card-edit .edit-form button[type=submit]").click()
    a_panel.locator("#conflict-take").click()
    expect(a_panel.locator("#panel-title")).to_have_value("Bob en gång till")
    expect(a_panel.locator(".card-conflict")).to_have_count(0)


def test_two_facilitators_on_one_clock_undo_the_end_and_announcements(
    server: Server, new_page: Callable[..., Page]
) -> None:
    race = server.create_race("Control race", lang="en", teams=2)
    server.start()
    slug, codes, team = race["slug"], race["codes"], race["teams"][0]["name"]
    fia, frans, alva, wall = new_page((1366, 900)), new_page((1366, 900)), new_page(), new_page((1920, 1080))
    join(fia, server, slug, codes["facilitator"], "Fia")
    join(frans, server, slug, codes["facilitator"], "Frans")
    join(alva, server, slug, codes["participant"], "Alva")
    join(wall, server, slug, codes["wall"], "")
    choose_team(alva, team)
    for page in (fia, frans, alva, wall):
        expect_live(page)
    first, second = race["phases"][0], race["phases"][1]

    fia.locator("#clock-next").click()
    for page in (fia, frans, alva, wall):
        expect(page.locator("#clock-phase")).to_have_text(first["name"])
    fia.locator("#clock-next").click()
    expect(frans.locator("#clock-phase")).to_have_text(second["name"])
    # Frans's screen is made to show the first phase still, as if he pressed before the change reached it.
    frans.evaluate(f"document.querySelector('#clock-next').form.elements['from'].value = '{first['id']}'")
    frans.locator("#clock-next").click()
    expect(frans.locator("#clock-msg")).to_contain_text("Another facilitator has changed the phase")
    expect(frans.locator("#agenda-from")).to_have_value(str(second["id"]))
    expect(wall.locator("#clock-phase")).to_have_text(second["name"])

    # Undo: the first phase comes back on every screen; the button goes.
    expect(fia.locator("#clock-undo")).to_be_visible()
    fia.locator("#clock-undo").click()
    for page in (fia, frans, alva, wall):
        expect(page.locator("#clock-phase")).to_have_text(first["name"])
    expect(fia.locator("#clock-undo")).to_have_count(0)

    # An announcement, cleared from every screen; the control screens keep it in the history.
    fia.locator("#announce-body").fill("Fika klockan 15 i matsalen")
    fia.locator("#announce-form button[type=submit]").click()
    for page in (alva, wall, frans):
        expect(page.locator("#announcement .announce-body")).to_have_text("Fika klockan 15 i matsalen")
    frans.locator("#announcement-clear").click()
    for page in (alva, wall, fia, frans):
        expect(page.locator("#announcement .announce-body")).to_have_count(0)
    expect(fia.locator("#announcements li .meta").first).to_contain_text("cleared")

    # The end: the clock says so everywhere, the board closes; reopening brings the clock back.
    fia.once("dialog", lambda dialog: dialog.accept())
    fia.locator("#race-end").click()
    for page in (fia, frans, alva, wall):
        expect(page.locator("#clock-phase")).to_have_text("The race has ended")
    expect(alva.locator("#board-state")).to_contain_text("The race has ended")
    expect(alva.locator("#card-form button[type=submit]")).to_be_disabled()
    frans.locator("#race-reopen").click()
    for page in (fia, alva, wall):
        expect(page.locator("#clock-phase")).to_have_text(first["name"])
        expect(page.locator("#clock")).to_have_attribute("data-state", "running")
    expect(alva.locator("#card-form button[type=submit]")).to_be_enabled()
    expect(alva.locator("#board-state")).not_to_contain_text(re.compile("ended"))
