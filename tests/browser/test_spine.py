"""The spine, as new people see it in a browser: join, pick a team, start the clock, add a card, restart.

A facilitator, the wall, participant Alice, a second member of her team (Alva, on a phone) and participant
Bertil of the other team each join a Swedish race through the form at `/`, each in a browser context of their
own; Alice switches her screen to English. The facilitator starts the first phase and every screen counts the
same deadline down. Alice adds a card whose title is markup: it appears as text on both her team's screens (in
both languages), the facilitator's feed and the wall, never on Bertil's screen, and never runs. The server is
then stopped with SIGTERM and started again on the same database: the screens reconnect by themselves and
nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import choose_team, expect_live, join, switch_language

pytestmark = pytest.mark.browser

TITLE = '<img src=x onerror="window.pwned=1">Idé <b>Lingonris</b> 1'
BODY = '<script>window.pwned=2</script>Tanke & "citat" <i>kursiv</i>'
MARKER = "Lingonris"  # in the card only, in no text of the UI in either language
CLOCK_TEXT = re.compile(r"^\d+(:\d\d){1,2}$")
NOT_LIVE = re.compile(r"^(reconnecting|offline)$")
RECONNECT_TIMEOUT_MS = 20_000
CLOCK_TOLERANCE_MS = 1_000

CLOCK_READING = """() => {
  const clock = document.getElementById("clock");
  const deadline = Number(clock.dataset.deadline);
  return {
    deadline: deadline,
    left: deadline - window.Kraftsamla.clock.serverNow(),
    at: performance.timeOrigin + performance.now(),
  };
}"""


def clock_seconds(text: str) -> int:
    seconds = 0
    for part in text.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds


def expect_same_running_clock(pages: dict[str, Page], deadline: str | None = None) -> str:
    """Every screen shows the running clock, with one deadline and one countdown; return the deadline."""
    for page in pages.values():
        clock = page.locator("#clock")
        expect(clock).to_have_attribute("data-state", "running")
        if deadline is not None:
            expect(clock).to_have_attribute("data-deadline", deadline)
        expect(clock.locator(".clock-time")).to_have_text(CLOCK_TEXT)
    readings = {who: page.evaluate(CLOCK_READING) for who, page in pages.items()}
    deadlines = {reading["deadline"] for reading in readings.values()}
    assert len(deadlines) == 1, f"the screens disagree on the deadline: {readings}"
    # The pages share this machine's clock: bring every reading to the moment of the first one.
    first = next(iter(readings.values()))
    left = {who: reading["left"] + (reading["at"] - first["at"]) for who, reading in readings.items()}
    spread = max(left.values()) - min(left.values())
    assert spread < CLOCK_TOLERANCE_MS, f"the screens count down differently ({spread:.0f} ms apart): {left}"
    assert all(value > 0 for value in left.values()), f"the clock has already run out: {left}"
    return str(int(first["deadline"]))


def expect_counting_down(pages: dict[str, Page]) -> None:
    """Each clock face changes to a smaller time within a couple of seconds."""
    faces = {who: page.locator("#clock .clock-time") for who, page in pages.items()}
    before = {who: face.inner_text() for who, face in faces.items()}
    for who, face in faces.items():
        expect(face).not_to_have_text(before[who], timeout=3_000)
        after = face.inner_text()
        assert CLOCK_TEXT.match(after), f"{who}: the clock shows {after!r}"
        assert clock_seconds(after) < clock_seconds(before[who]), f"{who}: {before[who]} -> {after}"


def expect_card_shown(team: list[Page], facilitator: Page, wall: Page) -> None:
    """The card's title is on the team's boards, the facilitator's feed and the wall, as text."""
    for page in team:
        cards = page.locator("#col-idea .card")
        expect(cards).to_have_count(1)
        expect(cards.locator("h3")).to_have_text(TITLE)
        expect(cards.locator("p").first).to_have_text(BODY)
        expect(page.locator("#col-idea-title .count")).to_have_text("1")
    expect(facilitator.locator("#feed .card-title")).to_have_text([TITLE])
    expect(wall.locator("#wall-cards strong")).to_have_text([TITLE])


def expect_card_not_shown(page: Page) -> None:
    expect(page.locator("#col-idea .card")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(MARKER)
    assert MARKER not in page.content()


def expect_no_markup_ran(pages: dict[str, Page]) -> None:
    for who, page in pages.items():
        assert page.evaluate("() => typeof window.pwned") == "undefined", (
            f"the card's markup ran on {who}'s screen"
        )
        expect(page.locator("img[src='x']")).to_have_count(0)
        expect(page.locator(".card h3 b, #feed b, #wall-cards b, .team-tile b")).to_have_count(0)


def test_spine(server: Server, new_page: Callable[..., Page], screenshot_dir: Path) -> None:
    race: dict[str, Any] = server.create_race("Browser race", lang="sv", teams=2)
    server.start()
    slug, codes = race["slug"], race["codes"]
    team_1, team_2 = (team["name"] for team in race["teams"])
    first_phase = race["phases"][0]["name"]

    facilitator = new_page((1366, 900))
    wall = new_page((1920, 1080))
    alice = new_page((1366, 900))
    alva = new_page((390, 844), is_mobile=True, has_touch=True, device_scale_factor=2)
    bertil = new_page((1366, 900))
    join(facilitator, server, slug, codes["facilitator"], "Fia Facilitator")
    join(wall, server, slug, codes["wall"], "Väggen")
    join(alice, server, slug, codes["participant"], "Alice Andersson")
    join(alva, server, slug, codes["participant"], "Alva Åberg")
    join(bertil, server, slug, codes["participant"], "Bertil Berg")
    expect(bertil.locator("#teampick")).to_be_visible()
    bertil.screenshot(path=screenshot_dir / "teampick.png", full_page=True)
    switch_language(alice, "en")
    choose_team(alice, team_1)
    choose_team(alva, team_1)
    choose_team(bertil, team_2)
    team = [alice, alva]
    pages = {"facilitator": facilitator, "wall": wall, "alice": alice, "alva": alva, "bertil": bertil}
    for who, page in pages.items():
        expect_live(page)
        expect(page.locator("html")).to_have_attribute("lang", "en" if who == "alice" else "sv")
        expect(page.locator("#clock")).to_have_attribute("data-state", "idle")

    # The facilitator starts the first phase; every screen counts the same deadline down.
    facilitator.get_by_role("button", name=f"Starta {first_phase}", exact=True).click()
    deadline = expect_same_running_clock(pages)
    for page in pages.values():
        expect(page.locator("#clock-phase")).to_have_text(first_phase)
    expect_counting_down(pages)
    expect(alice.locator("#clock .clock-label")).to_have_text("Now")
    expect(alva.locator("#clock .clock-label")).to_have_text("Nu")

    # Alice adds a card whose title is markup: it arrives, as text, everywhere it belongs and nowhere else.
    alice.locator("#card-title").fill(TITLE)
    alice.locator("#card-body").fill(BODY)
    alice.locator("#card-column").select_option("idea")
    alice.locator("#card-form button[type=submit]").click()
    expect_card_shown(team, facilitator, wall)
    expect(alice.locator("#card-title")).to_have_value("")
    expect(alice.locator("#col-idea-title")).to_contain_text("Idea")
    expect(alva.locator("#col-idea-title")).to_contain_text("Idé")
    card_seq = int(facilitator.locator("body").get_attribute("data-seq") or "0")
    assert card_seq > 0
    # A barrier for Bertil's socket: a clock change after the card must reach him, so the card would have too.
    facilitator.locator("#agenda form[action$='/extend']").first.locator("button").click()
    expect(facilitator.locator("#clock")).not_to_have_attribute("data-deadline", deadline)
    deadline = facilitator.locator("#clock").get_attribute("data-deadline") or ""
    expect(bertil.locator("#clock")).to_have_attribute("data-deadline", deadline)
    assert int(bertil.locator("body").get_attribute("data-seq") or "0") > card_seq
    expect_card_not_shown(bertil)
    expect_no_markup_ran(pages)
    assert expect_same_running_clock(pages, deadline) == deadline

    # Restart: the screens notice, reconnect by themselves, and lose nothing.
    server.stop()
    for page in pages.values():
        expect(page.locator("#conn")).to_have_attribute("data-state", NOT_LIVE)
    server.start()
    for page in pages.values():
        expect_live(page, timeout=RECONNECT_TIMEOUT_MS)
    expect_card_shown(team, facilitator, wall)
    expect_card_not_shown(bertil)
    expect_same_running_clock(pages, deadline)

    # And after a reload, from the database alone.
    for page in pages.values():
        page.reload()
    for who, page in pages.items():
        expect_live(page)
        expect(page.locator("html")).to_have_attribute("lang", "en" if who == "alice" else "sv")
    expect_card_shown(team, facilitator, wall)
    expect_card_not_shown(bertil)
    expect_no_markup_ran(pages)
    expect_same_running_clock(pages, deadline)
    expect_counting_down(pages)

    for who, page in pages.items():
        page.screenshot(path=screenshot_dir / f"{who}.png", full_page=who != "wall")


def test_wall_shows_the_join_qr_code(server: Server, new_page: Callable[..., Page]) -> None:
    race = server.create_race("QR race", lang="en", teams=1)
    server.start()
    wall = new_page((1920, 1080))
    join(wall, server, race["slug"], race["codes"]["wall"], "The wall")
    expect(wall.locator("html")).to_have_attribute("lang", "en")
    expect(wall.locator(".wall-join")).to_contain_text("Join at")
    qr = wall.locator(".wall-join img")
    expect(qr).to_be_visible()
    width = qr.evaluate("img => img.decode().then(() => img.naturalWidth, () => 0)")
    assert width > 0, "the join QR code does not render"
