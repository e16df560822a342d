"""What the browser tests do as people do: join, choose a team, open a card, answer the profile, check axe.

Shared by the browser test modules; each acts through the page as a person would.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server


def join(page: Page, server: Server, slug: str, code: str, name: str) -> None:
    """Join through the form at `/`, as a new person does."""
    page.goto(f"{server.base_url}/")
    page.locator("#code").fill(code)
    page.locator("#name").fill(name)
    page.locator("form[action='/join'] button[type=submit]").click()
    page.wait_for_url(f"{server.base_url}/r/{slug}")


def choose_team(page: Page, team_name: str) -> None:
    """Pick a team on the team picker and land on its board."""
    exact = re.compile(rf"^\s*{re.escape(team_name)}\s*$")
    choice = page.locator("#teampick li").filter(has=page.locator("strong", has_text=exact))
    choice.locator("button").click()
    expect(page.locator("#team h1")).to_have_text(team_name)


def switch_language(page: Page, lang: str) -> None:
    page.locator(f"header form.lang button[value={lang}]").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def expect_live(page: Page, timeout: int | None = None) -> None:
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=timeout)


def card_in(page: Page, column: str) -> Any:
    return page.locator(f"#col-{column} .card")


def open_card(page: Page, column: str) -> Any:
    card_in(page, column).locator(".card-open a").click()
    panel = page.locator("#card-panel")
    expect(panel).to_be_visible()
    return panel


def open_request_form(page: Page) -> None:
    """Unfold "Call an expert" below the board (folded until wanted)."""
    details = page.locator("#request-details")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    expect(page.locator("#request-question")).to_be_visible()


def answer_profile(page: Page, background: str, tick: list[str], more: str) -> None:
    """Answer the profile questions shown after joining."""
    prompt = page.locator("#profile-prompt")
    expect(prompt).to_be_visible()
    prompt.locator(f"input[name=background][value={background}]").check()
    for tag in tick:
        prompt.locator(f"input[name=competence][value='{tag}']").check()
    prompt.locator("#competence-more").fill(more)
    prompt.locator("button[value=save]").click()
    expect(page.locator("#profile-prompt")).to_have_count(0)


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


def give_challenge(control: Page, team_id: int) -> None:
    """Add a challenge from Sågverket AB and give it to a team, on the control screen."""
    control.locator("#challenge-add-details summary").click()
    control.locator("#challenge-new-company").fill("Sågverket AB")
    control.locator("#challenge-new-title").fill("Mindre spill i sågen")
    control.locator("#challenge-new-save").click()
    expect(control.locator("#challenges")).to_contain_text("Sågverket AB")
    control.locator(f"#team-{team_id}-details summary").click()
    control.locator(f"#team-{team_id}-challenge").select_option(label="Sågverket AB: Mindre spill i sågen")
    control.locator(f"#team-{team_id}-save").click()
    expect(control.locator(f"#team-{team_id} .meta")).to_contain_text("Sågverket AB")
