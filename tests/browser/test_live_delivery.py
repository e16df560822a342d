"""Live delivery in Chromium: clocks agree though the laptops disagree; writes survive going offline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import choose_team, expect_live, join

pytestmark = pytest.mark.browser

# Shift this laptop's clock: Date.now() and the performance clock's origin both lie by `skew` ms.
SKEW_SCRIPT = """
(() => {
  const skew = %d;
  const origin = performance.timeOrigin;
  Object.defineProperty(Performance.prototype, "timeOrigin", { get() { return origin + skew; } });
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + skew;
})();
"""
PROBES_DONE = "() => window.Kraftsamla && window.Kraftsamla.clock.probes() >= 6"
AGREEMENT_MS = 50


def server_now_error(page: Page) -> float:
    """Return how far the page's estimate of server time is from the real clock (this machine's)."""
    before = time.time() * 1000
    estimate: float = page.evaluate("() => window.Kraftsamla.clock.serverNow()")
    after = time.time() * 1000
    if before <= estimate <= after:
        return 0.0
    return min(abs(estimate - before), abs(estimate - after))


@pytest.mark.parametrize("skews", [(5 * 60_000, -3 * 60_000)])
def test_screens_with_skewed_clocks_agree_on_server_time(
    server: Server, new_page: Callable[..., Page], skews: tuple[int, int]
) -> None:
    race: dict[str, Any] = server.create_race("Skew", lang="en", teams=1)
    server.start()
    pages = []
    for number, skew in enumerate(skews):
        page = new_page()
        page.add_init_script(SKEW_SCRIPT % skew)
        join(page, server, race["slug"], race["codes"]["wall"], f"Wall {number}")
        assert abs(page.evaluate("() => Date.now()") - time.time() * 1000 - skew) < 5_000  # the skew took
        pages.append(page)
    for page in pages:
        expect_live(page)
        page.wait_for_function(PROBES_DONE)
    errors = [server_now_error(page) for page in pages]
    assert all(error <= AGREEMENT_MS for error in errors), f"estimates off by {errors} ms"


def test_a_card_written_offline_is_sent_once_when_back(server: Server, new_page: Callable[..., Page]) -> None:
    race: dict[str, Any] = server.create_race("Offline", lang="en", teams=1)
    server.start()
    page = new_page()
    join(page, server, race["slug"], race["codes"]["participant"], "Ada")
    choose_team(page, race["teams"][0]["name"])
    expect_live(page)
    server.stop()
    expect(page.locator("#conn")).not_to_have_attribute("data-state", "live")
    page.locator("#card-title").fill("Skriven utan nät")
    page.locator("#card-form button[type=submit]").click()
    expect(page.locator("#conn")).to_have_attribute("data-pending", "1")
    expect(page.locator("#card-form")).to_have_attribute("aria-busy", "true")
    server.start()
    expect_live(page, timeout=20_000)
    expect(page.locator("#col-idea .card h3")).to_have_text(["Skriven utan nät"], timeout=20_000)
    expect(page.locator("#conn")).to_have_attribute("data-pending", "0")
    page.reload()
    expect(page.locator("#col-idea .card h3")).to_have_text(["Skriven utan nät"])


def test_the_context_going_offline_and_back(server: Server, new_page: Callable[..., Page]) -> None:
    race: dict[str, Any] = server.create_race("Wifi", lang="en", teams=1)
    server.start()
    page = new_page()
    join(page, server, race["slug"], race["codes"]["participant"], "Bo")
    choose_team(page, race["teams"][0]["name"])
    expect_live(page)
    page.context.set_offline(True)
    page.locator("#card-title").fill("Wifi borta")
    page.locator("#card-form button[type=submit]").click()
    expect(page.locator("#conn")).to_have_attribute("data-pending", "1")
    waiting = "Not sent yet: it will be sent when the connection is back"
    expect(page.locator("#live-status")).to_have_text(waiting)
    page.context.set_offline(False)
    expect(page.locator("#col-idea .card h3")).to_have_text(["Wifi borta"], timeout=20_000)
    # A screen reader is not left with "not sent yet" once the write went through.
    expect(page.locator("#live-status")).to_have_text(
        "Sent: what you wrote while the connection was away has arrived"
    )
    page.reload()
    expect(page.locator("#col-idea .card h3")).to_have_text(["Wifi borta"])
