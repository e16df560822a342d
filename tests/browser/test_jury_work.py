"""The jury sees the work, in Chromium: a team's board read with its histories, and progress that follows.

A team adds a card, edits it and votes on it. Juror Jana, whose company brought the second team's challenge,
reads the first team's board from her screen: the card, its vote, the history of its two versions, and
nothing to press. Her screen says she has scored none of the one team she may judge; she scores it and the
sentence says one of one without a reload, as does the control screen. The facilitator replays the moment
after the vote: the card shows its vote on a board with nothing to press, and the wall part shows the clock
and the spotlit card as they were. axe-core checks the board and the replay.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import axe_violations, choose_team, describe, expect_live, give_challenge, join

pytestmark = pytest.mark.browser

CARD = "Stift av <b>björk</b>"


def test_a_juror_reads_the_work_and_sees_her_progress_follow(
    server: Server, new_page: Callable[..., Page], screenshot_dir: Path
) -> None:
    race: dict[str, Any] = server.create_race("Arbetsracet", lang="sv", teams=2)
    server.start()
    slug, codes = race["slug"], race["codes"]
    first, second = (team["id"] for team in race["teams"])
    control, alva, jana = new_page((1366, 900)), new_page((1280, 800)), new_page((1280, 800))
    join(control, server, slug, codes["facilitator"], "Fia Facilitator")
    give_challenge(control, second)
    join(alva, server, slug, codes["participant"], "Alva Andersson")
    alva.locator("#profile-prompt button[value=skip]").click()
    choose_team(alva, race["teams"][0]["name"])
    join(jana, server, slug, codes["jury"], "Jana Jurist")
    jana.locator("#juror-company").fill("Sågverket AB")
    jana.locator("#jury-identity button[value=save]").click()
    for page in (control, alva, jana):
        expect_live(page)
    control.locator(f"#agenda form[action$='/phases/{race['phases'][4]['id']}/start'] button").click()
    expect(alva.locator("#clock")).to_have_attribute("data-state", "running")

    alva.locator("#card-title").fill("Stift")
    alva.locator("#card-form button[type=submit]").click()
    card = alva.locator("#col-idea li.card")
    expect(card).to_have_count(1)
    card.locator(".card-open a").click()
    alva.locator("#panel-title").fill(CARD)
    alva.locator("#card-panel .edit-form button[type=submit]").click()
    expect(card.locator("h3")).to_have_text(CARD)
    card.locator(".vote-cast").click()
    expect(card.locator(".vote-count")).to_have_attribute("data-votes", "1")
    control.locator("#feed li form button").first.click()  # the card in the spotlight

    # Jana's progress counts the one team she may judge; she reads its board from her screen.
    expect(jana.locator("#jury-done")).to_have_text("Du har poängsatt 0 av de 1 lag du får bedöma.")
    jana.locator(f"#jt-{first}-board").click()
    board = jana.locator(".board")
    read = board.locator("li.card")
    expect(read.locator("h3")).to_have_text(CARD)
    expect(read.locator(".vote-count")).to_have_attribute("data-votes", "1")
    read.locator(".card-history summary").click()
    expect(read.locator(".card-history .rev-title")).to_have_text([CARD, "Stift"])
    expect(jana.locator("main form, main button, main .card-open")).to_have_count(0)
    expect(jana.locator("main b")).to_have_count(0)
    jana.screenshot(path=screenshot_dir / "board-read.png", full_page=True)
    violations = {"board": axe_violations(jana)}
    jana.go_back()
    expect_live(jana)

    # She scores the team: her sentence and the control screen follow without a reload.
    team = jana.locator(f"#jt-{first}")
    for scale in team.locator("fieldset.score-scale").all():
        scale.locator("input[value='4']").check()
    team.locator("button[type=submit]").click()
    expect(jana.locator("#jury-done")).to_have_text("Du har poängsatt 1 av de 1 lag du får bedöma.")
    expect(control.locator("#jury .jury-progress").nth(1).locator("tbody td")).to_have_text("1 av 1")

    # The replay just after the vote: its count, nothing to press, the wall's clock and spotlight then.
    seq = int(control.locator("body").get_attribute("data-seq") or "0")
    control.goto(f"{server.base_url}/r/{slug}/review/replay?seq={seq}&team={first}")
    view = control.locator("#replay-view")
    expect(view.locator(".replay-board li.card .vote-count")).to_have_attribute("data-votes", "1")
    expect(view.locator(".replay-board form, .replay-board button, .replay-board .card-open")).to_have_count(
        0
    )
    expect(view.locator(".replay-clock .clock-phase")).to_have_text(race["phases"][4]["name"])
    expect(view.locator("#wall-spotlight .spot-title")).to_have_text(CARD)
    control.screenshot(path=screenshot_dir / "replay.png", full_page=True)
    violations["replay"] = axe_violations(control)
    found = {screen: found for screen, found in violations.items() if found}
    assert not found, "axe-core found serious or critical violations:\n" + describe(found)
