"""A region morphed under a person's hands (static/live/place.js): what they opened, chose and typed stays.

The region is a form of the facilitator's kind (a select of people, an edit in a <details>), swapped by htmx
as a live frame swaps it (hx-swap-oob="outerMorph"), with a new first option that moves every other one down.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server

pytestmark = pytest.mark.browser

REGION = """
<section id="region" {oob}>
  <select id="who" name="who">{first}<option value="7">Bo</option><option value="9">Cia</option></select>
  <details id="edit"><summary>Edit</summary><input id="team-name" name="team" value="Lag Ek"></details>
</section>
"""


def test_a_morphed_region_keeps_the_choice_the_open_details_and_the_draft(
    server: Server, new_page: Callable[..., Page]
) -> None:
    server.start()
    page = new_page()
    page.goto(f"{server.base_url}/")
    page.evaluate(
        "html => document.querySelector('main').insertAdjacentHTML('beforeend', html)",
        REGION.format(oob="", first=""),
    )
    page.locator("#who").select_option("9")
    page.locator("#edit summary").click()
    page.locator("#team-name").fill("Lag Ekorre")
    page.locator("#who").focus()

    frame = REGION.format(oob='hx-swap-oob="outerMorph"', first='<option value="3">Ada</option>')
    page.evaluate(
        "text => htmx.swap({ text, swap: 'none', target: document.body, sourceElement: document.body })",
        frame,
    )
    expect(page.locator("#who option")).to_have_count(3)  # the frame was applied
    expect(page.locator("#who")).to_have_value("9")
    expect(page.locator("#edit")).to_have_attribute("open", "")
    expect(page.locator("#team-name")).to_have_value("Lag Ekorre")
    expect(page.locator("#who")).to_be_focused()
