"""After the race in a browser: end the race, step through the replay by keyboard, print the report.

A facilitator and two participants of one team join a Swedish race through the form. The participants add
cards (one titled with markup). The facilitator ends the race, opens the review, filters the timeline, replays
the board event by event using only the keyboard, and prints the race report to PDF with its charts. A
participant then reviews their own team.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import choose_team, join

pytestmark = pytest.mark.browser

TITLE = '<img src=x onerror="window.pwned=1">Spånskiva'


def add_card(page: Page, title: str, column: str) -> None:
    page.locator("#card-title").fill(title)
    page.locator("#card-column").select_option(column)
    page.locator("#card-form button[type=submit]").click()
    expect(page.locator(f"#col-{column} .card h3").filter(has_text=title)).to_have_count(1)


def test_review_replay_and_report(
    server: Server, new_page: Callable[..., Page], screenshot_dir: Path
) -> None:
    race: dict[str, Any] = server.create_race("Efterracet", lang="sv", teams=2)
    server.start()
    slug, codes = race["slug"], race["codes"]
    facilitator, alice, bo = (
        new_page((1366, 900)),
        new_page((1366, 900)),
        new_page((390, 844), is_mobile=True),
    )
    join(facilitator, server, slug, codes["facilitator"], "Fia")
    join(alice, server, slug, codes["participant"], "Alice")
    join(bo, server, slug, codes["participant"], "Bo")
    team = race["teams"][0]["name"]
    choose_team(alice, team)
    choose_team(bo, team)
    add_card(alice, TITLE, "idea")
    add_card(bo, "Återbruk av pallar", "need")
    add_card(alice, "Pantsystem för fästen", "market")

    facilitator.get_by_role("link", name="Genomgång, uppspelning, rapporter och data").click()
    expect(facilitator.locator("h1")).to_have_text("Genomgång av Efterracet")
    facilitator.get_by_role("button", name="Avsluta racet").click()
    expect(facilitator.locator("main")).to_contain_text("Racet avslutades")
    facilitator.locator("#f-kind").select_option("card.added")
    facilitator.get_by_role("button", name="Filtrera").click()
    expect(facilitator.locator("#timeline tbody tr")).to_have_count(3)
    expect(facilitator.locator("#timeline tbody tr").first.locator("td").nth(6)).to_have_text(TITLE)
    facilitator.screenshot(path=screenshot_dir / "review.png", full_page=True)

    # Replay from the first card by keyboard: focus the "next event" link and press Enter, event by event.
    facilitator.locator("#timeline tbody tr").first.get_by_role("link").click()
    expect(facilitator.locator("#col-idea .card h3")).to_have_text([TITLE])
    expect(facilitator.locator("#col-need .card")).to_have_count(0)
    shown = []
    while facilitator.locator("a[rel=next]").count():
        facilitator.locator("a[rel=next]").focus()
        facilitator.keyboard.press("Enter")
        facilitator.wait_for_load_state()
        shown.append(int(facilitator.locator("#r-seq").input_value()))
    assert shown == sorted(shown) and len(shown) == len(set(shown))
    expect(facilitator.locator("#col-need .card h3")).to_have_text(["Återbruk av pallar"])
    expect(facilitator.locator("#col-market .card h3")).to_have_text(["Pantsystem för fästen"])
    # The slider: back to the first event by keyboard; the view follows without a page load.
    facilitator.evaluate("() => { window.stillHere = true; }")
    facilitator.locator("#r-seq").focus()
    facilitator.keyboard.press("Home")
    expect(facilitator.locator(".replay-board .card")).to_have_count(0)
    expect(facilitator.locator("#replay-moment")).to_contain_text("Efter händelse 1 av")
    facilitator.keyboard.press("End")
    expect(facilitator.locator(".replay-board .card")).to_have_count(3)
    assert facilitator.evaluate("() => window.stillHere") is True
    facilitator.screenshot(path=screenshot_dir / "replay.png", full_page=True)

    # The report prints: no navigation, the charts are there.
    facilitator.goto(f"{server.base_url}/r/{slug}/review/report")
    facilitator.emulate_media(media="print")
    expect(facilitator.locator(".topbar")).to_be_hidden()
    expect(facilitator.locator("#charts svg").first).to_be_visible()
    # No chart's text reaches past its drawing (where an SVG cuts it off).
    cut = facilitator.evaluate(
        """() => [...document.querySelectorAll('#charts svg text')].filter((text) => {
          const box = text.getBBox(), view = text.ownerSVGElement.viewBox.baseVal;
          return box.x < 0 || box.y < 0 || box.x + box.width > view.width || box.y + box.height > view.height;
        }).map((text) => text.textContent)"""
    )
    assert cut == [], cut
    pdf = facilitator.pdf(path=str(screenshot_dir / "report.pdf"))
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    assert facilitator.evaluate("() => typeof window.pwned") == "undefined"

    # A team member reviews their own team once the race has ended.
    alice.reload()
    alice.get_by_role("link", name="Racet är avslutat: gå igenom ert lags arbete").click()
    expect(alice.locator(".card-history h3")).to_have_count(3)
    expect(alice.locator("#f-team")).to_have_count(0)
    assert alice.evaluate("() => typeof window.pwned") == "undefined"
