"""Writes that outlive the page (static/live/outbox.js).

A comment sent offline from a page that is then closed is kept in the browser with its key, and arrives
exactly once when the person's screen is open again, even in two tabs at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import choose_team, expect_live, join

pytestmark = pytest.mark.browser

COMMENT = "Ringa Volvo om returplasten"
KEPT = "() => JSON.parse(localStorage.getItem('kraftsamla-outbox') || '{}')"


def test_a_comment_sent_offline_from_a_closed_page_arrives_once(
    server: Server, new_page: Callable[..., Page]
) -> None:
    race: dict[str, Any] = server.create_race("Outbox", lang="en", teams=1)
    server.start()
    slug, team = race["slug"], race["teams"][0]["name"]
    alice = new_page((1280, 800))
    bo = new_page()
    join(alice, server, slug, race["codes"]["participant"], "Alice")
    join(bo, server, slug, race["codes"]["participant"], "Bo")
    choose_team(alice, team)
    choose_team(bo, team)
    expect_live(alice)
    expect_live(bo)
    alice.locator("#card-title").fill("Returplast")
    alice.locator("#card-form button[type=submit]").click()
    expect(bo.locator("#col-idea .card h3")).to_have_text(["Returplast"])
    card_id = (bo.locator("#col-idea .card").get_attribute("id") or "").removeprefix("card-")

    # Offline, Alice comments: the comment waits, kept in the browser with its key; then she closes the page.
    alice.locator("#col-idea .card .card-open a").click()
    alice.context.set_offline(True)
    alice.locator("#panel-comment").fill(COMMENT)
    alice.locator("#card-panel .comment-form button[type=submit]").click()
    expect(alice.locator("#conn")).to_have_attribute("data-pending", "1")
    kept = alice.evaluate(KEPT)
    assert [entry["url"] for entry in kept.values()] == [f"/r/{slug}/cards/{card_id}/comments"], kept
    (key,) = kept
    assert f"key={key}" in next(iter(kept.values()))["body"]
    context = alice.context
    alice.close()

    # Back online, two tabs of her screen open at once: the comment arrives, once.
    context.set_offline(False)
    tabs = [context.new_page(), context.new_page()]
    for tab in tabs:
        tab.goto(f"{server.base_url}/r/{slug}")
    for page in (*tabs, bo):
        expect(page.locator("#col-idea .card .comment-body")).to_have_text([COMMENT])
    for tab in tabs:
        tab.wait_for_function(f"() => Object.keys(({KEPT})()).length === 0")
    bo.reload()
    expect(bo.locator("#col-idea .card .comment-body")).to_have_text([COMMENT])
