"""axe-core on the four screens people meet in the room, in Swedish and in English.

The race is made in the language under test; a participant, an expert, the facilitator and the wall join it.
The facilitator starts a phase that takes expert requests, the participant adds a card and calls an expert,
the facilitator announces something and spotlights the card, so every region has content. axe-core (vendored
from npm in `vendor/`, injected here, never served) then runs on each screen; any serious or critical
violation fails the test. The opened card and the join page (on a phone) are checked as well.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.test_board import open_card
from tests.browser.test_intake import prepare as prepare_intake
from tests.browser.test_room import answer_profile
from tests.browser.test_spine import choose_team, expect_live, join

pytestmark = pytest.mark.browser

AXE = next((Path(__file__).parent / "vendor").glob("axe-core-*.min.js"))
BLOCKING = {"serious", "critical"}
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ") + " :: " + n.failureSummary.replace(/\\s+/g, " ")),
  }));
}"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Inject axe-core into the page and return its serious and critical violations."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return [violation for violation in violations if violation["impact"] in BLOCKING]


def describe(found: dict[str, list[dict[str, Any]]]) -> str:
    lines = []
    for screen, violations in found.items():
        for violation in violations:
            lines.append(f"{screen}: {violation['impact']} {violation['id']}: {violation['help']}")
            lines.extend(f"    {node}" for node in violation["nodes"][:5])
    return "\n".join(lines)


def set_the_room(server: Server, new_page: Callable[..., Page], lang: str) -> dict[str, Page]:
    """Join the four screens to a fresh race in `lang` and give every region something to show."""
    race: dict[str, Any] = server.create_race("Tillgänglighetsracet", lang=lang, teams=2)
    server.start()
    slug, codes = race["slug"], race["codes"]
    phase = race["phases"][3]  # takes expert requests and board edits
    facilitator, wall = new_page((1366, 900)), new_page((1920, 1080))
    participant, expert = new_page((1280, 800)), new_page((1366, 900))
    join(facilitator, server, slug, codes["facilitator"], "Fia Facilitator")
    join(wall, server, slug, codes["wall"], "Väggen")
    join(participant, server, slug, codes["participant"], "Alice Andersson")
    join(expert, server, slug, codes["expert"], "Ebba Expert")
    answer_profile(participant, "student", [], "Maskininlärning")
    answer_profile(expert, "research", ["energy"], "batterier")
    choose_team(participant, race["teams"][0]["name"])
    pages = {"participant": participant, "facilitator": facilitator, "wall": wall, "expert": expert}
    for page in pages.values():
        expect_live(page)
        expect(page.locator("html")).to_have_attribute("lang", lang)

    facilitator.locator(f"#agenda form[action$='/phases/{phase['id']}/start'] button").click()
    expect(participant.locator("#clock")).to_have_attribute("data-state", "running")
    participant.locator("#card-title").fill("Kylsäkert batteri")
    participant.locator("#card-body").fill("Natriumjon i stället för litium.")
    participant.locator("#card-form button[type=submit]").click()
    expect(participant.locator("#col-idea .card")).to_have_count(1)
    participant.locator("#request-question").fill("Vilken cellkemi klarar kyla?")
    participant.locator("#request-form input[name=tag][value=energy]").check()
    participant.locator("#request-form button[type=submit]").click()
    expect(expert.locator("#requests li")).to_have_count(1)
    facilitator.locator("#announce-body").fill("Lunch klockan 12.")
    facilitator.locator("#announce-form button[type=submit]").click()
    facilitator.locator("#feed li form button").first.click()
    expect(wall.locator("#wall-spotlight .spot-title")).to_have_text("Kylsäkert batteri")
    for page in pages.values():
        expect(page.locator("#announcement .announce-body")).to_have_text("Lunch klockan 12.")
    return pages


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_no_serious_accessibility_violation_on_the_four_screens(
    server: Server, new_page: Callable[..., Page], lang: str
) -> None:
    pages = set_the_room(server, new_page, lang)
    found = {screen: axe_violations(page) for screen, page in pages.items()}
    # The opened card (edit, move, comment, history) and the join page, too.
    participant = pages["participant"]
    open_card(participant, "idea")
    found["participant, card opened"] = axe_violations(participant)
    newcomer = new_page(
        (390, 844), is_mobile=True, has_touch=True, locale={"sv": "sv-SE", "en": "en-GB"}[lang]
    )
    newcomer.goto(f"{server.base_url}/")
    expect(newcomer.locator("html")).to_have_attribute("lang", lang)
    found["join page"] = axe_violations(newcomer)
    found = {screen: violations for screen, violations in found.items() if violations}
    assert not found, "axe-core found serious or critical violations:\n" + describe(found)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_no_serious_accessibility_violation_before_the_race(
    server: Server, new_page: Callable[..., Page], lang: str
) -> None:
    prepared = prepare_intake(server, new_page, lang)
    facilitator, company = prepared["facilitator"], prepared["company"]
    found = {"thank-you page": axe_violations(company)}
    company.goto(prepared["link"])
    found["intake form"] = axe_violations(company)
    # An empty form is stopped by the browser's own checks; a contact that is neither e-mail nor phone is not.
    company.locator("#intake-company").fill("AB")
    company.locator("#intake-contact-name").fill("Sara")
    company.locator("#intake-contact-means").fill("?")
    company.locator("#intake-title-field").fill("Behov")
    company.locator("#intake-description").fill("Text")
    company.locator("#intake-send").click()
    expect(company.locator("#intake-error")).to_be_visible()
    found["intake form with an error"] = axe_violations(company)
    facilitator.reload()
    facilitator.locator(".need-list > li summary").click()
    found["needs page"] = axe_violations(facilitator)
    facilitator.locator(".need-list > li form button[id$=-choose]").click()
    facilitator.goto(f"{server.base_url}/r/{prepared['race']['slug']}/competences")
    expect(facilitator.locator("#gap-list li")).to_have_count(2)
    found["competence map"] = axe_violations(facilitator)
    found = {screen: violations for screen, violations in found.items() if violations}
    assert not found, "axe-core found serious or critical violations:\n" + describe(found)
