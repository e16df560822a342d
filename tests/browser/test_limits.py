"""Limits as a person meets them in Chromium: a throttled write waits and goes, a held-back join explains."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import choose_team, expect_live, join

pytestmark = pytest.mark.browser


# Note the most writes the page has had waiting at once.
WATCH_PENDING = """
window.__mostPending = 0;
new MutationObserver(() => {
  const pending = Number(document.body.getAttribute('data-pending') || 0);
  window.__mostPending = Math.max(window.__mostPending, pending);
}).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-pending']});
"""


@pytest.fixture
def strict_server(tmp_path: Path) -> Iterator[Server]:
    """A server that lets a person post once a second, twice in a burst, and an address guess wrong twice."""
    env = {
        "KRAFTSAMLA_RATE_LIMIT_PER_SECOND": "1",
        "KRAFTSAMLA_RATE_LIMIT_BURST": "2",
        "KRAFTSAMLA_JOIN_FAILURES_PER_MINUTE": "1",
        "KRAFTSAMLA_JOIN_FAILURES_BURST": "2",
    }
    with Server(tmp_path, env=env) as server:
        yield server
    assert server.errors() == []


def test_writes_refused_with_429_wait_and_are_sent_again(
    strict_server: Server, new_page: Callable[..., Page]
) -> None:
    summary = strict_server.create_race("Gränsracet", lang="sv", teams=1)
    strict_server.start()
    page = new_page()
    page.add_init_script(WATCH_PENDING)
    join(page, strict_server, summary["slug"], summary["codes"]["participant"], "Alva")
    choose_team(page, summary["teams"][0]["name"])
    expect_live(page)
    for number in range(4):
        page.locator("#card-title").fill(f"Kort {number}")
        page.locator("#card-form button[type=submit]").click()
        expect(page.locator("#col-idea .card")).to_have_count(number + 1)
    assert page.evaluate("() => window.__mostPending") >= 1  # a write waited for its turn, and went
    expect(page.locator("body")).to_have_attribute("data-pending", "0")


def test_a_held_back_join_shows_the_form_again_with_why(
    strict_server: Server, new_page: Callable[..., Page]
) -> None:
    summary = strict_server.create_race("Gränsracet", lang="sv", teams=1)
    strict_server.start()
    page = new_page(locale="sv-SE")  # the browser asks for Swedish
    for code in ("FEL111", "FEL222", summary["codes"]["participant"]):
        page.goto(f"{strict_server.base_url}/")
        page.locator("#code").fill(code)
        page.locator("#name").fill("Alva")
        page.locator("form[action='/join'] button[type=submit]").click()
    expect(page.locator("[role=alert]")).to_contain_text("För många försök")
    expect(page.locator("#name")).to_have_value("Alva")
    expect(page).to_have_url(f"{strict_server.base_url}/join")
