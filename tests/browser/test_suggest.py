"""Suggested teams in Chromium, in Swedish and English.

The facilitator asks for a suggestion, moves one person by hand, re-explains it and applies it; a
participant's screen shows their new team by itself. axe-core checks the suggestion page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from app.db import Database
from app.models import Challenge, Race
from bench.server import LocalServer as Server
from tests.browser.helpers import axe_violations, describe, expect_live, join

pytestmark = pytest.mark.browser

WORDS = {
    "sv": {"research": "Forskning", "covered": "Täckt", "recompute": "Förklarat så som du justerat det"},
    "en": {"research": "Research", "covered": "Covered", "recompute": "Explained as you adjusted it"},
}


def add_challenges(server: Server, slug: str) -> None:
    """Two companies' challenges with the competences they ask for (set directly: the intake edits them)."""
    db = Database(server.env["DATABASE_URL"])
    try:
        with db.write() as session:
            race_id = session.exec(select(Race.id).where(Race.slug == slug)).one()
            session.add(Challenge(race_id=race_id, company="Sågverket AB", title="Mindre spill", tags=["ai"]))
            session.add(Challenge(race_id=race_id, company="Mejeriet", title="Grön mjölk", tags=["energy"]))
    finally:
        db.dispose()


def answer(page: Page, background: str, company: str, more: str) -> None:
    """Answer the profile questions with a background, a company and typed competences."""
    prompt = page.locator("#profile-prompt")
    prompt.locator(f"input[name=background][value={background}]").check()
    prompt.locator("#company").fill(company)
    prompt.locator("#competence-more").fill(more)
    prompt.locator("button[value=save]").click()
    expect(page.locator("#profile-prompt")).to_have_count(0)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_facilitator_suggests_adjusts_and_applies_teams(
    server: Server, new_page: Callable[..., Page], screenshot_dir: Path, lang: str
) -> None:
    race: dict[str, Any] = server.create_race("Lagracet", lang=lang, teams=1)
    add_challenges(server, race["slug"])
    server.start()
    slug, codes, words = race["slug"], race["codes"], WORDS[lang]
    control = new_page(viewport=(1400, 1000))
    join(control, server, slug, codes["facilitator"], "Fia")
    crowd = {
        "Alva": ("research", "", "AI"),
        "Bo": ("student", "", "Energy"),
        "Cia": ("company", "Sågverket AB", ""),
        "Dag": ("company", "mejeriet", ""),
    }
    pages = {}
    for name, (background, company, more) in crowd.items():
        page = new_page()
        join(page, server, slug, codes["participant"], name)
        answer(page, background, company, more)
        pages[name] = page
    alva = pages["Alva"]
    expect_live(alva)

    control.locator("#suggest-link").click()
    expect(control.locator("h1")).to_have_text(re.compile("Föreslagna lag|Suggested teams"))
    control.locator("#suggest-min").fill("1")
    control.locator("#suggest-max").fill("3")
    control.locator("#suggest-go").click()
    teams = control.locator("article.suggest-team")
    expect(teams).to_have_count(2)
    saw, mejeriet = teams.nth(0), teams.nth(1)
    expect(saw.locator("h2")).to_contain_text("Sågverket AB 1")
    # The company people are on their own challenge's team; each team says what it covers.
    expect(saw.locator(".suggest-members")).to_contain_text("Cia")
    expect(mejeriet.locator(".suggest-members")).to_contain_text("Dag")
    expect(control.locator(".explain dt").first).to_be_visible()
    expect(control.locator("dt", has_text=words["covered"]).first).to_be_visible()

    # By hand: Alva (labelled with her background) goes to whichever team she was not suggested for.
    chooser = control.get_by_label(re.compile(rf"^Alva \({words['research']}"))
    current = chooser.evaluate("select => select.selectedOptions[0].textContent")
    target = "Mejeriet 1" if current.strip() == "Sågverket AB 1" else "Sågverket AB 1"
    chooser.select_option(label=target)
    control.locator("#suggest-recompute").click()
    expect(control.locator("#suggest-edited")).to_contain_text(words["recompute"])
    target_team = teams.filter(has=control.locator("h2", has_text=target))
    expect(target_team.locator(".suggest-members")).to_contain_text("Alva")

    violations = axe_violations(control)
    assert not violations, describe({"suggestion": violations})
    control.screenshot(path=str(screenshot_dir / f"suggest-{lang}.png"), full_page=True)

    control.locator("#suggest-apply-ask summary").click()
    control.locator("#suggest-apply").click()
    control.wait_for_url(re.compile(rf"/r/{slug}(#roster)?$"))
    # Alva's own screen loads her new team by itself.
    expect(alva.locator("#team h1")).to_have_text(target)
    expect_live(alva)
    roster_team = control.locator("#roster article.roster-team").filter(
        has=control.locator("h3", has_text=target)
    )
    expect(roster_team.locator(".person-name")).to_contain_text(["Alva"])
