"""Before the race, in Chromium: a company sends a need, the facilitator edits it and makes it a challenge.

The race is made in the language under test. The facilitator opens the intake from the needs page (linked from
the control screen) and hands its link to a company, whose browser has no sign-in; the company first mistypes
its e-mail, then sends. The facilitator edits the need and makes it a challenge, which appears with its
competences on the control screen open in another tab. A participant's profile then leaves one of those
competences uncovered, and the competence map says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import answer_profile, expect_live, join

pytestmark = pytest.mark.browser

SEND = {"sv": "Skicka behovet", "en": "Send the need"}
GAP = {"sv": "ingen har den", "en": "nobody brings it"}


def open_intake(facilitator: Page) -> str:
    """Go from the control screen to the needs page, open the intake and return the companies' link."""
    facilitator.locator("#needs-link").click()
    facilitator.locator("#intake-open").click()
    expect(facilitator.locator("#intake-close")).to_be_visible()
    expect(facilitator.locator("img.intake-qr")).to_be_visible()
    link = facilitator.locator("#intake-link").input_value()
    assert "/intake/" in link
    return link


def send_need(company: Page, link: str, lang: str, title: str) -> None:
    """Fill the intake as a company does: a mistyped contact first, then corrected."""
    company.goto(link)
    expect(company.locator("html")).to_have_attribute("lang", lang)
    expect(company.locator("#intake-send")).to_have_text(SEND[lang])
    company.locator("#intake-company").fill("Sågverket i Norr AB")
    company.locator("#intake-contact-name").fill("Sara Säljare")
    company.locator("#intake-contact-means").fill("ring mig")
    company.locator("#intake-title-field").fill(title)
    company.locator("#intake-description").fill("Vi sågar bort tolv procent av stocken.")
    company.locator("#intake-market").fill("Byggföretag i länet")
    company.locator("input[name=tag][value=energy]").check()
    company.locator("#tag-more").fill("Juridik")
    company.locator("input[name=urgency][value='3']").check()
    company.locator("#intake-send").click()
    error = company.locator("#intake-error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("role", "alert")
    # What was typed is still there.
    expect(company.locator("#intake-title-field")).to_have_value(title)
    expect(company.locator("input[name=tag][value=energy]")).to_be_checked()
    expect(company.locator("input[name=urgency][value='3']")).to_be_checked()
    company.locator("#intake-contact-means").fill("sara@sagverket.se")
    company.locator("#intake-send").click()
    expect(company.locator("#sent-title")).to_have_text(title)
    expect(company.locator("#intake-another")).to_be_visible()


def prepare(server: Server, new_page: Callable[..., Page], lang: str) -> dict[str, Any]:
    """Make a race in `lang`, open its intake, let a company send a need; return the pages and the race."""
    race: dict[str, Any] = server.create_race("Förberedelseracet", lang=lang, teams=2)
    server.start()
    facilitator = new_page((1366, 900))
    join(facilitator, server, race["slug"], race["codes"]["facilitator"], "Fia Facilitator")
    link = open_intake(facilitator)
    company = new_page((1024, 900), locale={"sv": "en-GB", "en": "sv-SE"}[lang])
    send_need(company, link, lang, "Mindre spill i sågen")
    return {"race": race, "facilitator": facilitator, "company": company, "link": link}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_need_becomes_a_challenge_and_the_map_shows_the_gap(
    server: Server, new_page: Callable[..., Page], lang: str
) -> None:
    found = prepare(server, new_page, lang)
    race, facilitator = found["race"], found["facilitator"]
    slug = race["slug"]
    control = facilitator.context.new_page()
    control.goto(f"{server.base_url}/r/{slug}")
    expect_live(control)

    facilitator.reload()
    need = facilitator.locator(".need-list > li")
    expect(need).to_have_count(1)
    need_id = str(need.get_attribute("id"))
    need.locator(f"#{need_id}-edit summary").click()
    facilitator.locator(f"#{need_id}-title").fill("Mindre spill")
    facilitator.locator(f"#{need_id}-tags").fill("Energy, Juridik, Trä")
    facilitator.locator(f"#{need_id}-save").click()
    expect(facilitator.locator(f"#{need_id} h3")).to_contain_text("Mindre spill")
    facilitator.locator(f"#{need_id}-choose-ask summary").click()
    facilitator.locator(f"#{need_id}-choose").click()
    expect(facilitator.locator(f"#{need_id}-chosen")).to_be_visible()
    expect(facilitator.locator(f"#{need_id}-choose")).to_have_count(0)

    # The control screen, open all along, shows the new challenge with its competences.
    challenge = control.locator("#challenges li").filter(has_text="Mindre spill")
    expect(challenge).to_have_count(1)
    # Competences in the reader's language: "Juridik" is the built-in Law.
    shown = ["Energi", "Juridik", "Trä"] if lang == "sv" else ["Energy", "Law", "Trä"]
    expect(challenge.locator(".tag")).to_have_text(shown)

    participant = new_page((1280, 800))
    join(participant, server, slug, race["codes"]["participant"], "Alva Andersson")
    answer_profile(participant, "student", ["energy"], "trä")
    control.locator("#competences-link").click()
    gaps = control.locator("#gap-list li")
    expect(gaps).to_have_count(1)
    expect(gaps).to_contain_text(shown[1])
    expect(control.locator(".competence-map tr.gap th")).to_contain_text(GAP[lang])
    energy = control.locator(".competence-map tbody tr").filter(has_text="Alva Andersson")
    expect(energy).to_have_count(2)  # Energy and trä (merged with the challenge's Trä)


def test_the_language_switch_and_a_closed_intake(server: Server, new_page: Callable[..., Page]) -> None:
    found = prepare(server, new_page, "sv")
    facilitator, company = found["facilitator"], found["company"]
    company.goto(found["link"])
    company.locator(".lang-links a[lang=en]").click()
    expect(company.locator("html")).to_have_attribute("lang", "en")
    expect(company.locator("#intake-send")).to_have_text(SEND["en"])
    facilitator.locator("#intake-close").click()
    expect(facilitator.locator("#intake-open")).to_be_visible()
    answer = company.goto(found["link"])
    assert answer is not None and answer.status == 410
    expect(company.locator("html")).to_have_attribute("lang", "en")
    expect(company.locator("main")).to_contain_text("closed")
