"""Profiles, expert requests, announcements and the spotlight in Chromium, and the wall at 1080p and 4K.

Alice (participant) and Ebba (expert) join a Swedish race and answer the profile questions. The facilitator
starts a phase that takes requests. Alice calls an expert with a question that is markup; Ebba sees it first
in her queue, marked as matching, and the wall's queue counts it. The facilitator announces something to every
screen. Ebba claims, notes and resolves; Alice sees each step and rates the help; Ebba's history shows the
rating. The facilitator spotlights Alice's card; the wall shows it large, at 1920x1080 and 3840x2160, with no
scrolling (tests/browser/test_wall.py looks at a full wall).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import answer_profile, choose_team, expect_live, join, open_request_form

pytestmark = pytest.mark.browser

QUESTION = '<img src=x onerror="window.pwned=1">Vilken <b>cellkemi</b> klarar kyla?'
ANNOUNCEMENT = "Lunch i matsalen kl. 12 – ta med er <i>laptop</i>"
CARD = "Kylsäkert batteri av natrium"
NO_SCROLL = """() => [
  document.documentElement.scrollHeight - innerHeight,
  document.documentElement.scrollWidth - innerWidth,
]"""


def test_request_claim_resolve_rate_across_screens(
    server: Server, new_page: Callable[..., Page], screenshot_dir: Path
) -> None:
    race: dict[str, Any] = server.create_race("Innovationsrace Kiruna", lang="sv", teams=4)
    server.start()
    slug, codes = race["slug"], race["codes"]
    team_name = race["teams"][0]["name"]
    phase = race["phases"][3]  # "Need framing": takes expert requests

    facilitator, wall = new_page((1366, 900)), new_page((1920, 1080))
    alice, ebba = new_page((1366, 900)), new_page((1366, 900))
    join(facilitator, server, slug, codes["facilitator"], "Fia Facilitator")
    join(wall, server, slug, codes["wall"], "Väggen")
    join(alice, server, slug, codes["participant"], "Alice Andersson")
    join(ebba, server, slug, codes["expert"], "Ebba Expert")
    answer_profile(alice, "student", [], "Maskininlärning")
    answer_profile(ebba, "research", ["energy"], "batterier, cellkemi")
    choose_team(alice, team_name)
    for page in (facilitator, wall, alice, ebba):
        expect_live(page)

    facilitator.locator(f"#agenda form[action$='/phases/{phase['id']}/start'] button").click()
    expect(alice.locator("#clock")).to_have_attribute("data-state", "running")

    # Alice calls an expert; Ebba sees it marked as matching; the wall's queue counts it.
    open_request_form(alice)
    alice.locator("#request-question").fill(QUESTION)
    alice.locator("#request-form input[name=tag][value=energy]").check()
    alice.locator("#tag-more").fill("Kyla")
    alice.locator("#request-form button[type=submit]").click()
    expect(alice.locator("#request-form .done")).to_be_visible()
    expect(alice.locator("#request-question")).to_have_value("")
    mine = alice.locator("#team-requests li")
    expect(mine).to_have_count(1)
    expect(mine.locator(".question")).to_have_text(QUESTION)
    expect(mine.locator(".request-status")).to_contain_text("Väntar på en expert")
    queued = ebba.locator("#requests li")
    expect(queued).to_have_count(1)
    expect(queued.locator(".question")).to_have_text(QUESTION)
    expect(queued.locator(".match-badge")).to_have_text("Matchar dina kompetenser")
    expect(wall.locator("#wall-queue .queue-count")).to_have_text("1 lag väntar")
    expect(wall.locator("#wall-queue li strong")).to_have_text([team_name])
    expect(facilitator.locator("#fac-queue li .question")).to_have_text([QUESTION])
    expect(facilitator.locator("#fac-queue li .wait")).to_have_text("0")
    wall.screenshot(path=screenshot_dir / "wall-queue-1080p.png")

    # An announcement reaches every screen.
    facilitator.locator("#announce-body").fill(ANNOUNCEMENT)
    facilitator.locator("#announce-form button[type=submit]").click()
    for page in (facilitator, wall, alice, ebba):
        expect(page.locator("[aria-live] #announcement .announce-body")).to_have_text(ANNOUNCEMENT)

    # Ebba claims, notes, resolves; Alice follows each step, then rates the help.
    queued.get_by_role("button").click()
    expect(ebba.locator("#action-msg .done")).to_contain_text("Du har tagit förfrågan")
    expect(ebba.locator("#requests li")).to_have_count(0)
    expect(mine.locator(".request-status")).to_contain_text("Ebba Expert är på väg")
    expect(wall.locator("#wall-queue .queue-count")).to_have_text("0 lag väntar")
    expect(wall.locator("#wall-queue li .wait-line")).to_have_text(["Ebba Expert"])
    ebba.locator("#my-requests textarea[name=note]").fill("Titta på natriumjon, tål -30 °C")
    ebba.locator("#my-requests .note-form button").first.click()
    expect(ebba.locator("#action-msg .done")).to_have_text("Din anteckning är sparad.")
    ebba.locator("#my-requests .note-form button").nth(1).click()
    expect(mine.locator(".request-status")).to_contain_text("Löst av Ebba Expert")
    mine.locator(".rate-form input[name=rating][value='5']").check()
    mine.locator(".rate-form input[name=word]").fill("Klockrent")
    mine.locator(".rate-form button[type=submit]").click()
    expect(mine.locator(".rating")).to_have_text("Betyg 5 av 5: “Klockrent”")
    history = ebba.locator("#my-requests .history li")
    expect(history).to_have_count(1)
    expect(history.locator(".rating")).to_have_text("Betyg 5 av 5: “Klockrent”")
    expect(wall.locator("#wall-queue li")).to_have_count(0)
    for page, name in ((alice, "participant.png"), (ebba, "expert.png")):
        page.screenshot(path=screenshot_dir / name, full_page=True)

    # The facilitator spotlights Alice's card; the wall shows it large.
    alice.locator("#card-title").fill(CARD)
    alice.locator("#card-body").fill("Natriumjon i stället för litium: billigare och tål kyla.")
    alice.locator("#card-form button[type=submit]").click()
    facilitator.locator("#feed li form button").first.click()
    expect(wall.locator("#wall-spotlight .spot-title")).to_have_text(CARD)
    expect(facilitator.locator("#spotlight strong")).to_have_text(CARD)
    facilitator.screenshot(path=screenshot_dir / "facilitator.png", full_page=True)

    for page in (facilitator, wall, alice, ebba):
        assert page.evaluate("() => typeof window.pwned") == "undefined"
        expect(page.locator("img[src='x'], .question b, .announce-body i")).to_have_count(0)

    # The wall from the back of the room: 1080p and 4K, the same layout, nothing to scroll.
    wall_4k = new_page((3840, 2160))
    join(wall_4k, server, slug, codes["wall"], "Väggen 4K")
    expect_live(wall_4k)
    for page, name in ((wall, "wall-1080p.png"), (wall_4k, "wall-4k.png")):
        expect(page.locator("#wall-spotlight .spot-title")).to_have_text(CARD)
        expect(page.locator("#announcement .announce-body")).to_have_text(ANNOUNCEMENT)
        assert page.evaluate(NO_SCROLL) == [0, 0]
        page.screenshot(path=screenshot_dir / name)
    # vw-based sizes: the clock is the same share of the screen at both resolutions.
    shares = [
        page.evaluate(
            "() => document.querySelector('#clock .clock-time').getBoundingClientRect().height / innerHeight"
        )
        for page in (wall, wall_4k)
    ]
    assert abs(shares[0] - shares[1]) < 0.02, shares

    facilitator.locator("#spotlight button").click()
    expect(wall.locator("#wall-spotlight .spot-card")).to_have_count(0)


def test_what_a_person_is_typing_survives_a_live_update_of_its_region(
    server: Server, new_page: Callable[..., Page]
) -> None:
    """Alice is halfway through rating the help when Bo's new request re-renders their team's request list."""
    race: dict[str, Any] = server.create_race("Halvskrivet", lang="en", teams=2)
    server.start()
    slug, codes = race["slug"], race["codes"]
    team_name, phase = race["teams"][0]["name"], race["phases"][3]
    facilitator, alice, bo, ebba = (new_page((1366, 900)) for _ in range(4))
    join(facilitator, server, slug, codes["facilitator"], "Fia")
    for page, code, name in (
        (alice, "participant", "Alice"),
        (bo, "participant", "Bo"),
        (ebba, "expert", "Ebba"),
    ):
        join(page, server, slug, codes[code], name)
        page.locator("#profile-prompt button[value=skip]").click()
    choose_team(alice, team_name)
    choose_team(bo, team_name)
    for page in (facilitator, alice, bo, ebba):
        expect_live(page)
    facilitator.locator(f"#agenda form[action$='/phases/{phase['id']}/start'] button").click()
    expect(alice.locator("#clock")).to_have_attribute("data-state", "running")

    open_request_form(alice)
    alice.locator("#request-question").fill("Which cell chemistry survives the cold?")
    alice.locator("#request-form button[type=submit]").click()
    ebba.locator("#requests li").get_by_role("button").click()
    ebba.locator("#my-requests .note-form button").nth(1).click()
    first = alice.locator("#team-requests li")
    expect(first.locator(".rate-form")).to_be_visible()

    first.locator(".rate-form input[name=rating][value='4']").check()
    word = first.locator(".rate-form input[name=word]")
    word.fill("Very hel")
    seq = int(alice.locator("body").get_attribute("data-seq") or "0")
    open_request_form(bo)
    bo.locator("#request-question").fill("Who knows about cold-weather testing?")
    bo.locator("#request-form button[type=submit]").click()

    # The region was replaced (two requests now); the choice, the half-typed word and the focus are kept.
    expect(alice.locator("#team-requests li")).to_have_count(2)
    assert int(alice.locator("body").get_attribute("data-seq") or "0") > seq
    expect(alice.locator(".rate-form input[name=rating][value='4']")).to_be_checked()
    expect(alice.locator(".rate-form input[name=word]")).to_have_value("Very hel")
    expect(alice.locator(".rate-form input[name=word]")).to_be_focused()
    alice.keyboard.type("pful")
    alice.locator(".rate-form button[type=submit]").click()
    expect(alice.locator("#team-requests .rating")).to_have_text("Rated 4 of 5: “Very helpful”")


def test_a_typed_note_survives_live_changes_and_goes_with_resolved(
    server: Server, new_page: Callable[..., Page], screenshot_dir: Path
) -> None:
    race: dict[str, Any] = server.create_race("Anteckningsracet", lang="sv", teams=2)
    server.start()
    slug, codes = race["slug"], race["codes"]
    team_name = race["teams"][0]["name"]
    facilitator, alice, ebba = new_page((1366, 900)), new_page((1280, 800)), new_page((1366, 900))
    join(facilitator, server, slug, codes["facilitator"], "Fia Facilitator")
    join(alice, server, slug, codes["participant"], "Alice Andersson")
    join(ebba, server, slug, codes["expert"], "Ebba Expert")
    answer_profile(alice, "student", [], "")
    answer_profile(ebba, "research", [], "kyla")
    choose_team(alice, team_name)
    for page in (facilitator, alice, ebba):
        expect_live(page)
    facilitator.locator(f"#agenda form[action$='/phases/{race['phases'][3]['id']}/start'] button").click()
    expect(alice.locator("#clock")).to_have_attribute("data-state", "running")

    # Alice's team says where it sits; its header shows it.
    place = "Bord 7 <b>vid</b> fönstret"
    alice.locator("#place-input").fill(place)
    alice.locator("#place-form button[type=submit]").click()
    expect(alice.locator("#place-form .done")).to_be_visible()
    expect(alice.locator("#team .team-place")).to_contain_text(place)

    first, second = "Vilken cellkemi klarar kyla?", "Hur testar vi i minusgrader?"
    open_request_form(alice)
    for question in (first, second):
        alice.locator("#request-question").fill(question)
        alice.locator("#request-form button[type=submit]").click()
        expect(alice.locator("#request-question")).to_have_value("")
    expect(ebba.locator("#requests li")).to_have_count(2)
    ebba.locator("#requests li").filter(has_text=first).get_by_role("button").click()
    mine = ebba.locator("#my-requests > ol > li").filter(has_text=first)
    expect(mine.locator(".team-place")).to_contain_text(place)
    expect(facilitator.locator("#fac-queue li .team-place").first).to_contain_text(place)

    # Ebba types a note and, before she resolves, the facilitator gives her the second request too.
    note = "Titta på natriumjon: tål -30 °C"
    mine.locator("textarea[name=note]").fill(note)
    assigned = facilitator.locator("#fac-queue li").filter(has_text=second)
    assigned.locator("select[name=expert]").select_option(index=1)
    assigned.locator("button[type=submit]").click()
    expect(ebba.locator("#my-requests > ol > li")).to_have_count(2)
    expect(mine.locator("textarea[name=note]")).to_have_value(note)

    # "Resolved" without "Save note": the note goes with it, to the team.
    mine.locator(".note-form button").nth(1).click()
    expect(ebba.locator("#action-msg .done")).to_contain_text("löst")
    expect(alice.locator("#team-requests li").filter(has_text=first).locator(".expert-note")).to_contain_text(
        note
    )
    alice.screenshot(path=screenshot_dir / "participant-expert-note.png", full_page=True)
    for page in (alice, ebba, facilitator):
        expect(page.locator(".team-place b")).to_have_count(0)
