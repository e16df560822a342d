"""The jury in Chromium, in Swedish and English: conflicts of interest, scoring, the reveal, the ranking.

The facilitator gives the second team a challenge from Sågverket AB. Juror Jana joins, says she works at
"sågverket ab" (spelled her own way), and finds the second team closed to her, with the reason in words; the
server refuses a score posted for it by hand. She scores the first team (partly with the keyboard) and sees it
saved; the control screen counts her, live, with no value shown. The facilitator reveals the scores: the
wall shows the ranking live, and the control screen the averages per criterion. axe-core checks the jury
screen and the setup page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import axe_violations, describe, expect_live, give_challenge, join

pytestmark = pytest.mark.browser

WORDS = {
    "sv": {
        "why": "Ditt företag, Sågverket AB, står bakom utmaningen",
        "saved": "Sparat.",
        "scored": "Dina poäng är sparade.",
        "not scored": "ej poängsatt",
        "four": "4,00",
    },
    "en": {
        "why": "Your company, Sågverket AB, brought this challenge",
        "saved": "Saved.",
        "scored": "Your scores are saved.",
        "not scored": "not scored",
        "four": "4.00",
    },
}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_juror_scores_is_kept_from_their_own_company_and_the_wall_shows_the_ranking(
    server: Server, new_page: Callable[..., Page], lang: str
) -> None:
    race: dict[str, Any] = server.create_race("Juryracet", lang=lang, teams=2)
    server.start()
    slug, codes, words = race["slug"], race["codes"], WORDS[lang]
    first, second = (team["id"] for team in race["teams"])
    control, wall, juror = new_page((1366, 900)), new_page((1920, 1080)), new_page((1280, 900))
    join(control, server, slug, codes["facilitator"], "Fia Facilitator")
    join(wall, server, slug, codes["wall"], "Väggen")
    give_challenge(control, second)

    join(juror, server, slug, codes["jury"], "Jana Jurist")
    expect(juror.locator("html")).to_have_attribute("lang", lang)
    juror.locator("#juror-company").fill("  sågverket ab ")
    juror.locator("#jury-identity button[value=save]").click()
    for page in (control, wall, juror):
        expect_live(page)

    # The team whose challenge her company brought: no form, and the reason in words.
    juror.locator(f"a[href='#jt-{second}']").click()
    blocked = juror.locator(f"#jt-{second}")
    expect(blocked.locator(".jury-why")).to_contain_text(words["why"])
    expect(blocked.locator("form")).to_have_count(0)
    refused = juror.request.post(
        f"{server.base_url}/r/{slug}/jury/teams/{second}",
        form={"c1": "5", "comment": "", "key": "by-hand"},
        headers={"origin": server.base_url},
    )
    assert refused.status == 403

    # Score the first team: the first criterion by keyboard (arrow keys move within the radio group).
    team = juror.locator(f"#jt-{first}")
    scales = team.locator("fieldset.score-scale")
    expect(scales).to_have_count(5)
    scales.nth(0).locator("input[value='1']").focus()
    juror.keyboard.press("Space")
    for _ in range(3):
        juror.keyboard.press("ArrowRight")
    expect(scales.nth(0).locator("input[value='4']")).to_be_checked()
    for index in range(1, 5):
        scales.nth(index).locator("input[value='4']").check()
    team.locator("textarea").fill("Tydlig pitch, <b>bra</b> kalkyl")
    team.locator("button[type=submit]").click()
    state = juror.locator(f"#jt-{first} .jury-state")
    expect(state).to_contain_text(words["saved"])
    expect(state).to_contain_text(words["scored"])

    # The control screen counts her live, without a value; the wall shows nothing yet.
    progress = control.locator("#jury .jury-progress").first
    expect(progress.locator("tbody tr").first.locator("td")).to_have_text("1")
    expect(control.locator("#control-ranking")).to_have_count(0)
    expect(control.locator("#jury")).not_to_contain_text("bra</b> kalkyl")
    expect(wall.locator("#wall-ranking")).to_be_hidden()

    violations = {"jury": axe_violations(juror)}

    # The reveal: the wall shows the ranking live, the control screen the averages per criterion.
    control.locator("#jury-reveal").click()
    ranking = wall.locator("#wall-ranking")
    expect(ranking).to_be_visible()
    rows = ranking.locator("tbody tr")
    expect(rows.nth(0)).to_contain_text("1")
    expect(rows.nth(0)).to_contain_text(race["teams"][0]["name"])
    expect(rows.nth(0)).to_contain_text(words["four"])
    expect(rows.nth(1)).to_contain_text(words["not scored"])
    expect(wall.locator("#wall-teams")).to_be_hidden()
    expect(control.locator("#control-ranking tbody tr").first).to_contain_text(words["four"])
    expect(control.locator("#jury .jury-comments")).to_contain_text("Tydlig pitch, <b>bra</b> kalkyl")

    control.locator("#jury-setup-link").click()
    expect(control.locator("#setup-ranking")).to_be_visible()
    violations["setup"] = axe_violations(control)
    found = {screen: found for screen, found in violations.items() if found}
    assert not found, "axe-core found serious or critical violations:\n" + describe(found)

    # Hidden again: the wall goes back to the teams.
    control.locator("#setup-hide").click()
    expect(wall.locator("#wall-ranking")).to_be_hidden()
    expect(wall.locator("#wall-teams")).to_be_visible()
