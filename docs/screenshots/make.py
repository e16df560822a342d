"""Take the README's pictures in Swedish: the wall with 30 teams at 1080p and 4K, a board on laptop and phone.

A server of its own (a free loopback port, a temporary data folder) gets a race from `create-race --json`,
filled with the browser tests' busy room (tests/browser/crowd.py: 80-character team names, a 280-character
announcement, a spotlit card, expert requests, cards). The wall is taken in the phase that takes requests;
then the first voting phase opens with the crowd's votes, and a new participant joins through the forms,
chooses the first team, gives a card a vote and comments on it, and is taken on a laptop and on a phone.
Run from the checkout's root: `make screenshots`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect, sync_playwright

from app.db import Database
from bench.server import LocalServer
from tests.browser import crowd
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_board import card_in, open_card
from tests.browser.test_spine import choose_team, expect_live, join
from tests.browser.test_wall import RACE_NAME

HERE = Path(__file__).resolve().parent
# Sound allowed without a click, whatever the build's default: no screen says it cannot play the end signal.
ARGS = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]
# The address the wall and its QR code show: a public one, as in a real room, not this server's port.
PUBLIC_ORIGIN = "https://race.example.org"
SCROLL = """(top) => {
  const target = top && document.querySelector(top);
  const head = document.querySelector(".work-head");
  const under = head ? head.getBoundingClientRect().height : 0;
  window.scrollTo(0, target ? target.getBoundingClientRect().top + scrollY - under - 8 : 0);
}"""
PARTICIPANT = "Åsa Öberg-Lindqvist"
COMMENT = "Fråga Norrmejerier hur mycket värme pastöriseringen behöver före klockan sju."


def open_page(browser: Browser, errors: list[str], **options: Any) -> Page:
    """Open a page in a browser context of its own (one person); its uncaught errors go to `errors`."""
    page = browser.new_context(**options).new_page()
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    return page


def shoot(page: Page, name: str, top: str | None = None) -> None:
    """Save the viewport as docs/screenshots/NAME, scrolled to `top` just below the board's sticky head."""
    expect(page.locator("#sound-off")).to_be_hidden()
    page.evaluate(SCROLL, top)
    page.screenshot(path=HERE / name, animations="disabled", caret="hide")
    print(f"{name}: {(HERE / name).stat().st_size // 1024} KiB")


def walls(browser: Browser, errors: list[str], server: LocalServer, race: dict[str, Any]) -> None:
    """Take the wall at 1920x1080 and 3840x2160 (a PNG of flat colours and text is smaller than a JPEG)."""
    for width, height in ((1920, 1080), (3840, 2160)):
        page = open_page(browser, errors, viewport={"width": width, "height": height})
        join(page, server, race["slug"], race["codes"]["wall"], "Väggen")
        expect_live(page)
        expect(page.locator("#wall-spotlight .spot-title")).to_have_text(crowd.SPOT_TITLE)
        shoot(page, f"wall-{width}x{height}.png")
        page.context.close()


def boards(browser: Browser, errors: list[str], server: LocalServer, race: dict[str, Any]) -> None:
    """Join as a participant, vote for and comment on a card, and take the board on a laptop and a phone."""
    page = open_page(browser, errors, viewport={"width": 1280, "height": 800})
    join(page, server, race["slug"], race["codes"]["participant"], PARTICIPANT)
    choose_team(page, crowd.team_name(0))
    expect_live(page)
    card = card_in(page, "need").first
    card.locator(".vote-cast").click()
    expect(page.locator("#my-votes")).to_contain_text("4 röster kvar")
    panel = open_card(page, "need")
    panel.locator("#panel-comment").fill(COMMENT)
    panel.locator(".comment-form button").click()
    expect(panel.locator(".note")).to_have_text("Kommentaren är skickad.")
    panel.locator(".panel-close").click()
    expect(panel).to_be_hidden()
    page.reload()
    expect_live(page)
    expect(card.locator(".comment-list .comment-body")).to_have_text(COMMENT)
    shoot(page, "board-1280x800.png", top="#card-form")
    # The same person on their phone: the laptop's session cookie, a phone's screen.
    session = page.context.storage_state()
    page.context.close()
    page = open_page(
        browser,
        errors,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        storage_state=session,
    )
    page.goto(f"{server.base_url}/r/{race['slug']}")
    expect_live(page)
    expect(page.locator("#team h1")).to_have_text(crowd.team_name(0))
    shoot(page, "board-phone-390x844.png", top=".board")
    page.context.close()


def main() -> int:
    """Take the four screenshots; return 1 when a page or the server reported an error."""
    errors: list[str] = []
    with (
        LocalServer(env={"KRAFTSAMLA_PUBLIC_ORIGIN": PUBLIC_ORIGIN}) as server,
        sync_playwright() as playwright,
    ):
        race: dict[str, Any] = server.create_race(RACE_NAME, lang="sv", teams=30)
        room = crowd.fill(server.env["DATABASE_URL"], race)
        server.start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            walls(browser, errors, server, race)
            db = Database(server.env["DATABASE_URL"])
            try:
                crowd.vote(db, room)
            finally:
                db.dispose()
            boards(browser, errors, server, race)
        finally:
            browser.close()
            server.stop()
            errors += server.errors()
    for error in errors:
        print(error, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
