"""The wall at 1920x1080 and 3840x2160 with 3, 12 and 30 teams: nothing cut, hidden or drawn over.

A race in Swedish gets teams with 80-character names, long card titles, expert requests, a 280-character
announcement and a spotlit card (tests/browser/crowd.py). The wall is looked at in six states: the
teams, the jury's ranking and the teams' top cards, each beside the spotlight and alone. In each,
tests/browser/fits.js must find no text outside its box or the screen, no word broken across lines and no
two regions over each other; every team must be shown whole on one of the pages the wall steps through. A
screenshot of each state is kept in the test's folder (or KRAFTSAMLA_SCREENSHOTS).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from app.db import Database
from app.services import favourites, jury, spotlight
from bench.server import LocalServer as Server
from tests.browser import crowd
from tests.browser.helpers import expect_live, join

pytestmark = pytest.mark.browser

RACE_NAME = "Innovationsracet Västerbotten 2026: energi, skog och omställning"
FITS = (Path(__file__).parent / "fits.js").read_text(encoding="utf-8")
WALL_REGIONS = [
    ".wall-head",
    ".wall-announce",
    "#wall-spotlight",
    "#wall-ranking",
    "#wall-top",
    "#wall-teams",
    ".wall-join",
    "#wall-queue",
    "#wall-cards",
]
RANKING, TOP = "#wall-ranking .ranking-pages", "#wall-top"
PAGERS = [
    ["#wall-teams", ".team-tile"],
    ["#wall-ranking .ranking-pages", "tbody tr"],
    [TOP, ".top-tile"],
]
DROPS = [
    ["#wall-queue .drop-list", ":scope > li"],
    ["#wall-cards .drop-list", ":scope > li"],
    ["#day .drop-list", ":scope > li:not(.day-done)"],
]
# Each pager's items, by the id of what they show, on every page it steps through.
ON_EACH_PAGE = """(selector) => {
  const box = document.querySelector(selector);
  if (!box || box.closest("[hidden]")) return [];
  const frame = box.getBoundingClientRect();
  const animations = document.getAnimations().filter((a) => box.contains(a.effect.target));
  const stepping = animations.length ? getComputedStyle(animations[0].effect.target) : null;
  const pages = stepping ? Number(stepping.getPropertyValue("--pages")) : 1;
  const seen = [];
  for (let page = 0; page < pages; page++) {
    for (const animation of animations) { animation.pause(); animation.currentTime = page * 12000 + 1; }
    const whole = [...box.querySelectorAll(".team-tile, .top-tile, tbody tr")].filter((item) => {
      const rect = item.getBoundingClientRect();
      return rect.left >= frame.left - 1 && rect.right <= frame.right + 1
        && rect.top >= frame.top - 1 && rect.bottom <= frame.bottom + 1;
    });
    seen.push(whole.map((item) => item.id || item.dataset.team));
  }
  for (const animation of animations) { animation.currentTime = 0; }
  return seen;
}"""


def problems(page: Page) -> list[str]:
    """Return what does not fit on the page (tests/browser/fits.js), at every page of its pagers."""
    options = {"regions": WALL_REGIONS, "pagers": PAGERS, "drops": DROPS, "scrolls": False}
    found: list[str] = page.evaluate(FITS, options)
    return found


def check(page: Page, state: str, folder: Path, teams: int, paged: str) -> list[str]:
    """Look at the wall in one state: fit, every team on some page, a screenshot kept."""
    page.reload()
    expect_live(page)
    page.screenshot(path=folder / f"{state}.png", animations="disabled", caret="hide")
    found = [f"{state}: {problem}" for problem in problems(page)]
    pages = page.evaluate(ON_EACH_PAGE, paged)
    shown = [item for items in pages for item in items]
    if len(shown) != teams or len(set(shown)) != teams:
        found.append(f"{state}: {teams} teams, shown whole over {len(pages)} pages: {len(set(shown))}")
    # Under a pager of several pages a bar says which is shown; under one page there is none to see.
    bar = page.locator(f"{paged} .pages-shown")
    if bar.count() and (float(bar.evaluate("(el) => getComputedStyle(el).opacity")) > 0) != (len(pages) > 1):
        seen = "hidden" if len(pages) > 1 else "shown"
        found.append(f"{state}: the page bar is {seen} with {len(pages)} pages")
    # The pages are checked once they have stepped too: a later page has its own texts.
    for number in range(1, len(pages)):
        page.evaluate(
            """(at) => document.getAnimations().forEach((a) => { a.pause(); a.currentTime = at; })""",
            number * 12000 + 1,
        )
        found += [f"{state}, page {number + 1}: {problem}" for problem in problems(page)]
    return found


@pytest.mark.parametrize("teams", [3, 12, 30])
@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)], ids=["1080p", "4k"])
def test_the_wall_fits_every_team_and_text(
    server: Server, new_page: Callable[..., Page], screenshot_dir: Path, size: tuple[int, int], teams: int
) -> None:
    race: dict[str, Any] = server.create_race(RACE_NAME, lang="sv", teams=teams)
    room = crowd.fill(server.env["DATABASE_URL"], race)
    server.start()
    wall = new_page(size)
    join(wall, server, race["slug"], race["codes"]["wall"], "Väggen")
    expect(wall.locator(".wall-race")).to_have_text(RACE_NAME)
    folder = screenshot_dir / f"wall-{size[0]}x{size[1]}-{teams}"
    folder.mkdir(parents=True, exist_ok=True)
    db = Database(server.env["DATABASE_URL"])
    found: list[str] = []
    try:
        found += check(wall, "spotlight-and-teams", folder, teams, "#wall-teams")
        expect(wall.locator("#announcement .announce-body")).to_have_text(crowd.ANNOUNCEMENT)
        spotlight.clear(db, room.facilitator)
        found += check(wall, "teams", folder, teams, "#wall-teams")
        crowd.score(db, race["codes"], room.facilitator, room.team_ids)
        found += check(wall, "ranking", folder, teams, RANKING)
        assert room.spotlit is not None
        spotlight.set_card(db, room.facilitator, room.spotlit)
        found += check(wall, "ranking-and-spotlight", folder, teams, RANKING)
        jury.set_revealed(db, room.facilitator, False)
        crowd.vote(db, room)
        favourites.show_on_wall(db, room.facilitator, True)
        found += check(wall, "top-cards-and-spotlight", folder, teams, TOP)
        spotlight.clear(db, room.facilitator)
        found += check(wall, "top-cards", folder, teams, TOP)
    finally:
        db.dispose()
    assert not found, "the wall does not fit:\n" + "\n".join(found)
