"""Organisers in Chromium, as new users would: issue #22's "Checked by".

Two organisers sign in; one makes two races (the second a copy of the first one's agenda) and prints a join
sheet; people join both and the home shows each race's state live; the other organiser sees none of them; a
replaced code stops working; a gallery walk shows another team's board read-only and closes everywhere at
once; guessing a password is throttled.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.server import LocalServer as Server
from tests.browser.helpers import choose_team, expect_live, join

pytestmark = pytest.mark.browser

PASSWORD = "ett långt lösenord"
# The home looks at its races every 5 s; give it two looks.
HOME_POLL_MS = 12_000


def sign_in(page: Page, server: Server, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{server.base_url}/organisers/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("form[action='/organisers/sign-in'] button[type=submit]").click()


def make_race(page: Page, name: str, teams: str, source: str | None = None) -> None:
    page.locator("nav.organiser-nav a[href='/home/races/new']").click()
    page.locator("#race-name").fill(name)
    page.locator("#race-teams").fill(teams)
    if source is not None:
        page.locator("#race-source").select_option(label=source)
    page.locator("form[action='/home/races'] button[type=submit]").click()
    expect(page.locator("#glance .glance-name", has_text=name)).to_be_visible()


def row(page: Page, slug: str) -> object:
    return page.locator(f"#glance-{slug}")


def test_organisers_run_their_races_from_the_browser(
    server: Server, new_page: Callable[..., Page], tmp_path: Path, screenshot_dir: Path
) -> None:
    secret = tmp_path / "password"
    secret.write_text(PASSWORD)
    for email, name in (("anna@example.se", "Anna Ek"), ("bo@example.se", "Bo Berg")):
        server.cli("create-organiser", "--email", email, "--name", name, "--password-file", str(secret))
    server.start()

    anna, bo = new_page(locale="sv-SE"), new_page(locale="sv-SE")
    sign_in(anna, server, "anna@example.se")
    sign_in(bo, server, "bo@example.se")
    for page in (anna, bo):
        page.wait_for_url(f"{server.base_url}/home")

    # Two races; the second copies the first one's agenda.
    make_race(anna, "Vårracet i Gnosjö", "2")
    make_race(anna, "Höstracet", "2", source="Vårracet i Gnosjö")
    first, second = "varracet-i-gnosjo", "hostracet"
    codes = {}
    for slug in (first, second):
        anna.locator(f"#race-{slug} summary", has_text="Koder").click()
        codes[slug] = anna.locator(f"#race-{slug} code[data-role='participant']").inner_text()
    anna.screenshot(path=str(screenshot_dir / "organiser-home.png"), full_page=True)

    # Bo sees none of Anna's races.
    bo.reload()
    expect(bo.locator("#glance .glance-name")).to_have_count(0)
    expect(bo.locator("#glance .empty")).to_be_visible()

    # The join sheet of the first race, opened from the home, shows its participant code.
    row(anna, first).locator("button[data-open='sheet']").click()
    expect(anna.locator("#sheet-participant .sheet-code")).to_have_text(codes[first])
    # The copy has the same agenda: its control screen lists the same phases.
    anna.goto(f"{server.base_url}/home")
    control = anna.context.new_page()
    control.goto(f"{server.base_url}/home")
    row(control, second).locator("button[data-open='control']").click()
    copied = control.locator("#agenda .phase-name").all_inner_texts()
    row_first = control.context.new_page()
    row_first.goto(f"{server.base_url}/home")
    row(row_first, first).locator("button[data-open='control']").click()
    expect_live(row_first)
    assert row_first.locator("#agenda .phase-name").all_inner_texts() == copied
    control.close()
    control = row_first

    # People join both races; the home follows.
    alva, cilla, bert = new_page(), new_page(), new_page()
    join(alva, server, first, codes[first], "Alva")
    choose_team(alva, "Lag 1")
    join(cilla, server, first, codes[first], "Cilla")
    choose_team(cilla, "Lag 2")
    join(bert, server, second, codes[second], "Bert")
    choose_team(bert, "Lag 1")
    for page in (alva, cilla, bert):
        expect_live(page)
    expect(row(anna, first).locator(".glance-role[data-role='participant']")).to_contain_text(
        "2 (2)", timeout=HOME_POLL_MS
    )
    expect(row(anna, second).locator(".glance-role[data-role='participant']")).to_contain_text(
        "1 (1)", timeout=HOME_POLL_MS
    )
    expect(row(anna, first)).to_have_attribute("data-state", "waiting")
    control.locator("#clock-next").click()
    expect(row(anna, first)).to_have_attribute("data-state", "running", timeout=HOME_POLL_MS)
    expect(row(anna, first).locator(".glance-state")).to_contain_text("kvar")
    expect(row(anna, second)).to_have_attribute("data-state", "waiting")

    # A replaced code stops working at once; Bert, already in, stays in.
    anna.locator(f"#race-{second} summary", has_text="Koder").click()
    anna.locator(f"#race-{second} button[data-replace='participant']").click()
    anna.locator(f"#race-{second} summary", has_text="Koder").click()
    expect(anna.locator(f"#race-{second} code[data-role='participant']")).not_to_have_text(codes[second])
    late = new_page()
    late.goto(f"{server.base_url}/")
    late.locator("#code").fill(codes[second])
    late.locator("#name").fill("Sen")
    late.locator("form[action='/join'] button[type=submit]").click()
    expect(late.locator("#join-error")).to_be_visible()
    bert.reload()
    expect(bert.locator("#team h1")).to_have_text("Lag 1")

    # The gallery walk: Cilla reads Alva's team's board, read-only; closing takes it away from both at once.
    alva.locator("#card-title").fill("Återvinningsbara skruvar")
    alva.locator("#card-form button[type=submit]").click()
    expect(alva.locator("#col-need-cards .card, #col-idea-cards .card").first).to_be_visible()
    expect(cilla.locator("#gallery")).to_be_hidden()
    control.locator("#gallery-open").click()
    expect(control.locator("#gallery-open-mark")).to_be_visible()
    for page in (alva, cilla):
        expect(page.locator("#gallery .gallery-mark")).to_be_visible()
    cilla.locator("#gallery a", has_text="Lag 1").click()
    shown = cilla.locator("#gallery-view .gallery-board")
    expect(shown.locator(".card h3")).to_have_text("Återvinningsbara skruvar")
    expect(shown.locator("form, button")).to_have_count(0)
    cilla.screenshot(path=str(screenshot_dir / "gallery.png"), full_page=True)
    control.locator("#gallery-close").click()
    for page in (alva, cilla):
        expect(page.locator("#gallery")).to_be_hidden()
    expect(cilla.locator(".gallery-board")).to_have_count(0)

    # Guessing Anna's password is throttled (the page says so in Swedish), and a guess never signs in.
    guesser = new_page(locale="sv-SE")
    for number in range(5):
        sign_in(guesser, server, "anna@example.se", f"gissning {number}")
        expect(guesser.locator("#sign-in-error")).to_have_text("E-postadressen eller lösenordet är fel.")
    sign_in(guesser, server, "anna@example.se")
    expect(guesser.locator("#sign-in-error")).to_have_text(re.compile("För många felaktiga lösenord"))
    assert guesser.url.endswith("/organisers/sign-in")
