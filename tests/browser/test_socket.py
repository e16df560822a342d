"""The live socket in Chromium (static/live/socket.js): its badge says what the socket really does.

Alice's laptop loses the network twice (longer than the socket's answer time, then for a moment) and the
server restarts once, while the facilitator keeps announcing. Each time the badge leaves "live" while nothing
can arrive, comes back to "live" by itself, and what was announced meanwhile arrives.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import choose_team, expect_live, join

pytestmark = pytest.mark.browser

NOT_LIVE = re.compile(r"^(offline|reconnecting)$")
SOCKET_GIVEN_UP = "() => window.Kraftsamla.socket.state() !== WebSocket.OPEN"
BACK_TIMEOUT_MS = 20_000  # the socket's answer time and a reconnect's backoff


def announce(facilitator: Page, text: str) -> None:
    facilitator.locator("#announce-body").fill(text)
    facilitator.locator("#announce-form button[type=submit]").click()
    expect(facilitator.locator("#announcement .announce-body")).to_have_text(text)


def test_the_badge_follows_the_socket_through_drops_and_a_restart(
    server: Server, new_page: Callable[..., Page]
) -> None:
    race: dict[str, Any] = server.create_race("Truth", lang="en", teams=1)
    server.start()
    facilitator = new_page()
    alice = new_page((1280, 800))
    join(facilitator, server, race["slug"], race["codes"]["facilitator"], "Fia")
    join(alice, server, race["slug"], race["codes"]["participant"], "Alice")
    choose_team(alice, race["teams"][0]["name"])
    expect_live(facilitator)
    expect_live(alice)
    badge = alice.locator("#conn")
    shown = alice.locator("#announcement .announce-body")

    # A long drop: nothing can arrive, the badge says so, and the silent socket is given up.
    alice.context.set_offline(True)
    expect(badge).to_have_attribute("data-state", "offline")
    announce(facilitator, "Fika i matsalen")
    alice.wait_for_function(SOCKET_GIVEN_UP, timeout=BACK_TIMEOUT_MS)
    expect(shown).to_have_count(0)
    expect(badge).to_have_attribute("data-state", "offline")
    alice.context.set_offline(False)
    expect_live(alice, timeout=BACK_TIMEOUT_MS)
    expect(shown).to_have_text("Fika i matsalen")

    # A short drop: the same socket carries on once it answers, and says so.
    alice.context.set_offline(True)
    expect(badge).to_have_attribute("data-state", "offline")
    alice.context.set_offline(False)
    expect_live(alice, timeout=BACK_TIMEOUT_MS)
    announce(facilitator, "Pitchen börjar 14.00")
    expect(shown).to_have_text("Pitchen börjar 14.00")

    # The server restarts: not live while it is away, live again without a reload, and updates flow.
    server.stop()
    expect(badge).to_have_attribute("data-state", NOT_LIVE)
    server.start()
    expect_live(alice, timeout=BACK_TIMEOUT_MS)
    expect_live(facilitator, timeout=BACK_TIMEOUT_MS)
    announce(facilitator, "Juryn samlas i sal B")
    expect(shown).to_have_text("Juryn samlas i sal B")
