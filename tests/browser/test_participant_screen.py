"""A participant's screen at 1280x800, 1024x768 and 390x844 in a busy Swedish race.

Twelve teams with long names and long card titles (tests/browser/crowd.py); a new participant joins, leaves
the profile questions for later and chooses a team. Without scrolling, the clock and the board are in view;
nothing is cut or broken mid-word ("Marknadspotential" included) and the page is no wider than the screen.
The profile waits folded; the expert form is there only in a phase that takes requests; vote buttons only
in a voting phase; a locked board is said in the head above the board; the clock stays in view while the
board scrolls, and the board scrolls sideways a column at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from app.db import Database
from app.services import phases, roster
from bench.server import LocalServer as Server
from tests.browser import crowd
from tests.browser.helpers import choose_team, expect_live, join

pytestmark = pytest.mark.browser

FITS = (Path(__file__).parent / "fits.js").read_text(encoding="utf-8")
REGIONS = [".topbar", ".announce-live", ".work-head", "#team", "#card-form", ".board", ".help"]
IN_VIEW = """(selector) => {
  const rect = document.querySelector(selector).getBoundingClientRect();
  return rect.top >= 0 && rect.top < innerHeight && rect.height > 0;
}"""


def problems(page: Page) -> list[str]:
    """Return what does not fit on the page scrolled to the top (the sticky head covers what scrolls)."""
    page.evaluate("() => window.scrollTo(0, 0)")
    found: list[str] = page.evaluate(FITS, {"regions": REGIONS, "pagers": [], "drops": [], "scrolls": True})
    return found


def in_view(page: Page, selector: str) -> bool:
    return bool(page.evaluate(IN_VIEW, selector))


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768), (390, 844)], ids=["1280", "1024", "phone"])
def test_the_clock_and_the_board_are_in_view_and_say_what_is_open(
    server: Server, new_page: Callable[..., Page], screenshot_dir: Path, size: tuple[int, int]
) -> None:
    race: dict[str, Any] = server.create_race("Innovationsracet Västerbotten", lang="sv", teams=12)
    room = crowd.fill(server.env["DATABASE_URL"], race)
    server.start()
    phone = size[0] < 600
    page = new_page(size, **({"is_mobile": True, "has_touch": True} if phone else {}))
    join(page, server, race["slug"], race["codes"]["participant"], "Åsa Öberg-Lindqvist")
    choose_team(page, crowd.team_name(0))
    expect_live(page)
    found: list[str] = []
    folder = screenshot_dir / f"participant-{size[0]}x{size[1]}"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / "need-framing.png")

    # At first sight: the clock, the phase and the board, nothing cut; the profile waits folded.
    for selector in ("#clock .clock-time", "#clock-phase", ".board .column h2"):
        if not in_view(page, selector):
            found.append(f"{selector} is not in view without scrolling")
    found += problems(page)
    expect(page.locator("#profile-prompt")).not_to_have_attribute("open", "")
    expect(page.locator("#col-market-title")).to_contain_text("Marknadspotential")
    # Need framing takes expert requests and no votes: the expert form is there (folded), no vote button is.
    expect(page.locator("#request-details")).to_be_visible()
    expect(page.locator("#request-details")).not_to_have_attribute("open", "")
    expect(page.locator(".card").first).to_be_visible()
    expect(page.locator(".vote-cast")).not_to_have_count(0)
    for button in page.locator(".vote-cast").all():
        expect(button).to_be_hidden()
    # The board scrolls sideways, snapping to a column; on a phone one column fills most of the width.
    board = page.evaluate(
        """() => { const b = document.querySelector('.board'); const c = b.querySelector('.column');
        return {scroll: b.scrollWidth > b.clientWidth, snap: getComputedStyle(b).scrollSnapType,
        column: c.getBoundingClientRect().width / b.clientWidth}; }"""
    )
    assert board["scroll"] and board["snap"].startswith("x"), board
    if phone:
        assert board["column"] > 0.8, board
    # The clock stays in view while the page scrolls down to the expert help.
    page.locator("#team-requests").scroll_into_view_if_needed()
    if not in_view(page, "#clock .clock-time"):
        found.append("the clock leaves the screen when the page scrolls")

    db = Database(server.env["DATABASE_URL"])
    try:
        # The facilitator locks the board: it is said above the board, in view.
        roster.set_locked(db, room.facilitator, room.team_ids[0], True)
        page.reload()
        expect(page.locator("#board-state .board-closed")).to_contain_text("låst")
        if not in_view(page, "#board-state"):
            found.append("the locked board is not said in view")
        expect(page.locator("#card-title")).to_be_disabled()
        page.screenshot(path=folder / "locked.png")
        # Ideation: votes and no expert requests. The vote buttons are there; the expert form is not, and
        # the team's requests say when experts can be called.
        roster.set_locked(db, room.facilitator, room.team_ids[0], False)
        phases.start(db, room.facilitator, race["phases"][4]["id"])
        page.reload()
        expect(page.locator(".vote-cast").first).to_be_visible()
        expect(page.locator("#my-votes")).to_be_visible()
        expect(page.locator("#request-details")).to_be_hidden()
        expect(page.locator("#team-requests")).to_contain_text("Experter kan kallas")
        found += [f"voting: {problem}" for problem in problems(page)]
        page.screenshot(path=folder / "ideation.png")
    finally:
        db.dispose()
    assert not found, "the participant's screen does not fit:\n" + "\n".join(found)
