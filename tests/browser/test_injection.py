"""HTML and htmx attribute injection in every field a person types, on every screen showing it, in Chromium.

The fields are data (`FIELDS`): each row says how its value is typed through the real form and on which
screens it must then show, as text. Each run is one race: the facilitator, a participant, an expert, a juror,
a company sending a need through the public intake and a team-mate fill every field with a payload while the
others watch, so the values also arrive as live frames; the facilitator then reveals the jury's scores, and
every screen is loaded afresh (with the scores revealed or hidden again as the screen asks). On each page: no
dialog, `window.__pwned` never set, no element or attribute made from a payload, no Content-Security-Policy
violation, and each field's value shown as text.

A new field is one row in FIELDS (and, for a new screen, one entry in SCREENS). The race's own name, typed
by the organiser who creates it, is one of them (the join sheet shows it). Apart from the rotation, a phase
named `Paus<i hx-post=/leave hx-trigger=load></i>` closes the boards while every screen watches, and nobody
may be signed out by it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from app.services.reports import md_escape
from bench.server import LocalServer as Server
from tests.browser.helpers import choose_team, expect_live, join, open_request_form

pytestmark = pytest.mark.browser

# Each fits the shortest field it goes into (a competence: 40 characters with its 3-character row mark).
PAYLOADS = {
    "img-onerror": "<img src=x onerror=window.__pwned=1>",
    "svg-onload": '"><svg onload=window.__pwned=1>',
    "hx-trigger": "<div hx-post=/leave hx-trigger=load>",
    "hx-on": "<a hx-on:click=window.__pwned=1>a</a>",
    "template": "{{7*7}} {% raw %}${7*7}",
    "script": "</script><script>__pwned=1</script>",
    "attribute": '" onfocus=__pwned=1 autofocus x="',
}

ROTATION = list(PAYLOADS.values())
# Each run gives field i the payload i + offset, so every screen gets every payload in every run. Three
# runs by default; KRAFTSAMLA_INJECTION_FULL=1 runs one per payload: every payload in every field.
OFFSETS = range(len(PAYLOADS)) if os.environ.get("KRAFTSAMLA_INJECTION_FULL") else range(3)

# Run before any page script: note Content-Security-Policy violations.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""

# Elements or attributes only a payload makes (the app has no inline handlers: its CSP forbids them).
INJECTED = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    if (el.tagName === 'SCRIPT' && !el.src) found.push('inline script');
    if (el.tagName === 'IMG' && el.getAttribute('src') === 'x') found.push('img[src=x]');
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) found.push(el.tagName + '[' + name + ']');
      else if (name.startsWith('hx-on')) found.push(el.tagName + '[' + name + ']');
      // Typed text may sit in a value, a label or a title; never in what the browser or htmx acts on.
      else if (attr.value.includes('__pwned')
               && /^(hx-|data-hx|src|href|action|formaction|style)/.test(name))
        found.push(el.tagName + '[' + name + ']');
      else if (name === 'hx-trigger' && attr.value === 'load'
               && (el.getAttribute('hx-post') || '').includes('leave'))
        found.push(el.tagName + '[hx-trigger=load]');
    }
  }
  return found;
}"""


@dataclass
class Race:
    """The race under attack: its people's pages and what the steps learned on the way."""

    server: Server
    summary: dict[str, Any]
    offset: int
    pages: dict[str, Page] = field(default_factory=dict)
    dialogs: list[str] = field(default_factory=list)
    card_id: str = ""
    revealed: bool = False  # the jury's scores

    @property
    def slug(self) -> str:
        return str(self.summary["slug"])

    def url(self, path: str = "") -> str:
        return f"{self.server.base_url}/r/{self.slug}{path}"

    def payload(self, row: Field) -> str:
        """Return the payload a row gets in this run: each run shifts them by one field."""
        return ROTATION[(FIELDS.index(row) + self.offset) % len(ROTATION)]

    def value(self, row: Field) -> str:
        """Return what a row types: its mark, then its payload."""
        return f"{row.mark} {self.payload(row)}"


@dataclass(frozen=True)
class Field:
    """One field a person types: how it is filled through its form, and the screens that show it."""

    mark: str
    name: str
    fill: Callable[[Race, str], None]
    screens: tuple[str, ...]


def _facilitator(race: Race) -> Page:
    return race.pages["facilitator"]


def fill_team_name(race: Race, value: str) -> None:
    page, team = _facilitator(race), race.summary["teams"][0]["id"]
    page.locator(f"#team-{team}-details > summary").click()
    page.locator(f"#team-{team}-details input[name=name]").fill(value)
    page.locator(f"#team-{team}-challenge").select_option(index=1)  # the challenge added before
    page.locator(f"#team-{team}-save").click()
    expect(page.locator(f"#roster #team-{team} h3")).to_contain_text(value)


def fill_challenge(part: str) -> Callable[[Race, str], None]:
    def fill(race: Race, value: str) -> None:
        page = _facilitator(race)
        details = page.locator("#challenge-add-details")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        page.locator(f"#challenge-new-{part}").fill(value)
        if part == "description":
            page.locator("#challenge-new-save").click()
            expect(page.locator("#challenges li")).to_have_count(1)

    return fill


def fill_phase_name(race: Race, value: str) -> None:
    page, phase = _facilitator(race), race.summary["phases"][3]["id"]  # takes expert requests
    page.locator(f"#phase-{phase}-details > summary").click()
    page.locator(f"#phase-{phase}-name").fill(value)
    page.locator(f"#phase-{phase}-save").click()
    expect(page.locator(f"#phase-{phase} .phase-name")).to_have_text(value)
    page.locator(f"#agenda form[action$='/phases/{phase}/start'] button").press("Enter")
    expect(race.pages["alice"].locator("#clock")).to_have_attribute("data-state", "running")


def fill_announcement(race: Race, value: str) -> None:
    page = _facilitator(race)
    page.locator("#announce-body").fill(value)
    page.locator("#announce-form button[type=submit]").click()
    expect(race.pages["wall"].locator("#announcement .announce-body")).to_have_text(value)


def fill_card_title(race: Race, value: str) -> None:
    page = race.pages["alice"]
    page.locator("#card-title").fill(value)


def fill_card_body(race: Race, value: str) -> None:
    page = race.pages["alice"]
    page.locator("#card-body").fill(value)
    page.locator("#card-form button[type=submit]").click()
    card = page.locator("#col-idea .card")
    expect(card).to_have_count(1)
    race.card_id = (card.get_attribute("id") or "").removeprefix("card-")


def fill_comment(race: Race, value: str) -> None:
    page = race.pages["alice"]
    page.locator(f"#card-{race.card_id} .card-open a").click()
    page.locator("#panel-comment").fill(value)
    page.locator("#card-panel .comment-form button[type=submit]").click()
    expect(race.pages["bo"].locator(f"#card-{race.card_id} .comments")).to_contain_text(value)


def fill_question(race: Race, value: str) -> None:
    open_request_form(race.pages["alice"])
    race.pages["alice"].locator("#request-question").fill(value)


def fill_request_tag(race: Race, value: str) -> None:
    page = race.pages["alice"]
    open_request_form(page)
    page.locator("#tag-more").fill(value)
    page.locator("#request-form button[type=submit]").click()
    expect(page.locator("#request-form .done")).to_be_visible()
    expect(race.pages["ebba"].locator("#requests li")).to_have_count(1)
    race.pages["ebba"].locator("#requests li button").first.click()
    expect(race.pages["ebba"].locator("#my-requests li")).not_to_have_count(0)


def fill_expert_note(race: Race, value: str) -> None:
    page = race.pages["ebba"]
    page.locator("#my-requests textarea[name=note]").fill(value)
    page.locator("#my-requests .note-form button").first.click()
    expect(page.locator("#action-msg .done")).to_be_visible()
    page.locator("#my-requests .note-form button").nth(1).click()
    expect(race.pages["alice"].locator("#team-requests .rate-form")).to_have_count(1)


def fill_rating_word(race: Race, value: str) -> None:
    page = race.pages["alice"]
    form = page.locator("#team-requests .rate-form")
    form.locator("input[name=rating][value='4']").check()
    form.locator("input[name=word]").fill(value)
    form.locator("button[type=submit]").click()
    expect(page.locator("#team-requests .rating")).to_contain_text(value)


def fill_profile(part: str, who: str = "ebba") -> Callable[[Race, str], None]:
    def fill(race: Race, value: str) -> None:
        page = race.pages[who]
        page.goto(race.url("/profile"))
        if part == "company":
            page.locator("input[name=background][value=company]").check()
            page.locator("#company").fill(value)
        else:
            if who != "ebba":  # Ebba chose hers with her company
                page.locator("input[name=background][value=student]").check()
            page.locator("#competence-more").fill(value)
        page.locator("button[value=save]").click()
        page.goto(race.url())
        expect_live(page)

    return fill


def _back_to_control(race: Race) -> None:
    page = _facilitator(race)
    page.goto(race.url())
    expect_live(page)


def fill_need(part: str) -> Callable[[Race, str], None]:
    """A company fills the public intake (opened first from the needs page); the last part sends it, and the
    facilitator makes the need a challenge."""

    def fill(race: Race, value: str) -> None:
        company = race.pages["company"]
        if part == "intake-company":
            facilitator = _facilitator(race)
            facilitator.locator("#needs-link").click()
            facilitator.locator("#intake-open").click()
            expect(facilitator.locator("#intake-close")).to_be_visible()
            company.goto(facilitator.locator("#intake-link").input_value())
            company.locator("#intake-contact-means").fill("kontakt@example.se")
            _back_to_control(race)
        company.locator(f"#{part}").fill(value)
        if part == "tag-more":
            company.locator("#intake-send").click()
            expect(company.locator("#need-sent")).to_be_visible()
            facilitator = _facilitator(race)
            facilitator.goto(race.url("/needs"))
            facilitator.locator(".need-list > li form details.confirm summary").click()
            facilitator.locator(".need-list > li form button[id$=-choose]").click()
            expect(facilitator.locator(".need-list > li .notice[id$=-chosen]")).to_have_count(1)
            _back_to_control(race)
            expect(facilitator.locator("#challenges li")).to_have_count(2)

    return fill


def fill_criterion(race: Race, value: str) -> None:
    page = _facilitator(race)
    page.goto(race.url("/jury/setup"))
    page.locator("#criterion-new-name").fill(value)
    page.locator("#criterion-add button[type=submit]").click()
    expect(page.locator("#criteria li")).to_have_count(6)  # the five a race starts with, and this one
    _back_to_control(race)


def fill_juror_stake(race: Race, value: str) -> None:
    page = race.pages["jury"]
    page.goto(race.url())
    page.locator(f"#jury-identity input[name=stake][value='{race.summary['teams'][1]['id']}']").check()
    page.locator("#juror-reason").fill(value)


def fill_juror_company(race: Race, value: str) -> None:
    page = race.pages["jury"]
    page.locator("#juror-company").fill(value)
    page.locator("#jury-identity button[value=save]").click()
    expect(page.locator("#jury-title")).to_be_visible()
    expect_live(page)


def fill_conflict_reason(race: Race, value: str) -> None:
    """The facilitator keeps the juror from the third team, with a reason."""
    page = _facilitator(race)
    page.goto(race.url("/jury/setup"))
    page.locator("#conflict-team").select_option(str(race.summary["teams"][2]["id"]))
    page.locator("#conflict-reason").fill(value)
    page.locator("#conflict-add button[type=submit]").click()
    expect(page.locator("ul.declared li")).to_have_count(2)  # the juror's own stake, and this
    _back_to_control(race)
    race.pages["jury"].reload()
    expect_live(race.pages["jury"])


def fill_juror_comment(race: Race, value: str) -> None:
    """The juror scores Alice's team with a comment; the facilitator reveals the scores (the wall follows)."""
    team = race.pages["jury"].locator(f"#jt-{race.summary['teams'][0]['id']}")
    scales = team.locator("fieldset.score-scale")
    expect(scales).to_have_count(6)
    for index in range(6):
        scales.nth(index).locator("input[value='4']").check()
    team.locator("textarea[name=comment]").fill(value)
    team.locator("button[type=submit]").click()
    expect(team.locator(".jury-state")).to_contain_text("Your scores are saved.")
    _facilitator(race).locator("#jury-reveal").click()
    expect(race.pages["wall"].locator("#wall-ranking")).to_be_visible()
    race.revealed = True


def fill_outcome_note(race: Race, value: str) -> None:
    page = _facilitator(race)
    page.goto(race.url("/review"))
    if page.locator("#outcomes form.outcome-form").count() == 0:
        page.get_by_role("button", name="End the race").click()
    form = page.locator("form.outcome-form")
    form.locator("#o-date").fill("2027-03-01")
    form.locator("#o-note").fill(value)
    form.locator("input[name=cards]").first.check()
    form.locator("button[type=submit]").click()
    expect(page.locator("#outcomes")).to_contain_text(value)


# Screens (by name) that show a typed value. Who looks, and where.
BOARD, PANEL, EXPERT, CONTROL, WALL = "board", "card panel", "expert", "control", "wall"
SHEET, REVIEW, REPLAY, REPORT, MARKDOWN, JURY, PROFILE = (
    "join sheet",
    "review",
    "replay",
    "report",
    "report.md",
    "jury",
    "profile",
)
NEEDS, THANKS, COMPETENCES, SUGGEST = "needs", "intake's thank-you", "competence map", "team suggestion"
SETUP, RANKING = "jury setup", "wall, scores revealed"
LIVE = "team-mate's board, live"  # Bo's screen, never reloaded: what reached it came in frames


def typed_at_join(race: Race, value: str) -> None:
    """Names are typed at the join form, before the rest (see the test)."""


def typed_at_creation(race: Race, value: str) -> None:
    """The race's name is typed by the organiser who creates it, before anyone joins (see the test)."""


# The screens whose header names the race (the wall shows its clock and teams only, the profile its form).
EVERY_HEADER = (
    LIVE,
    BOARD,
    PANEL,
    EXPERT,
    CONTROL,
    REVIEW,
    REPLAY,
    REPORT,
    JURY,
    NEEDS,
    COMPETENCES,
    SUGGEST,
    SETUP,
)
FIELDS: tuple[Field, ...] = (
    Field("R1", "race name", typed_at_creation, (*EVERY_HEADER, SHEET, THANKS, MARKDOWN)),
    Field(
        "N1",
        "participant name",
        typed_at_join,
        (LIVE, BOARD, PANEL, CONTROL, REVIEW, REPLAY, REPORT, MARKDOWN, COMPETENCES, SUGGEST),
    ),
    Field(
        "N2", "expert name", typed_at_join, (LIVE, BOARD, PANEL, EXPERT, REVIEW, REPORT, PROFILE, COMPETENCES)
    ),
    Field("N3", "juror name", typed_at_join, (JURY, SETUP, CONTROL, REVIEW)),
    Field(
        "C1",
        "challenge company",
        fill_challenge("company"),
        # The wall's team tile (and the replay's wall) shortens it to whole words: the tiles fit by design.
        (LIVE, BOARD, PANEL, CONTROL, COMPETENCES, SUGGEST, JURY),
    ),
    Field(
        "C2",
        "challenge title",
        fill_challenge("title"),
        (LIVE, BOARD, PANEL, CONTROL, REVIEW, COMPETENCES, SUGGEST, JURY),
    ),
    Field("C4", "challenge competence", fill_challenge("tags"), (CONTROL, COMPETENCES, SUGGEST)),
    Field("C3", "challenge description", fill_challenge("description"), (LIVE, BOARD, PANEL, CONTROL)),
    Field(
        "T1",
        "team name",
        fill_team_name,
        (
            LIVE,
            BOARD,
            PANEL,
            EXPERT,
            CONTROL,
            WALL,
            REVIEW,
            REPLAY,
            REPORT,
            MARKDOWN,
            SUGGEST,
            JURY,
            SETUP,
            RANKING,
        ),
    ),
    Field(
        "P1",
        "phase name",
        fill_phase_name,
        (LIVE, BOARD, PANEL, EXPERT, CONTROL, WALL, REVIEW, JURY, RANKING),
    ),
    Field(
        "A1", "announcement", fill_announcement, (LIVE, BOARD, PANEL, EXPERT, CONTROL, WALL, JURY, RANKING)
    ),
    Field(
        "K1",
        "card title",
        fill_card_title,
        (LIVE, BOARD, PANEL, CONTROL, WALL, REVIEW, REPLAY, REPORT, MARKDOWN, RANKING),
    ),
    Field("K2", "card body", fill_card_body, (LIVE, BOARD, PANEL, REVIEW, REPLAY, REPORT, MARKDOWN)),
    Field("M1", "comment", fill_comment, (LIVE, BOARD, PANEL, REVIEW)),
    Field("Q1", "expert request question", fill_question, (LIVE, BOARD, PANEL, EXPERT, REVIEW, REPORT)),
    Field("Q2", "expert request tag", fill_request_tag, (LIVE, BOARD, PANEL)),
    Field("E1", "expert note", fill_expert_note, (EXPERT,)),
    Field("R1", "rating word", fill_rating_word, (LIVE, BOARD, PANEL, EXPERT)),
    Field("F1", "profile company", fill_profile("company"), (PROFILE, COMPETENCES)),
    Field("F2", "profile competence", fill_profile("competences"), (BOARD, PANEL, PROFILE, COMPETENCES)),
    Field(
        "F3",
        "participant's competence",
        fill_profile("competences", "alice"),
        (BOARD, PANEL, CONTROL, PROFILE, COMPETENCES),
    ),
    Field(
        "I1", "need's company", fill_need("intake-company"), (NEEDS, THANKS, CONTROL, COMPETENCES, SUGGEST)
    ),
    Field("I2", "need's contact", fill_need("intake-contact-name"), (NEEDS, THANKS)),
    Field(
        "I3",
        "need's title",
        fill_need("intake-title-field"),
        (NEEDS, THANKS, CONTROL, REVIEW, COMPETENCES, SUGGEST),
    ),
    Field("I4", "need's description", fill_need("intake-description"), (NEEDS, THANKS, CONTROL)),
    Field("I6", "need's market", fill_need("intake-market"), (NEEDS, THANKS)),
    Field("I7", "need's technology", fill_need("intake-technology"), (NEEDS, THANKS)),
    Field("I8", "need's financing", fill_need("intake-financing"), (NEEDS, THANKS)),
    Field("I9", "need's resources", fill_need("intake-resources"), (NEEDS, THANKS)),
    Field("I5", "need's competence", fill_need("tag-more"), (NEEDS, THANKS, CONTROL, COMPETENCES)),
    Field(
        "J1",
        "jury criterion",
        fill_criterion,
        (JURY, SETUP, CONTROL, REVIEW, REPORT, MARKDOWN),
    ),
    Field("J2", "juror's stake", fill_juror_stake, (JURY, SETUP)),
    Field("J3", "juror's company", fill_juror_company, (JURY, SETUP)),
    Field("J4", "conflict reason", fill_conflict_reason, (JURY, SETUP)),
    Field("J5", "juror's comment", fill_juror_comment, (JURY, CONTROL, REVIEW, SETUP)),
    Field("O1", "outcome note", fill_outcome_note, (REVIEW, REPORT, MARKDOWN)),
)


def field_named(name: str) -> Field:
    return next(row for row in FIELDS if row.name == name)


def open_jury_comments(race: Race, page: Page) -> None:
    """Open the jurors' comments on the control screen (folded away under the revealed ranking)."""
    expect_live(page)  # a frame arriving on connecting may redraw the region
    page.locator("#jury .jury-comments summary").click()
    expect(page.locator("#jury .jury-comments")).to_have_attribute("open", "")


def suggest_teams(race: Race, page: Page) -> None:
    """Ask for a suggestion: the page shows one only as the answer to its form."""
    page.locator("#suggest-go").click()
    expect(page.locator("article.suggest-team").first).to_be_visible()


@dataclass(frozen=True)
class Screen:
    """A screen to load afresh: whose page, and how to get there."""

    who: str
    path: str | None  # None: the page as its form's post left it (an answer that has no address)
    open_panel: bool = False
    action: Callable[[Race, Page], None] | None = None  # a step on the page before it is read
    revealed: bool = True  # the jury's scores, as the facilitator left them when the page is loaded


SCREENS: dict[str, Screen] = {
    BOARD: Screen("alice", ""),
    PANEL: Screen("alice", "", open_panel=True),
    EXPERT: Screen("ebba", ""),
    CONTROL: Screen("facilitator", "", action=open_jury_comments),
    WALL: Screen("wall", "", revealed=False),
    SHEET: Screen("facilitator", "/sheet"),
    REVIEW: Screen("facilitator", "/review"),
    REPLAY: Screen("facilitator", "/review/replay"),
    REPORT: Screen("facilitator", "/review/report"),
    JURY: Screen("jury", ""),
    PROFILE: Screen("ebba", "/profile"),
    NEEDS: Screen("facilitator", "/needs"),
    THANKS: Screen("company", None),
    COMPETENCES: Screen("facilitator", "/competences"),
    SUGGEST: Screen("facilitator", "/teams/suggest", action=suggest_teams),
    SETUP: Screen("facilitator", "/jury/setup"),
    RANKING: Screen("wall", ""),
}


def reveal(race: Race, shown: bool) -> None:
    """Reveal the jury's scores, or hide them again, as the facilitator does from the setup page."""
    answer = race.pages["facilitator"].request.post(
        race.url("/jury/reveal"),
        form={"reveal": "1" if shown else "0"},
        headers={"origin": race.server.base_url},
    )
    assert answer.ok
    race.revealed = shown


def check_page(race: Race, page: Page, where: str) -> None:
    """Nothing a payload carries ran or became markup on this page."""
    assert race.dialogs == [], f"{where}: a dialog opened: {race.dialogs}"
    assert page.evaluate("() => typeof window.__pwned") == "undefined", f"{where}: a payload ran"
    assert page.evaluate(INJECTED) == [], f"{where}: markup made from a payload"
    assert page.evaluate("() => window.__csp") == [], f"{where}: Content-Security-Policy violations"


def shown(page: Page) -> str:
    """Return the page's text as a person reads it."""
    return str(
        page.evaluate(
            "() => [document.body.innerText,"
            " ...[...document.querySelectorAll('input, textarea')].map(el => el.value)].join('\\n')"
        )
    )


@pytest.mark.parametrize("offset", OFFSETS)
def test_no_typed_value_runs_or_becomes_markup_anywhere(
    server: Server, new_page: Callable[..., Page], offset: int
) -> None:
    race = Race(server, {}, offset)
    summary: dict[str, Any] = server.create_race(race.value(field_named("race name")), lang="en", teams=3)
    race.summary = summary
    server.start()
    codes, slug = summary["codes"], summary["slug"]
    people = {
        "facilitator": ("facilitator", "Fia"),
        "wall": ("wall", "Wall"),
        "jury": ("jury", race.value(field_named("juror name"))),
        "ebba": ("expert", race.value(field_named("expert name"))),
        "alice": ("participant", race.value(field_named("participant name"))),
        "bo": ("participant", "Bo"),
    }
    for who, (role, name) in people.items():
        page = new_page((1600, 1000))
        page.add_init_script(WATCH)
        page.on("dialog", lambda dialog: (race.dialogs.append(dialog.message), dialog.dismiss()))
        join(page, server, slug, codes[role], name)
        if page.locator("#profile-prompt").count():
            page.locator("#profile-prompt button[value=skip]").click()
        race.pages[who] = page
    for who in ("alice", "bo"):
        choose_team(race.pages[who], summary["teams"][0]["name"])
    for page in race.pages.values():
        expect_live(page)
    company = new_page((1024, 900))  # a company sending a need: no sign-in
    company.add_init_script(WATCH)
    company.on("dialog", lambda dialog: (race.dialogs.append(dialog.message), dialog.dismiss()))
    race.pages["company"] = company

    # Typed through the forms while every other screen watches: the values arrive as live frames too.
    for row in FIELDS:
        row.fill(race, race.value(row))
    for who, page in race.pages.items():
        check_page(race, page, f"{who}'s live screen")
    on_screen: dict[str, set[str]] = {
        LIVE: {row.name for row in FIELDS if race.value(row) in shown(race.pages["bo"])}
    }

    # Every screen loaded afresh shows each value it should, as text, and nothing ran.
    for name, screen in SCREENS.items():
        page = race.pages[screen.who]
        if screen.revealed != race.revealed:
            reveal(race, screen.revealed)
        if screen.path is not None:
            page.goto(race.url(screen.path))
        if screen.open_panel:
            page.locator(f"#card-{race.card_id} .card-open a").click()
            expect(page.locator("#card-panel .comment-form")).to_have_count(1)
        if screen.action:
            screen.action(race, page)
        text = shown(page)
        on_screen[name] = {row.name for row in FIELDS if race.value(row) in text}
        check_page(race, page, name)

    missing = {
        name: [row.name for row in FIELDS if name in row.screens and row.name not in on_screen[name]]
        for name in [LIVE, *SCREENS]
    }
    assert not any(missing.values()), f"values not shown as text: {missing}; shown: {on_screen}"

    # The Markdown report is a download, never a page, and its user text is escaped for Markdown: a viewer
    # that renders Markdown (and HTML inside it) shows the value as typed and makes no element of it.
    answer = race.pages["facilitator"].request.get(race.url("/review/report?format=md"))
    assert answer.ok
    assert answer.headers["content-type"].startswith("text/markdown")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in answer.headers.get("content-disposition", "")
    document = answer.text()
    in_markdown = [row for row in FIELDS if MARKDOWN in row.screens]
    assert [row.name for row in in_markdown if md_escape(race.value(row)) not in document] == []
    assert [row.name for row in in_markdown if "<" in race.value(row) and race.value(row) in document] == []


# The issue's own vector: in the board-closed message it signed out everyone whose board was open.
LEAVE = "Paus<i hx-post=/leave hx-trigger=load></i>"


def test_a_phase_named_in_htmx_markup_signs_nobody_out(server: Server, new_page: Callable[..., Page]) -> None:
    summary: dict[str, Any] = server.create_race("Pausracet", lang="en", teams=2)
    server.start()
    slug, codes = summary["slug"], summary["codes"]
    pause = summary["phases"][10]["id"]  # the night pause: boards are closed while it runs
    pages: dict[str, Page] = {}
    leaving: list[str] = []
    roles = {"fia": "facilitator", "alice": "participant", "bo": "participant", "ebba": "expert"}
    for who, role in {**roles, "wall": "wall", "jury": "jury"}.items():
        page = new_page((1366, 900))
        page.add_init_script(WATCH)
        page.on("request", lambda request: leaving.append(request.url) if "/leave" in request.url else None)
        join(page, server, slug, codes[role], who.capitalize())
        if page.locator("#profile-prompt").count():
            page.locator("#profile-prompt button[value=skip]").click()
        pages[who] = page
    for who in ("alice", "bo"):
        choose_team(pages[who], summary["teams"][0]["name"])
    alice = pages["alice"]
    alice.locator("#card-title").fill("Ett kort")
    alice.locator("#card-form button[type=submit]").click()
    expect(alice.locator("#col-idea .card")).to_have_count(1)
    for page in pages.values():
        expect_live(page)

    fia = pages["fia"]
    fia.locator(f"#phase-{pause}-details > summary").click()
    fia.locator(f"#phase-{pause}-name").fill(LEAVE)
    fia.locator(f"#phase-{pause}-save").click()
    expect(fia.locator(f"#phase-{pause} .phase-name")).to_have_text(LEAVE)
    fia.locator(f"#agenda form[action$='/phases/{pause}/start'] button").press("Enter")
    # Arrived live: the closed board names the phase, as text, and the clocks of every screen do too.
    expect(pages["bo"].locator("#board-state .board-closed")).to_contain_text(LEAVE)
    for page in pages.values():
        expect(page.locator("#clock-phase")).to_have_text(LEAVE)
    alice.locator("#col-idea .card .card-open a").click()
    expect(alice.locator("#card-panel .board-closed")).to_contain_text(LEAVE)

    # Everyone is still signed in: each screen loads afresh as theirs, and showed no markup of the name.
    for who, page in pages.items():
        for _ in range(2):
            assert page.evaluate(INJECTED) == [], who
            assert page.evaluate("() => typeof window.__pwned") == "undefined", who
            assert page.evaluate("() => window.__csp") == [], who
            page.goto(f"{server.base_url}/r/{slug}")
            expect(page).to_have_url(f"{server.base_url}/r/{slug}")
            expect_live(page)
            expect(page.locator("#clock-phase")).to_have_text(LEAVE)
    expect(pages["bo"].locator("#board-state .board-closed")).to_contain_text(LEAVE)
    assert leaving == []
