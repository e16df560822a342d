"""The phase clock in Chromium (static/live/clock.js): a participant's laptop, the wall and the facilitator's
screen flip each second together, within 50 ms of each other.

Each screen records, through a MutationObserver, the moment (on this machine's clock, which the three share)
its clock face changes text. This asserts agreement between screens, not speed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import choose_team, expect_live, join

pytestmark = pytest.mark.browser

AGREEMENT_MS = 50
FLIPS = 6
PROBES_DONE = "() => window.Kraftsamla.clock.probes() >= 6"
RECORD_FLIPS = """() => {
  window.flips = [];
  const record = () => {
    const face = document.querySelector("#clock .clock-time");
    const text = face ? face.textContent.trim() : "";
    const last = window.flips[window.flips.length - 1];
    const at = performance.timeOrigin + performance.now();
    if (text && (!last || last.text !== text)) window.flips.push({ text, at });
  };
  const changes = { subtree: true, childList: true, characterData: true };
  new MutationObserver(record).observe(document.body, changes);
  record();
}"""


def test_three_screens_flip_each_second_together(server: Server, new_page: Callable[..., Page]) -> None:
    race: dict[str, Any] = server.create_race("Clock", lang="en", teams=1)
    server.start()
    screens = {
        "participant": new_page((1280, 800)),
        "wall": new_page((1920, 1080)),
        "facilitator": new_page(),
    }
    codes = race["codes"]
    join(screens["participant"], server, race["slug"], codes["participant"], "Alice")
    choose_team(screens["participant"], race["teams"][0]["name"])
    join(screens["wall"], server, race["slug"], codes["wall"], "The wall")
    join(screens["facilitator"], server, race["slug"], codes["facilitator"], "Fia")
    phase = race["phases"][0]["name"]
    screens["facilitator"].get_by_role("button", name=f"Start {phase}", exact=True).click()
    for page in screens.values():
        expect_live(page)
        expect(page.locator("#clock")).to_have_attribute("data-state", "running")
        page.wait_for_function(PROBES_DONE)

    for page in screens.values():
        page.evaluate(RECORD_FLIPS)
    for page in screens.values():
        page.wait_for_function(f"() => window.flips.length > {FLIPS}", timeout=(FLIPS + 3) * 1000)
    # The first entry is the face as it was when recording began, not a flip.
    flips = {who: page.evaluate("() => window.flips.slice(1)") for who, page in screens.items()}
    times: dict[str, dict[str, float]] = {
        who: {f["text"]: f["at"] for f in seen} for who, seen in flips.items()
    }
    common = set.intersection(*(set(seen) for seen in times.values()))
    assert len(common) >= FLIPS - 1, f"the screens showed different seconds: {flips}"
    spreads = {
        text: max(t[text] for t in times.values()) - min(t[text] for t in times.values()) for text in common
    }
    assert max(spreads.values()) <= AGREEMENT_MS, (
        f"second flips apart by up to {max(spreads.values()):.0f} ms: {spreads}"
    )
