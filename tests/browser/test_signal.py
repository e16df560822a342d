"""The end signal in Chromium (static/live/signal.js): a screen that the browser does not let play sound yet
(one opened by itself, never clicked: the wall after a restart) says so, and one click on its button lets the
next end of a phase be heard.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import expect_live, join

pytestmark = pytest.mark.browser

# Move the running phase's deadline: `ms` from now on this screen's estimate of the server's clock.
DEADLINE_IN = """ms => {
  const clock = document.getElementById("clock");
  clock.setAttribute("data-deadline", String(window.Kraftsamla.clock.serverNow() + ms));
}"""
ENDED = re.compile(r"\bclock-ended\b")


def run_out(page: Page) -> None:
    """Let the phase run out on this screen (its deadline moved close) and wait for the end's visual cue."""
    page.evaluate(DEADLINE_IN, 60 * 60_000)
    expect(page.locator("#clock")).not_to_have_class(ENDED)
    page.evaluate(DEADLINE_IN, 1_000)
    expect(page.locator("#clock")).to_have_class(ENDED)


def test_a_screen_that_may_not_play_sound_says_so_until_clicked(
    server: Server, new_page: Callable[..., Page]
) -> None:
    race: dict[str, Any] = server.create_race("Sound", lang="en", teams=1)
    server.start()
    facilitator = new_page()
    join(facilitator, server, race["slug"], race["codes"]["facilitator"], "Fia")
    facilitator.get_by_role("button", name=f"Start {race['phases'][0]['name']}", exact=True).click()
    typed_in = new_page((1920, 1080))
    join(typed_in, server, race["slug"], race["codes"]["wall"], "The wall")
    # The same wall's screen opened again by the browser itself: nobody has clicked or typed on this page.
    wall = typed_in.context.new_page()
    typed_in.close()
    wall.goto(f"{server.base_url}/r/{race['slug']}")
    expect_live(wall)
    expect(wall.locator("#clock")).to_have_attribute("data-state", "running")
    notice = wall.locator("#sound-off")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("cannot play the end signal")

    run_out(wall)
    expect(wall.locator("body")).to_have_attribute("data-phase-ended", re.compile(r"\d+"))
    assert wall.locator("body").get_attribute("data-sound-played") is None

    wall.locator("#sound-enable").click()
    expect(notice).to_be_hidden()
    run_out(wall)
    expect(wall.locator("body")).to_have_attribute("data-sound-played", re.compile(r"\d+"))
    expect(notice).to_be_hidden()
