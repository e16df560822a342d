"""The facilitator's control screen in Chromium.

Edit the agenda (by keyboard too), make a team, move a person, lock a board, see who is online, print the join
sheet. The participant's screen follows by itself, and the wall's clock follows an agenda edit that changes
what comes next.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import choose_team, expect_live, join

pytestmark = pytest.mark.browser


def test_facilitator_runs_the_race_from_the_control_screen(
    server: Server, new_page: Callable[..., Page], screenshot_dir: Path
) -> None:
    race: dict[str, Any] = server.create_race("Kontrollracet", lang="sv", teams=2)
    server.start()
    slug, codes = race["slug"], race["codes"]
    first, second = race["phases"][0], race["phases"][1]

    control = new_page(viewport=(1600, 1000))
    join(control, server, slug, codes["facilitator"], "Fia")
    alva = new_page()
    join(alva, server, slug, codes["participant"], "Alva")
    choose_team(alva, race["teams"][0]["name"])
    wall = new_page(viewport=(1920, 1080))
    join(wall, server, slug, codes["wall"], "")
    for page in (control, alva, wall):
        expect_live(page)

    # Who is online: Alva, in her team's row of the overview.
    expect(control.locator("#teams .person.online")).to_contain_text("Alva")

    # Rename the first phase: the agenda and every clock's "next" follow.
    control.locator(f"#phase-{first['id']}-details > summary").click()
    control.locator(f"#phase-{first['id']}-name").fill("Välkomna & fika")
    control.locator(f"#phase-{first['id']}-minutes").fill("45")
    control.locator(f"#phase-{first['id']}-save").click()
    # The answer shows beside the form that was sent, in a status region, and stays through the live update.
    msg = control.locator(f"#phase-{first['id']}-msg")
    expect(msg).to_have_attribute("role", "status")
    expect(msg).to_have_text("Sparat.")
    expect(control.locator(f"#phase-{first['id']} .phase-name")).to_have_text("Välkomna & fika")
    expect(msg).to_have_text("Sparat.")
    expect(control.locator(f"#phase-{first['id']}-details")).to_have_attribute("open", "")
    expect(wall.locator("#clock .clock-next")).to_contain_text("Välkomna & fika (45 min)")
    expect(alva.locator("#clock .clock-next")).to_contain_text("Välkomna & fika")
    # Changed again, the form no longer is what was saved: the notice goes.
    control.locator(f"#phase-{first['id']}-minutes").fill("50")
    expect(msg).to_have_text("")

    # Nonsense is refused with a message in Swedish, and nothing changes.
    control.locator(f"#phase-{first['id']}-name").fill("   ")
    control.locator(f"#phase-{first['id']}-save").click()
    expect(msg.locator(".error")).to_have_text("Fyll i namnet.")
    expect(control.locator(f"#phase-{first['id']} .phase-name")).to_have_text("Välkomna & fika")

    # Reorder by keyboard: focus "later" on the first phase, press Enter; focus stays on the moved phase.
    down = control.locator(f"#phase-{first['id']}-down")
    down.focus()
    control.keyboard.press("Enter")
    names = control.locator("#agenda .phase .phase-name")
    expect(names.nth(0)).to_have_text(second["name"])
    expect(names.nth(1)).to_have_text("Välkomna & fika")
    expect(down).to_be_focused()
    control.keyboard.press("Enter")
    expect(names.nth(2)).to_have_text("Välkomna & fika")
    expect(wall.locator("#clock .clock-next")).to_contain_text(second["name"])

    # Add a phase at the end.
    control.locator("#phase-add-details summary").click()
    control.locator("#phase-new-name").fill("Avslutning")
    control.locator("#phase-new-minutes").fill("30")
    control.locator("#phase-new-save").click()
    expect(names.last).to_have_text("Avslutning")

    # Create a team.
    control.locator("#team-add-details summary").click()
    control.locator("#team-new-name").fill("Lag Ek")
    control.locator("#team-new-save").click()
    new_team = control.locator("#roster article.roster-team").filter(
        has=control.locator("h3", has_text="Lag Ek")
    )
    expect(new_team).to_have_count(1)
    team_id = (new_team.get_attribute("id") or "").removeprefix("team-")
    expect(wall.locator("#wall-teams")).to_contain_text("Lag Ek")

    # Move Alva to it: her own screen loads the new team's board by itself.
    move = control.locator("#roster form.move").filter(has_text="Alva")
    move.locator("select").select_option(label="Lag Ek")
    move.locator("button").click()
    expect(alva.locator("#team h1")).to_have_text("Lag Ek")
    expect(new_team.locator(".person-name")).to_have_text(["Alva"])
    expect_live(alva)

    # Lock her new board: she is told, and she cannot add a card.
    control.locator(f"#team-{team_id}-lock").click()
    expect(alva.locator("#team .locked-note")).to_be_visible()
    expect(control.locator(f"#team-{team_id}-lock")).to_contain_text("Lås upp tavlan")
    # Her add-card form closes and says why (the board slice); the server refuses too (tests/test_board.py).
    expect(alva.locator("#card-form button[type=submit]")).to_be_disabled()
    expect(alva.locator("#board-state")).to_contain_text("låst")
    control.locator(f"#team-{team_id}-lock").click()
    expect(alva.locator("#team .locked-note")).to_have_count(0)
    control.screenshot(path=str(screenshot_dir / "control.png"), full_page=True)

    # The join sheet: one printed page per code, in the race's language.
    control.locator("#join-sheet-link").click()
    sheets = control.locator("section.sheet")
    expect(sheets).to_have_count(5)
    expect(control.locator("#sheet-participant .sheet-code")).to_have_text(codes["participant"])
    expect(control.locator("#sheet-participant svg")).to_have_count(1)
    control.emulate_media(media="print")
    breaks = control.evaluate(
        "() => [...document.querySelectorAll('section.sheet')].map(s => getComputedStyle(s).breakAfter)"
    )
    assert breaks[:-1] == ["page"] * 4
    assert re.match(r"auto", breaks[-1])


def test_feedback_shows_beside_the_control_and_what_cannot_be_undone_asks_first(
    server: Server, new_page: Callable[..., Page]
) -> None:
    race: dict[str, Any] = server.create_race("Kontrollracet", lang="sv", teams=2)
    server.start()
    slug, codes = race["slug"], race["codes"]
    control = new_page(viewport=(1280, 800))
    join(control, server, slug, codes["facilitator"], "Fia")
    alva = new_page()
    join(alva, server, slug, codes["participant"], "Alva")
    choose_team(alva, race["teams"][0]["name"])
    for page in (control, alva):
        expect_live(page)

    # A team without a name, then one with another team's name: each refusal beside the form, in view.
    control.locator("#team-add-details summary").click()
    save = control.locator("#team-new-save")
    save.scroll_into_view_if_needed()
    control.locator("#team-new-name").fill(" ")
    control.locator("#team-new-name").evaluate("field => field.removeAttribute('required')")
    save.click()
    msg = control.locator("#team-new-msg")
    expect(msg.locator(".error[role=alert]")).to_have_text("Fyll i namnet.")
    button, shown = save.bounding_box(), msg.bounding_box()
    assert button and shown and 0 <= shown["y"] - button["y"] < 200 and shown["y"] + shown["height"] < 800
    control.locator("#team-new-name").fill(" LAG  1 ")
    save.click()
    expect(msg.locator(".error")).to_have_text("Det finns redan ett lag som heter Lag 1.")
    expect(control.locator("#roster article.roster-team")).to_have_count(2)

    # Every board at once: one button, every team's board closes live and says so; then opens again.
    control.locator("#boards-lock").click()
    expect(control.locator("#boards-msg")).to_have_text("Sparat.")
    expect(alva.locator("#board-state")).to_contain_text("låst")
    expect(alva.locator("#card-title")).to_be_disabled()
    expect(control.locator("#roster .all-boards .meta")).to_have_text("2 av 2 tavlor låsta.")
    control.locator("#boards-unlock").click()
    expect(alva.locator("#card-title")).to_be_enabled()

    # Removing a phase asks first; only the second, explicit button removes it.
    last = race["phases"][-1]
    control.locator(f"#phase-{last['id']}-details > summary").click()
    control.locator(f"#phase-{last['id']}-remove-ask summary").click()
    expect(control.locator(f"#phase-{last['id']}")).to_have_count(1)
    expect(control.locator(f"#phase-{last['id']}-remove")).to_contain_text("Ja, ta bort")
    control.locator(f"#phase-{last['id']}-remove").click()
    expect(control.locator(f"#phase-{last['id']}")).to_have_count(0)
