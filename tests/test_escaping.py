"""Every screen and fragment, rendered with a payload in every field a person can type: no markup made of it.

Each field is typed through its real route (`FILLS`, the form's own field names) with a marked payload
that breaks out of text, attribute and raw-text contexts alike; every page each person can open (the GET
rows of the authorisation matrix), the answers to the posts, the live frames of every change for every
audience, the whole race's frames and the sockets' snapshots are then parsed. None may hold an element or
attribute made from a payload; typed text must sit inside an `hx-ignore` container (and no htmx element of
the app inside one); every field must show somewhere; every template must have been rendered; and a form
on any page with a text field that no fill types fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.routing import Match
from starlette.testclient import TestClient

from app import settings, templating
from app.db import Database
from app.models import (
    AgendaTemplate,
    Card,
    Challenge,
    Criterion,
    ExpertRequest,
    JuryConflict,
    Need,
    Organiser,
    Phase,
    Race,
)
from app.models import Person as PersonRow
from app.screens.audiences import audience
from app.services import organisers, owners, races
from tests.conftest import ORIGIN, PASSWORD, Person, soup
from tests.matrix import MATRIX

# Breaks out of an element's text, a quoted or unquoted attribute and a textarea; a format string too. It fits
# the shortest field it goes into (a competence: 40 characters) with its mark.
PAYLOAD = "</textarea>\"'><p-wn data-pwn>%s"
MADE = "p-wn"  # the element the payload makes when it is not escaped
MARK = re.compile(r"\b[A-Z]\d{1,2}\b")
# Raw text or values a browser never parses as markup, and never hands to htmx.
INERT = frozenset({"textarea", "option", "title"})
# Templates no screen renders as HTML: the Markdown report is a download, checked in tests/test_review.py.
NOT_HTML = frozenset({"review/report.md"})
PASSIVE = frozenset({"hx-ignore", "hx-swap-oob"})  # htmx attributes that need no processing of their element
TEXT_INPUTS = frozenset({"text", "search", "email", "url", "tel", ""})


def typed(mark: str) -> str:
    """Return what a field gets: its mark, then the payload."""
    return f"{mark} {PAYLOAD}"


@dataclass
class Room:
    """The race under test, its people (browsers) and every document seen."""

    app: Starlette
    db: Database
    summary: dict[str, Any]
    people: dict[str, Person] = field(default_factory=dict)
    documents: list[tuple[str, str]] = field(default_factory=list)
    typed: set[tuple[str, str]] = field(default_factory=set)  # (route name, form field) filled with a payload
    marks: dict[str, str] = field(default_factory=dict)  # mark -> the field it stands for
    seq: int = 0  # the race's seq when its frames were last rendered

    @property
    def slug(self) -> str:
        return str(self.summary["slug"])

    def value(self, mark: str, what: str, *, shown: bool = True) -> str:
        """Return a marked payload for a field; `shown`: it must show somewhere (a refusal need not)."""
        if shown:
            self.marks[mark] = what
        return typed(mark)

    def keep(self, where: str, response: Any) -> Any:
        """Keep an HTML answer for the checks; return it."""
        assert response.status_code < 500, (where, response.status_code)
        if response.headers.get("content-type", "").startswith("text/html"):
            self.documents.append((where, response.text))
        return response

    def post(self, who: str, path: str, data: dict[str, Any], *, htmx: bool = True) -> Any:
        """Post a form as a person (htmx unless asked), note its typed fields, and keep the answer."""
        person = self.people[who]
        headers = {"hx-request": "true"} if htmx else {}
        url = path if path.startswith("/") else f"/r/{self.slug}/{path}"
        response = person.client.post(url, data=data, headers=headers, follow_redirects=False)
        route = route_name(self.app, url, "POST")
        for name, value in data.items():
            values = value if isinstance(value, list) else [value]
            if any(isinstance(item, str) and PAYLOAD in item for item in values):
                self.typed.add((route, name))
        self.keep(f"{who} POST {url}", response)
        self.live_frames(f"{who} POST {url}")
        return response

    def live_frames(self, after: str) -> None:
        """Keep the frames the hub would send every audience for the changes since the last look."""
        with self.db.read() as session:
            race_id, seq = session.exec(select(Race.id, Race.seq).where(Race.slug == self.slug)).one()
            people = session.exec(select(PersonRow).where(PersonRow.race_id == race_id)).all()
        if seq == self.seq:
            return
        keys = frozenset(audience(person.role, person.team_id, "sv", person.id or 0).key for person in people)
        _seq, frames, _ended = self.app.state.renderer.changes(race_id, self.seq, keys)
        self.documents += [(f"frame for {key} after {after}", frame) for key, frame in frames.items()]
        self.seq = seq

    def get(self, who: str, url: str) -> Any:
        return self.keep(f"{who} GET {url}", self.people[who].client.get(url, follow_redirects=False))


HX = {"hx-request": "true"}


def route_name(app: Starlette, path: str, method: str) -> str:
    """Return the name of the route a path and method reach."""
    scope = {"type": "http", "path": path.split("?")[0], "method": method}
    for route in app.router.routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return str(getattr(route, "name", path))
    return path


# --- filling every field, the way each person does it -------------------------------------------------------


def _one(db: Database, query: Any) -> Any:
    with db.read() as session:
        return session.exec(query).first()


def _all(db: Database, query: Any) -> list[Any]:
    with db.read() as session:
        return list(session.exec(query).all())


def fill_room(room: Room) -> None:
    """Type a payload into every field, through each field's own route, in the order a race goes."""
    slug, teams, phases = room.slug, room.summary["teams"], room.summary["phases"]
    db = room.db
    for step in FILLS:
        step(room, slug, teams, phases, db)


def _facilitator_prepares(room: Room, slug: str, teams: Any, phases: Any, db: Database) -> None:
    room.post(
        "facilitator",
        "challenges",
        {
            "company": room.value("C1", "challenge company"),
            "title": room.value("C2", "challenge title"),
            "description": room.value("C3", "challenge description"),
            "tags": room.value("C4", "challenge competence"),
        },
    )
    room.post("facilitator", "challenges", {"company": "AB", "title": "Behov"})
    first, second = (row for row in _all(db, select(Challenge.id).order_by(col(Challenge.id))))
    room.post(
        "facilitator",
        f"challenges/{second}",
        {
            "company": room.value("C5", "edited challenge company"),
            "title": room.value("C6", "edited challenge title"),
            "description": room.value("C7", "edited challenge description"),
            "tags": room.value("C8", "edited challenge competence"),
        },
    )
    room.post(
        "facilitator",
        f"teams/{teams[0]['id']}",
        {"name": room.value("T1", "team name"), "colour": "#123456", "challenge": str(first)},
    )
    room.post(
        "facilitator",
        f"teams/{teams[1]['id']}",
        {"name": "Lag 2", "colour": "#123456", "challenge": str(second)},
    )
    room.post("facilitator", "teams", {"name": room.value("T2", "new team's name"), "colour": "#654321"})
    for index, mark in ((3, "P1"), (0, "P2")):
        phase = phases[index]
        room.post(
            "facilitator",
            f"agenda/{phase['id']}",
            {
                "name": room.value(mark, f"phase name {index}"),
                "minutes": "30",
                "vote_budget": "3",
                "board_open": "1",
                "voting_open": "1",
                "requests_open": "1" if index == 3 else "",
            },
        )
    room.post(
        "facilitator", "agenda", {"name": room.value("P3", "added phase"), "minutes": "5", "vote_budget": "1"}
    )
    room.post("facilitator", "announcements", {"body": room.value("A1", "announcement"), "key": "a1"})
    room.post("facilitator", f"phases/{phases[3]['id']}/start", {})


def _a_late_joiner(room: Room, slug: str, teams: Any, phases: Any, db: Database) -> None:
    """Someone joins after the others and chooses a team: the roster's parts they changed come alone."""
    client = TestClient(room.app, headers={"origin": ORIGIN})
    client.portal = room.people["alice"].client.portal
    room.people["erik"] = Person(client, slug)
    code = room.summary["codes"]["participant"]
    room.post("erik", "/join", {"code": code, "name": room.value("N11", "late joiner's name")}, htmx=False)
    room.post("erik", "team", {"team": str(teams[1]["id"])}, htmx=False)


def _participants_work(room: Room, slug: str, teams: Any, phases: Any, db: Database) -> None:
    room.post(
        "alice",
        "profile",
        {
            "background": "student",
            "competence_more": room.value("F3", "participant's competence"),
            "action": "save",
        },
    )
    room.post(
        "alice",
        "cards",
        {
            "title": room.value("K1", "card title"),
            "body": room.value("K2", "card body"),
            "column": "idea",
            "key": "k1",
        },
    )
    card_id = _one(db, select(Card.id).order_by(col(Card.id)))
    room.post("alice", f"cards/{card_id}/comments", {"body": room.value("M1", "comment"), "key": "m1"})
    room.post("alice", f"cards/{card_id}/votes", {"key": "v1"})
    # The wall's top cards, then a vote's frame that sends the team's tile alone.
    room.post("facilitator", "top-cards/wall", {"shown": "1"})
    room.post("alice", f"cards/{card_id}/votes/withdraw", {"key": "v1w"})
    room.post("facilitator", "top-cards/wall", {"shown": "0"})
    room.post("bo", "cards", {"title": "Bo", "body": "", "column": "need", "key": "b1"})
    second = _one(db, select(Card.id).order_by(col(Card.id).desc()))
    room.post(
        "bo",
        f"cards/{second}/edit",
        {
            "title": room.value("K3", "edited card title"),
            "body": room.value("K4", "edited card body"),
            "key": "b2",
            "rev": "1",
        },
    )
    room.post("bo", f"cards/{second}/move", {"column": "market", "key": "b3"})
    # A save from an older revision shows both texts, by htmx and as a page; an open panel fetches its parts.
    stale = {
        "title": room.value("K6", "stale card title"),
        "body": room.value("K7", "stale card body"),
        "rev": "1",
    }
    room.post("bo", f"cards/{second}/edit", {**stale, "key": "b4"})
    room.post("bo", f"cards/{second}/edit", {**stale, "key": "b5"}, htmx=False)
    room.keep("bo follows", room.people["bo"].client.get(f"/r/{slug}/cards/{second}?follow=1", headers=HX))
    # A refusal shows what was typed again: the form with its error.
    room.post(
        "alice", "cards", {"title": room.value("K5", "refused card title") + "x" * 200, "column": "idea"}
    )


def _experts_help(room: Room, slug: str, teams: Any, phases: Any, db: Database) -> None:
    room.post(
        "ebba",
        "profile",
        {
            "background": "company",
            "company": room.value("F1", "profile company"),
            "competence_more": room.value("F2", "profile competence"),
            "action": "save",
        },
    )
    room.post(
        "alice",
        "requests",
        {
            "question": room.value("Q1", "expert request question"),
            "tag_more": room.value("Q2", "expert request tag"),
            "key": "q1",
        },
    )
    request_id = _one(db, select(ExpertRequest.id))
    # Where the team sits shows to the expert who claims its request and in the facilitators' queue.
    place = room.value("L1", "team's place")
    room.post("alice", f"teams/{teams[0]['id']}/place", {"place": place, "was": ""})
    room.post("ebba", f"requests/{request_id}/claim", {})
    room.post("ebba", f"requests/{request_id}/note", {"note": room.value("E1", "expert note")})
    room.post("ebba", f"requests/{request_id}/resolve", {})
    room.post(
        "alice", f"requests/{request_id}/rate", {"rating": "4", "word": room.value("R1", "rating word")}
    )
    room.post("alice", "requests", {"question": room.value("Q3", "open question"), "key": "q2"})


def _company_sends_a_need(room: Room, slug: str, teams: Any, phases: Any, db: Database) -> None:
    room.post("facilitator", "needs/intake", {"open": "1"})
    token = _one(db, select(Race.intake_token).where(Race.slug == slug))
    room.people["company"].client.cookies.clear()
    need = {
        "company": room.value("I1", "need's company"),
        "contact_name": room.value("I2", "need's contact"),
        "contact_means": "kontakt@example.se",
        "title": room.value("I3", "need's title"),
        "description": room.value("I4", "need's description"),
        "market": room.value("I6", "need's market"),
        "technology": room.value("I7", "need's technology"),
        "financing": room.value("I8", "need's financing"),
        "resources": room.value("I9", "need's resources"),
        "tag_more": room.value("I5", "need's competence"),
        "urgency": "2",
        "key": "n1",
    }
    room.post("company", f"/intake/{token}", need, htmx=False)
    room.post(
        "company", f"/intake/{token}", {**need, "title": "", "key": "n2"}, htmx=False
    )  # refused: shown again
    need_id = _one(db, select(Need.id))
    room.post("facilitator", f"needs/{need_id}/choose", {})
    means = room.value("I10", "need's contact means")
    room.post("company", f"/intake/{token}", {**need, "contact_means": means, "key": "n3"}, htmx=False)
    second = _one(db, select(Need.id).order_by(col(Need.id).desc()))
    edit = {
        "company": room.value("I11", "edited need's company"),
        "contact": room.value("I12", "edited need's contact"),
        "title": room.value("I13", "edited need's title"),
        "description": room.value("I14", "edited need's description"),
        "market": room.value("I16", "edited need's market"),
        "technology": room.value("I17", "edited need's technology"),
        "financing": room.value("I18", "edited need's financing"),
        "resources": room.value("I19", "edited need's resources"),
        "tags": room.value("I15", "edited need's competence"),
        "urgency": "3",
    }
    room.post("facilitator", f"needs/{second}", edit, htmx=False)
    room.post("facilitator", f"needs/{second}", {**edit, "title": ""}, htmx=False)  # refused: shown again


def _jury_judges(room: Room, slug: str, teams: Any, phases: Any, db: Database) -> None:
    room.post("facilitator", "jury/criteria", {"name": room.value("J1", "jury criterion"), "weight": "1"})
    room.post(
        "facilitator",
        "jury/criteria",
        {"name": "Vikt", "weight": room.value("J6", "criterion weight", shown=False)},
    )
    criterion = _one(db, select(Criterion.id).order_by(col(Criterion.id).desc()))
    room.post(
        "facilitator",
        f"jury/criteria/{criterion}",
        {"name": room.value("J7", "renamed criterion"), "weight": "2"},
    )
    weight = room.value("J9", "changed weight", shown=False)
    room.post("facilitator", f"jury/criteria/{criterion}", {"name": "Vikt", "weight": weight})
    room.post(
        "jury",
        "jury/identity",
        {
            "company": room.value("J3", "juror's company"),
            "stake": str(teams[1]["id"]),
            "reason": room.value("J2", "juror's stake"),
            "action": "save",
        },
    )
    juror = _one(db, select(PersonRow.id).where(PersonRow.role == "jury"))
    room.post(
        "facilitator",
        "jury/conflicts",
        {
            "juror": str(juror),
            "team": str(teams[2]["id"]),
            "reason": room.value("J4", "conflict reason"),
        },
    )
    room.get("facilitator", f"/r/{slug}/jury/setup")  # the juror's own company, before the facilitator's
    # The facilitator may set a juror's company (fixed for the juror once they have scored).
    room.post(
        "facilitator",
        f"jury/jurors/{juror}/company",
        {"company": room.value("J10", "juror's company set by the facilitator")},
    )
    with db.read() as session:
        race_id = session.exec(select(Race.id).where(Race.slug == slug)).one()
        criteria = session.exec(select(Criterion.id).where(Criterion.race_id == race_id)).all()
    scores = {f"c{criterion_id}": "4" for criterion_id in criteria}
    room.post(
        "jury",
        f"jury/teams/{teams[0]['id']}",
        {**scores, "comment": room.value("J5", "juror's comment"), "key": "s1"},
    )
    room.post(
        "jury",
        f"jury/teams/{teams[1]['id']}",
        {**scores, "comment": room.value("J8", "refused comment", shown=False), "key": "s2"},
    )
    room.post("facilitator", "jury/reveal", {"reveal": "1"})


def _refusals_and_a_closed_board(room: Room, slug: str, teams: Any, phases: Any, db: Database) -> None:
    alice = _one(db, select(PersonRow.id).where(PersonRow.role == "participant").order_by(col(PersonRow.id)))
    room.post(
        "facilitator", f"people/{alice}/team", {"team": str(teams[0]["id"])}, htmx=False
    )  # she is there
    room.post("jury", f"jury/teams/{teams[1]['id']}", {"comment": "", "key": "s3"}, htmx=False)  # a stake
    room.get("alice", f"/r/{slug}/cards/{2**40}")
    # The phase added with a typed name closes the boards while it runs: the board says so, naming it.
    added = _one(db, select(Phase.id).order_by(col(Phase.id).desc()))
    room.post("facilitator", f"phases/{added}/start", {})
    # A clock action from a screen that showed another phase: refused, the clock as it is (htmx and not).
    room.post("facilitator", "phases/next", {"from": str(phases[3]["id"])})
    room.post("facilitator", "phases/next", {"from": str(phases[3]["id"])}, htmx=False)
    room.get("alice", f"/r/{slug}")
    room.get("alice", f"/r/{slug}/cards/{_one(db, select(Card.id))}")


def _race_ends(room: Room, slug: str, teams: Any, phases: Any, db: Database) -> None:
    room.post("facilitator", "spotlight", {"card": str(_one(db, select(Card.id)))})
    room.post("facilitator", "end", {})
    card_id = _one(db, select(Card.id))
    room.post(
        "facilitator",
        "review/outcomes",
        {
            "team": str(teams[0]["id"]),
            "kind": "patent",
            "date": "2027-03-01",
            "note": room.value("O1", "outcome note"),
            "cards": str(card_id),
            "key": "o1",
        },
        htmx=False,
    )


def _a_gallery_walk(room: Room, slug: str, teams: Any, phases: Any, db: Database) -> None:
    phase_id = _one(db, select(Race.current_phase_id).where(Race.slug == slug))
    room.post("facilitator", "gallery/open", {"phase": str(phase_id)})
    # The other team reads this one's board inside its own screen.
    carl = room.people["carl"].client
    url = f"/r/{slug}/teams/{teams[0]['id']}/board"
    room.keep(f"carl GET {url}", carl.get(url, headers=HX, follow_redirects=False))
    room.post("facilitator", "gallery/close", {"phase": str(phase_id)})


def _organisers_run_races(room: Room, slug: str, teams: Any, phases: Any, db: Database) -> None:
    # The sign-in form comes back with the e-mail as typed (no account has it: a wrong password).
    email = room.value("G1", "e-mail typed at the organisers' sign-in")
    room.post("stranger", "/organisers/sign-in", {"email": email, "password": "fel lösenord"}, htmx=False)
    made = organisers.create(db, room.app.state.passwords, "anna@example.se", PASSWORD, "Anna")
    with db.write() as session:
        owners.add(session, races.get_race(session, slug), session.get(Organiser, made.organiser_id))
    client = TestClient(room.app, headers={"origin": ORIGIN})
    client.portal = room.people["stranger"].client.portal
    room.people["anna"] = Person(client, slug)
    room.post("anna", "/organisers/sign-in", {"email": "anna@example.se", "password": PASSWORD}, htmx=False)
    for page in ("/home", "/home/races/new", "/organisers/new", "/organisers/password", "/home/templates"):
        room.get("anna", page)
    room.keep("anna GET /home/status", client.get("/home/status", headers=HX))
    # Refused (not an e-mail address): the form comes back with both as typed.
    account = {
        "email": room.value("G2", "new organiser's e-mail"),
        "name": room.value("G3", "organiser's name"),
    }
    room.post("anna", "/organisers/new", {**account, "password": "ett långt lösenord"}, htmx=False)
    new_race = {"lang": "sv", "teams": "2", "source": "default", "timezone": "UTC", "key": "g4"}
    named = {"name": room.value("G4", "race name typed by an organiser")}
    named["team_names"] = room.value("G5", "team names typed by an organiser", shown=False) + "\nLag två"
    room.post("anna", "/home/races", {**new_race, **named}, htmx=False)
    room.post("anna", f"/home/races/{slug}/organisers", {"email": room.value("G6", "e-mail", shown=False)})
    room.post(
        "anna", f"/home/races/{slug}/template", {"name": room.value("G7", "template saved from a race")}
    )
    room.post(
        "anna", "/home/templates", {"name": room.value("G8", "template name"), "lang": "en"}, htmx=False
    )
    room.get("anna", "/home")
    room.get("anna", "/home/templates")
    template_id = _one(db, select(AgendaTemplate.id).order_by(col(AgendaTemplate.id)))
    url = f"/home/templates/{template_id}"
    shown = soup(room.get("anna", url).text)
    # Every field of the template as typed: the minutes are no number, so it all comes back as typed.
    edit = {name: room.value("G9", "template fields", shown=False) for _action, name in text_fields(shown)}
    edit.update(rev="1", name=room.value("G10", "template name as edited"))
    again = soup(room.post("anna", url, edit, htmx=False).text)
    # The form as typed comes back with one blank row more of each kind: typed into too, and removed, so
    # that the answer has no row past it.
    blank = {name: edit["name"] for _action, name in text_fields(again) if name not in edit}
    removed = {name.rsplit("-", 1)[0] + "-remove": "1" for name in blank}
    room.post("anna", url, {**edit, **blank, **removed}, htmx=False)
    room.get("anna", f"/home/races/{slug}/delete")
    room.post("anna", f"/home/races/{slug}/delete", {"name": room.value("G11", "race name", shown=False)})


FILLS: list[Callable[[Room, str, Any, Any, Database], None]] = [
    _facilitator_prepares,
    _a_late_joiner,
    _participants_work,
    _experts_help,
    _company_sends_a_need,
    _jury_judges,
    _refusals_and_a_closed_board,
    _a_gallery_walk,
    _race_ends,
    _organisers_run_races,
]


# --- reading every document ---------------------------------------------------------------------------------


def made_from_payload(page: BeautifulSoup) -> list[str]:
    """Return each element or attribute a payload made."""
    found = [f"<{element.name}>" for element in page.find_all(MADE)]
    found += [f"<{element.name} data-pwn>" for element in page.find_all(attrs={"data-pwn": True})]
    return found


def unguarded(page: BeautifulSoup) -> list[str]:
    """Return typed text that sits outside every `hx-ignore` container (htmx would process markup in it)."""
    found = []
    for text in page.find_all(string=lambda value: PAYLOAD in value):
        parents = list(text.parents)
        if any(parent.name in INERT for parent in parents):
            continue
        if not any(isinstance(parent, Tag) and parent.has_attr("hx-ignore") for parent in parents):
            holder = text.parent
            around = " < ".join(_describe(parent) for parent in list(holder.parents)[:3])
            found.append(f"{_describe(holder)} ({MARK.findall(text)[:1]}) {around}")
    return found


def blinded(page: BeautifulSoup) -> list[str]:
    """Return htmx elements of the app inside an `hx-ignore` container (they would stop working)."""
    found = []
    for element in page.select("[hx-ignore]"):
        for inner in element.find_all(True):
            if any(name.startswith(("hx-", "data-hx-")) and name not in PASSIVE for name in inner.attrs):
                found.append(f"{_describe(inner)} in {_describe(element)}")
    return found


def _describe(element: Tag) -> str:
    """Return a short selector for an element, for a failure message."""
    ident = f"#{element['id']}" if element.get("id") else ""
    classes = "".join(f".{name}" for name in element.get("class", []))
    return f"{element.name}{ident}{classes}"


def text_fields(page: BeautifulSoup) -> Iterator[tuple[str, str]]:
    """Yield (form action, field name) for every field of a form a person types text into."""
    for form in page.find_all("form"):
        action = form.get("hx-post") or form.get("action") or ""
        for element in form.find_all(["input", "textarea"]):
            kind = element.get("type", "") if element.name == "input" else ""
            if (element.name == "textarea" or kind in TEXT_INPUTS) and element.get("name"):
                yield action, element["name"]


@pytest.fixture
def room(app: Starlette, app_client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch) -> Room:
    monkeypatch.setattr(settings, "RATE_LIMIT_PER_SECOND", 0)
    summary = races.create_race(db, typed("R1"), lang="sv", teams=3)
    room = Room(app, db, summary)
    room.marks["R1"] = "race name"

    def browser() -> TestClient:
        client = TestClient(app, headers={"origin": ORIGIN})
        client.portal = app_client.portal
        return client

    names = {
        "facilitator": ("facilitator", "N4", "facilitator's name"),
        "wall": ("wall", "N5", "wall's name"),
        "jury": ("jury", "N3", "juror's name"),
        "ebba": ("expert", "N2", "expert's name"),
        "alice": ("participant", "N1", "participant's name"),
        "bo": ("participant", "N6", "team-mate's name"),
        "carl": ("participant", "N7", "other team's participant"),
        "dora": ("participant", "N10", "participant without a team"),
    }
    for who, (role, mark, what) in names.items():
        client = browser()
        room.people[who] = Person(client, room.slug)
        room.post(who, "/join", {"code": summary["codes"][role], "name": room.value(mark, what)}, htmx=False)
    room.people["company"] = Person(browser(), room.slug)
    room.people["stranger"] = Person(browser(), room.slug)
    # A wrong code shows the form again with what was typed.
    room.post(
        "stranger",
        "/join",
        {"code": room.value("N8", "wrong code")[:32], "name": room.value("N9", "name with a wrong code")},
        htmx=False,
    )
    for who, team in (("alice", 0), ("bo", 0), ("carl", 1)):
        room.post(who, "team", {"team": str(summary["teams"][team]["id"])}, htmx=False)
    return room


def test_no_typed_value_becomes_markup_on_any_screen_or_fragment(
    room: Room, app: Starlette, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: set[str] = set()
    get_template = templating.env.get_template

    def noting(name: Any, *args: Any, **kwargs: Any) -> Any:
        template = get_template(name, *args, **kwargs)
        rendered.add(template.name or "")
        return template

    monkeypatch.setattr(templating.env, "get_template", noting)
    fill_room(room)
    ids = _ids(room, db)
    who_is = {
        "facilitator": "facilitator",
        "participant_a": "alice",
        "participant_b": "carl",
        "expert": "ebba",
        "wall": "wall",
        "jury": "jury",
        "anonymous": "stranger",
    }
    for row in MATRIX:
        if row.method != "GET":
            continue
        callers = sorted(row.allowed & set(who_is))
        if not callers:
            continue  # an organiser's page: no race person reads it
        path = row.path.format(**ids)
        for caller in callers:
            room.get(who_is[caller], path)
    for path in (
        f"/r/{room.slug}/review?team={ids['team_a']}",
        f"/r/{room.slug}/review?person={ids['person_id']}",
        f"/r/{room.slug}/review/replay?seq=20",
        f"/r/{room.slug}/review/report?team={ids['team_a']}",
    ):
        room.get("facilitator", path)
    room.get("alice", f"/r/{room.slug}/review")  # a team's own review, once the race has ended
    room.post("facilitator", "teams/suggest", {"min": "1", "max": "3", "action": "suggest"})
    room.get("stranger", "/?code=" + typed("N8")[:32])
    with db.read() as session:
        race_id = session.exec(select(Race.id).where(Race.slug == room.slug)).one()
        people = session.exec(select(PersonRow).where(PersonRow.race_id == race_id)).all()
    audiences = frozenset(
        audience(person.role, person.team_id, lang, person.id).key
        for person in people
        for lang in ("sv", "en")
    )
    # The whole race at once, each region whole (each change's own frames were kept as it came).
    _seq, frames, _ended = app.state.renderer.changes(race_id, 0, audiences)
    room.documents += [(f"frame for {key}", frame) for key, frame in frames.items()]
    for who in ("alice", "carl", "ebba", "wall", "jury", "facilitator"):
        with room.people[who].live() as socket:
            room.documents.append((f"{who}'s snapshot", socket.receive_text()))

    problems: dict[str, str] = {}  # each problem, and the first document it was seen in
    seen_marks: set[str] = set()
    fields_shown: set[tuple[str, str]] = set()
    for where, text in room.documents:
        page = soup(text)
        found = made_from_payload(page) + [f"outside hx-ignore: {item}" for item in unguarded(page)]
        found += [f"blinded by hx-ignore: {item}" for item in blinded(page)]
        for problem in found:
            problems.setdefault(problem, where)
        seen_marks.update(MARK.findall(page.get_text(" ")))
        for element in page.find_all(["input", "textarea", "option"]):
            seen_marks.update(MARK.findall(" ".join(str(value) for value in element.attrs.values())))
        for action, name in text_fields(page):
            fields_shown.add((route_name(app, action, "POST"), name))
    assert problems == {}, "\n".join(
        f"{problem}, first in: {where}" for problem, where in sorted(problems.items())
    )
    hidden = sorted(set(room.marks) - seen_marks)
    assert hidden == [], f"typed values shown nowhere: {[room.marks[mark] for mark in hidden]}"
    untyped = sorted(fields_shown - room.typed - {("join", "code")})
    assert untyped == [], f"text fields no fill types a payload into: {untyped}"
    templates = {
        path.relative_to(settings.TEMPLATES_DIR).as_posix() for path in settings.TEMPLATES_DIR.rglob("*.*")
    }
    unused = sorted(templates - rendered - NOT_HTML)
    assert unused == [], f"templates never rendered: {unused}"


def _ids(room: Room, db: Database) -> dict[str, Any]:
    with db.read() as session:
        race = session.exec(select(Race).where(Race.slug == room.slug)).one()
        alice = session.exec(
            select(PersonRow.id).where(PersonRow.race_id == race.id, PersonRow.role == "participant")
        ).first()
        return {
            "slug": room.slug,
            "token": race.intake_token,
            "team_a": room.summary["teams"][0]["id"],
            "person_id": alice,
            "card_id": session.exec(select(Card.id).where(Card.race_id == race.id)).first(),
            "need_id": session.exec(select(Need.id)).first(),
            "criterion_id": session.exec(select(Criterion.id)).first(),
            "conflict_id": session.exec(select(JuryConflict.id)).first(),
            "phase_id": room.summary["phases"][0]["id"],
        }
