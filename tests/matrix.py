"""The authorisation matrix as data: every route, who may call it, and the callers to try it with."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2.profiles import CHEAPEST
from sqlalchemy.engine.url import make_url
from sqlmodel import col, func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app import passwords
from app.db import Database
from app.main import create_app
from app.models import (
    AgendaTemplate,
    Announcement,
    Card,
    CardRevision,
    Challenge,
    Criterion,
    Event,
    ExpertRequest,
    JuryConflict,
    Organiser,
    OrganiserSession,
    Phase,
    Race,
    RaceCode,
    RaceOrganiser,
    Team,
)
from app.models import Person as PersonRow
from app.services import archive, needs, organisers, owners, races
from app.services.organisers import Account
from tests.conftest import ORIGIN, PASSWORD, POSTGRES_URL, Person, copied_database
from tests.helpers import REQUESTS_PHASE

CALLERS = (
    "anonymous",
    "participant_a",
    "participant_b",
    "expert",
    "wall",
    "jury",
    "other_facilitator",
    "facilitator",
    "other_organiser",
    "organiser",
)
EVERYONE = frozenset(CALLERS)
# Organisers sign in with an account, not a code: on a race's screens they are nobody until they open it.
ORGANISERS = frozenset({"organiser", "other_organiser"})
MEMBERS = EVERYONE - {"anonymous", "other_facilitator"} - ORGANISERS
OWNER = frozenset({"organiser"})
PARTICIPANTS = frozenset({"participant_a", "participant_b"})
TEAM_A = frozenset({"participant_a"})


@dataclass(frozen=True)
class Row:
    """One route: how to call it and who may."""

    method: str
    path: str
    allowed: frozenset[str]
    data: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda _ids: {})
    writes: bool = True
    # Makes what the route acts on (a request, a card) before anyone calls; returns more ids for the path.
    prepare: Callable[[dict[str, Person], dict[str, Any], Database], dict[str, Any]] | None = None


PROFILED = frozenset({"participant_a", "participant_b", "expert"})


def _requests_phase(callers: dict[str, Person], ids: dict[str, Any], _db: Database) -> dict[str, Any]:
    """Start a phase that takes expert requests."""
    callers["facilitator"].client.post(f"/r/{ids['slug']}/phases/{ids['phases'][REQUESTS_PHASE]['id']}/start")
    return {}


def _open_request(
    callers: dict[str, Person], ids: dict[str, Any], db: Database, *steps: str
) -> dict[str, Any]:
    """Start a phase that takes requests, let team A ask, and let the expert take the steps given."""
    slug = ids["slug"]
    _requests_phase(callers, ids, db)
    callers["participant_a"].client.post(f"/r/{slug}/requests", data={"question": "Hjälp?", "key": ""})
    with db.read() as session:
        request_id = session.exec(select(ExpertRequest.id).order_by(col(ExpertRequest.id).desc())).first()
        expert_id = session.exec(select(PersonRow.id).where(PersonRow.name == "Eva")).one()
    for step in steps:
        callers["expert"].client.post(f"/r/{slug}/requests/{request_id}/{step}")
    return {"request_id": request_id, "expert_id": expert_id}


def _card(callers: dict[str, Person], ids: dict[str, Any], db: Database) -> dict[str, Any]:
    callers["participant_a"].client.post(
        f"/r/{ids['slug']}/cards", data={"title": "Kort", "column": "idea", "key": "spot"}
    )
    with db.read() as session:
        return {"card_id": session.exec(select(Card.id)).first()}


def _announcement(callers: dict[str, Person], ids: dict[str, Any], db: Database) -> dict[str, Any]:
    callers["facilitator"].client.post(
        f"/r/{ids['slug']}/announcements", data={"body": "Fika", "key": "fika"}
    )
    with db.read() as session:
        return {"announcement_id": session.exec(select(Announcement.id)).first()}


def _started(callers: dict[str, Person], ids: dict[str, Any], _db: Database) -> dict[str, Any]:
    """Start the first phase (so that it can be undone)."""
    callers["facilitator"].client.post(f"/r/{ids['slug']}/phases/{ids['phases'][0]['id']}/start")
    return {}


def _ended(callers: dict[str, Person], ids: dict[str, Any], _db: Database) -> dict[str, Any]:
    callers["facilitator"].client.post(f"/r/{ids['slug']}/end")
    return {}


def room_rows() -> list[Row]:
    """Profiles, expert requests, announcements and the spotlight."""
    request = "/r/{slug}/requests/{request_id}/"
    expert, team_a = frozenset({"expert"}), frozenset({"participant_a"})
    return [
        Row("GET", "/r/{slug}/profile", PROFILED, writes=False),
        Row("POST", "/r/{slug}/profile", PROFILED, lambda _ids: {"action": "skip"}),
        Row(
            "POST",
            "/r/{slug}/requests",
            PARTICIPANTS,
            lambda ids: {"question": "Hur?", "key": f"r-{ids['caller']}"},
            prepare=_requests_phase,
        ),
        Row("POST", request + "claim", expert, prepare=_open_request),
        Row(
            "POST",
            request + "assign",
            frozenset({"facilitator"}),
            lambda ids: {"expert": str(ids["expert_id"])},
            prepare=_open_request,
        ),
        Row(
            "POST",
            request + "note",
            expert,
            lambda _ids: {"note": "Anteckning"},
            prepare=lambda callers, ids, db: _open_request(callers, ids, db, "claim"),
        ),
        Row(
            "POST",
            request + "resolve",
            expert,
            lambda _ids: {"note": "Klart"},
            prepare=lambda c, ids, db: _open_request(c, ids, db, "claim"),
        ),
        Row("POST", request + "cancel", team_a, prepare=_open_request),
        Row(
            "POST",
            request + "rate",
            team_a,
            lambda _ids: {"rating": "5"},
            prepare=lambda callers, ids, db: _open_request(callers, ids, db, "claim", "resolve"),
        ),
        Row(
            "POST",
            "/r/{slug}/announcements",
            frozenset({"facilitator"}),
            lambda ids: {"body": "Fika", "key": f"a-{ids['caller']}"},
        ),
        Row(
            "POST",
            "/r/{slug}/spotlight",
            frozenset({"facilitator"}),
            lambda ids: {"card": str(ids["card_id"])},
            prepare=_card,
        ),
        Row("POST", "/r/{slug}/spotlight/clear", frozenset({"facilitator"})),
        Row(
            "POST",
            "/r/{slug}/announcements/clear",
            frozenset({"facilitator"}),
            lambda ids: {"announcement": str(ids["announcement_id"])},
            prepare=_announcement,
        ),
        # Where a team sits: its own members or a facilitator.
        Row(
            "POST",
            "/r/{slug}/teams/{team_a}/place",
            team_a | {"facilitator"},
            lambda _ids: {"place": "Bord 1", "was": ""},
        ),
    ]


def _open_intake(callers: dict[str, Person], ids: dict[str, Any], db: Database) -> dict[str, Any]:
    """Open the race's intake and let a company send one need."""
    callers["facilitator"].client.post(f"/r/{ids['slug']}/needs/intake", data={"open": "1"})
    with db.read() as session:
        token = session.exec(select(Race.intake_token).where(Race.slug == ids["slug"])).one()
    assert token is not None
    form = needs.NeedForm(company="AB", contact="Sara, sara@ab.se", title="Behov", description="Text")
    need = needs.submit(db, token, form, None)
    return {"token": token, "need_id": need.id}


def preparation_rows() -> list[Row]:
    """The needs intake (public through its link), the needs page and the competence map."""
    facilitator = frozenset({"facilitator"})
    need = {
        "company": "AB",
        "contact_name": "Sara",
        "contact_means": "sara@ab.se",
        "title": "Behov",
        "description": "Text",
        "urgency": "2",
    }
    edit = {"company": "AB", "contact": "Sara", "title": "Nytt", "description": "Text", "urgency": "1"}
    return [
        Row("GET", "/intake/{token}", EVERYONE, writes=False, prepare=_open_intake),
        Row(
            "POST",
            "/intake/{token}",
            EVERYONE,
            lambda ids: {**need, "key": f"n-{ids['caller']}"},
            prepare=_open_intake,
        ),
        Row("GET", "/r/{slug}/needs", facilitator, writes=False),
        Row("POST", "/r/{slug}/needs/intake", facilitator, lambda _ids: {"open": "1"}),
        Row("GET", "/r/{slug}/needs/qr.svg", facilitator, writes=False, prepare=_open_intake),
        Row("POST", "/r/{slug}/needs/{need_id}", facilitator, lambda _ids: edit, prepare=_open_intake),
        Row("POST", "/r/{slug}/needs/{need_id}/choose", facilitator, prepare=_open_intake),
        Row("GET", "/r/{slug}/competences", facilitator, writes=False),
    ]


def _jury_ids(callers: dict[str, Person], ids: dict[str, Any], db: Database) -> dict[str, Any]:
    """Return the race's criteria, juror Jan, and a conflict of Jan's declared by the facilitator."""
    with db.write() as session:
        race_id = session.exec(select(Race.id).where(Race.slug == ids["slug"])).one()
        criteria = session.exec(
            select(Criterion.id).where(Criterion.race_id == race_id).order_by(col(Criterion.position))
        ).all()
        jan = session.exec(select(PersonRow.id).where(PersonRow.name == "Jan")).one()
        team_b = session.exec(
            select(Team.id).where(Team.race_id == race_id).order_by(col(Team.id).desc())
        ).first()
        conflict = JuryConflict(race_id=race_id, juror_id=jan, team_id=team_b or 0, created_ms=0)
        session.add(conflict)
        session.flush()
        return {
            "criteria": list(criteria),
            "criterion_id": criteria[-1],
            "juror_id": jan,
            "conflict_id": conflict.id,
        }


def jury_rows() -> list[Row]:
    """The juror's scoring and the facilitator's criteria, conflicts and reveal."""
    facilitator, jury = frozenset({"facilitator"}), frozenset({"jury"})
    criterion = "/r/{slug}/jury/criteria/{criterion_id}"
    return [
        Row("POST", "/r/{slug}/jury/identity", jury, lambda _ids: {"company": "AB", "action": "save"}),
        Row(
            "POST",
            "/r/{slug}/jury/teams/{team_a}",
            jury,
            lambda ids: {**{f"c{c}": "3" for c in ids["criteria"]}, "key": f"s-{ids['caller']}"},
            prepare=_jury_ids,
        ),
        Row("GET", "/r/{slug}/jury/setup", facilitator, writes=False),
        Row("POST", "/r/{slug}/jury/criteria", facilitator, lambda _ids: {"name": "Mod", "weight": "1"}),
        Row("POST", criterion, facilitator, lambda _ids: {"name": "Mod", "weight": "2"}, prepare=_jury_ids),
        Row("POST", criterion + "/move", facilitator, lambda _ids: {"direction": "up"}, prepare=_jury_ids),
        Row("POST", criterion + "/remove", facilitator, prepare=_jury_ids),
        Row(
            "POST",
            "/r/{slug}/jury/conflicts",
            facilitator,
            lambda ids: {"juror": str(ids["juror_id"]), "team": str(ids["team_a"])},
            prepare=_jury_ids,
        ),
        Row("POST", "/r/{slug}/jury/conflicts/{conflict_id}/remove", facilitator, prepare=_jury_ids),
        Row(
            "POST",
            "/r/{slug}/jury/jurors/{juror_id}/company",
            facilitator,
            lambda _ids: {"company": "Nytt AB"},
            prepare=_jury_ids,
        ),
        Row("POST", "/r/{slug}/jury/reveal", facilitator, lambda _ids: {"reveal": "1"}),
    ]


def _ended(callers: dict[str, Person], ids: dict[str, Any], _db: Database) -> dict[str, Any]:
    callers["facilitator"].client.post(f"/r/{ids['slug']}/end")
    return {}


def _archived(callers: dict[str, Person], ids: dict[str, Any], db: Database) -> dict[str, Any]:
    _ended(callers, ids, db)
    archive.archive(db, _anna(db), ids["slug"])
    return {}


def _anna(db: Database) -> Account:
    with db.read() as session:
        row = organisers.find(session, "anna@example.se")
    assert row is not None and row.id is not None
    return Account(row.id, row.email, row.name)


def _template(_callers: dict[str, Person], _ids: dict[str, Any], db: Database) -> dict[str, Any]:
    from app.services import agenda_templates

    return {"template_id": agenda_templates.save(db, _anna(db), "Mall", "default", "sv")}


def _started(callers: dict[str, Person], ids: dict[str, Any], _db: Database) -> dict[str, Any]:
    callers["facilitator"].client.post(f"/r/{ids['slug']}/phases/{ids['phases'][0]['id']}/start")
    return {}


def _gallery(callers: dict[str, Person], ids: dict[str, Any], db: Database) -> dict[str, Any]:
    _started(callers, ids, db)
    callers["facilitator"].client.post(
        f"/r/{ids['slug']}/gallery/open", data={"phase": ids["phases"][0]["id"]}
    )
    return {}


def walk_rows() -> list[Row]:
    """The planned start, the gallery walk, and reading another team's board."""
    facilitator = frozenset({"facilitator"})
    readers = frozenset({"jury", "expert", "facilitator"})
    soon = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    board = "/r/{slug}/teams/{team_a}/board"
    return [
        Row(
            "POST",
            "/r/{slug}/planned-start",
            facilitator,
            lambda _ids: {"shown": "", "date": soon, "time": "10:00"},
        ),
        Row(
            "POST",
            "/r/{slug}/gallery/open",
            facilitator,
            lambda ids: {"phase": ids["phase_id"]},
            prepare=_started,
        ),
        Row(
            "POST",
            "/r/{slug}/gallery/close",
            facilitator,
            lambda ids: {"phase": ids["phase_id"]},
            prepare=_gallery,
        ),
        # In the gallery walk the other team reads it too (its own members have it on their screen); without
        # it, the row in ROWS: only the jury, the experts and the facilitators.
        Row("GET", board, readers | {"participant_b"}, writes=False, prepare=_gallery),
    ]


def _codes(ids: dict[str, Any]) -> dict[str, Any]:
    return {"code": ids["code"]}


def organiser_rows() -> list[Row]:
    """Organisers' accounts, their home, races from the browser, templates, archive and delete."""
    race = "/home/races/{slug}"
    template = "/home/templates/{template_id}"
    new_race = {"name": "Nytt race", "lang": "sv", "teams": "2", "source": "default", "timezone": "UTC"}
    password = {"current": PASSWORD, "new": "ett nytt lösenord", "again": "ett nytt lösenord"}
    return [
        Row("GET", "/organisers/sign-in", EVERYONE, writes=False),
        Row(
            "POST",
            "/organisers/sign-in",
            EVERYONE,
            lambda _ids: {"email": "anna@example.se", "password": PASSWORD},
        ),
        Row("POST", "/organisers/sign-out", EVERYONE),
        Row("GET", "/organisers/password", ORGANISERS, writes=False),
        Row("POST", "/organisers/password", ORGANISERS, lambda _ids: password),
        Row("GET", "/organisers/new", ORGANISERS, writes=False),
        Row(
            "POST",
            "/organisers/new",
            ORGANISERS,
            lambda ids: {"email": f"{ids['caller']}@example.se", "password": PASSWORD},
        ),
        Row("GET", "/home", ORGANISERS, writes=False),
        Row("GET", "/home/status", ORGANISERS, writes=False),
        Row("GET", "/home/races/new", ORGANISERS, writes=False),
        Row("POST", "/home/races", ORGANISERS, lambda ids: {**new_race, "key": f"n-{ids['caller']}"}),
        Row("POST", race + "/open", OWNER, lambda _ids: {"to": "control"}),
        Row("POST", race + "/codes/participant", OWNER, _codes),
        Row("POST", race + "/archive", OWNER, prepare=_ended),
        Row("POST", race + "/unarchive", OWNER, prepare=_archived),
        Row("POST", race + "/organisers", OWNER, lambda _ids: {"email": "olle@example.se"}),
        Row("POST", race + "/template", OWNER, lambda _ids: {"name": "Från racet"}),
        Row("GET", race + "/delete", OWNER, writes=False),
        Row("POST", race + "/delete", OWNER, lambda _ids: {"name": "Testracet"}),
        Row("GET", "/home/templates", ORGANISERS, writes=False),
        Row("POST", "/home/templates", ORGANISERS, lambda _ids: {"name": "Min mall", "lang": "en"}),
        Row("GET", template, OWNER, writes=False, prepare=_template),
        Row(
            "POST",
            template,
            OWNER,
            lambda _ids: {
                "rev": "1",
                "name": "Ny",
                "phase-0-name": "Start",
                "phase-0-minutes": "30",
                "criterion-0-name": "Mod",
                "criterion-0-weight": "1",
            },
            prepare=_template,
        ),
        Row("POST", template + "/remove", OWNER, lambda _ids: {"rev": "1"}, prepare=_template),
    ]


PHASE = {"name": "Fika", "minutes": "15", "vote_budget": "5", "lock_at_end": "1", "next_at_end": "1"}
CHALLENGE = {"company": "Sågverket AB", "title": "Mindre spill"}
TEAM = {"name": "Nytt lag", "colour": "#123456"}

MATRIX: list[Row] = [
    Row("GET", "/", EVERYONE, writes=False),
    Row("GET", "/healthz", EVERYONE, writes=False),
    # Loopback and KRAFTSAMLA_METRICS_ALLOW only, whoever signed in (tests/test_metrics.py has those).
    Row("GET", "/metrics", frozenset(), writes=False),
    Row("POST", "/join", EVERYONE, lambda ids: {"code": ids["code"], "name": "Ny"}),
    Row("POST", "/leave", EVERYONE),
    Row("GET", "/r/{slug}", MEMBERS, writes=False),
    Row("POST", "/r/{slug}/lang", EVERYONE, lambda _ids: {"lang": "en"}),
    Row("POST", "/r/{slug}/team", PARTICIPANTS, lambda ids: {"team": ids["team_a"]}),
    Row(
        "POST",
        "/r/{slug}/cards",
        PARTICIPANTS,
        lambda ids: {"title": "Kort", "column": "idea", "key": f"k-{ids['caller']}"},
    ),
    Row("GET", "/r/{slug}/qr.svg", frozenset({"wall", "facilitator"}), writes=False),
    Row("POST", "/r/{slug}/phases/next", frozenset({"facilitator"}), lambda _ids: {"from": ""}),
    Row(
        "POST",
        "/r/{slug}/phases/undo",
        frozenset({"facilitator"}),
        lambda ids: {"from": str(ids["phase_id"])},
        prepare=_started,
    ),
    # The screen showed no phase before the start, and the started one before the others.
    Row("POST", "/r/{slug}/phases/{phase_id}/start", frozenset({"facilitator"}), lambda _ids: {"from": ""}),
    Row(
        "POST",
        "/r/{slug}/phases/{phase_id}/pause",
        frozenset({"facilitator"}),
        lambda ids: {"from": str(ids["phase_id"])},
    ),
    Row(
        "POST",
        "/r/{slug}/phases/{phase_id}/resume",
        frozenset({"facilitator"}),
        lambda ids: {"from": str(ids["phase_id"])},
    ),
    Row(
        "POST",
        "/r/{slug}/phases/{phase_id}/extend",
        frozenset({"facilitator"}),
        lambda ids: {"minutes": "1", "from": str(ids["phase_id"])},
    ),
    Row("WS", "/r/{slug}/live", MEMBERS, writes=False),
    # The facilitator's control screen.
    Row("POST", "/r/{slug}/agenda", frozenset({"facilitator"}), lambda _ids: PHASE),
    Row("POST", "/r/{slug}/agenda/{phase_id}", frozenset({"facilitator"}), lambda _ids: PHASE),
    Row("POST", "/r/{slug}/agenda/{phase_id}/remove", frozenset({"facilitator"})),
    Row(
        "POST",
        "/r/{slug}/agenda/{phase_id}/move",
        frozenset({"facilitator"}),
        lambda _ids: {"direction": "down"},
    ),
    Row("POST", "/r/{slug}/challenges", frozenset({"facilitator"}), lambda _ids: CHALLENGE),
    Row("POST", "/r/{slug}/challenges/{challenge_id}", frozenset({"facilitator"}), lambda _ids: CHALLENGE),
    Row("POST", "/r/{slug}/teams", frozenset({"facilitator"}), lambda _ids: TEAM),
    Row("POST", "/r/{slug}/teams/{team_a}", frozenset({"facilitator"}), lambda _ids: TEAM),
    Row("POST", "/r/{slug}/teams/{team_a}/lock", frozenset({"facilitator"}), lambda _ids: {"locked": "1"}),
    Row("POST", "/r/{slug}/boards/lock", frozenset({"facilitator"}), lambda _ids: {"locked": "1"}),
    Row("POST", "/r/{slug}/top-cards/wall", frozenset({"facilitator"}), lambda _ids: {"shown": "1"}),
    Row("POST", "/r/{slug}/team-choice", frozenset({"facilitator"}), lambda _ids: {"open": "0"}),
    Row("POST", "/r/{slug}/people/{person_id}/team", frozenset({"facilitator"}), lambda _ids: {"team": ""}),
    Row(
        "POST",
        "/r/{slug}/people/team",
        frozenset({"facilitator"}),
        lambda ids: {"person": str(ids["person_id"]), "team": ""},
    ),
    Row("GET", "/r/{slug}/teams/suggest", frozenset({"facilitator"}), writes=False),
    Row(
        "POST",
        "/r/{slug}/teams/suggest",
        frozenset({"facilitator"}),
        lambda _ids: {"min": "1", "max": "4", "action": "suggest"},
    ),
    Row("GET", "/r/{slug}/sheet", frozenset({"facilitator"}), writes=False),
    *room_rows(),
    *preparation_rows(),
    *jury_rows(),
    *organiser_rows(),
    *walk_rows(),
    # After the race. Teams review only once the race has ended; here it has not.
    Row("GET", "/r/{slug}/review", frozenset({"facilitator"}), writes=False),
    Row("GET", "/r/{slug}/review/replay", frozenset({"facilitator"}), writes=False),
    Row("GET", "/r/{slug}/review/report", frozenset({"facilitator"}), writes=False),
    Row("GET", "/r/{slug}/review/export.json", frozenset({"facilitator"}), writes=False),
    Row("GET", "/r/{slug}/review/csv/card", frozenset({"facilitator"}), writes=False),
    Row(
        "POST",
        "/r/{slug}/review/outcomes",
        frozenset({"facilitator"}),
        lambda ids: {"team": ids["team_a"], "kind": "patent", "date": "2027-01-01"},
    ),
    Row(
        "POST",
        "/r/{slug}/review/privacy",
        frozenset({"facilitator"}),
        lambda _ids: {"retention_days": "30", "erase_mode": "keep"},
    ),
    # Person 1 is participant_a, the first to join the fresh race: a facilitator or that person may export.
    Row("POST", "/r/{slug}/review/people/1/export", frozenset({"facilitator", "participant_a"})),
    Row(
        "POST", "/r/{slug}/review/people/1/erase", frozenset({"facilitator"}), lambda _ids: {"confirm": "yes"}
    ),
    Row("POST", "/r/{slug}/end", frozenset({"facilitator"})),
    Row("POST", "/r/{slug}/reopen", frozenset({"facilitator"}), prepare=_ended),
    # The participant's board: a card of participant_a's team.
    Row(
        "POST",
        "/r/{slug}/cards/{card_id}/edit",
        TEAM_A,
        lambda _ids: {"title": "Nytt", "body": "", "rev": "1"},
    ),
    Row("POST", "/r/{slug}/cards/{card_id}/move", TEAM_A, lambda _ids: {"column": "need"}),
    Row("POST", "/r/{slug}/cards/{card_id}/comments", TEAM_A, lambda _ids: {"body": "Hej"}),
    Row("POST", "/r/{slug}/cards/{card_id}/votes", TEAM_A),
    Row("POST", "/r/{slug}/cards/{card_id}/votes/withdraw", TEAM_A),
    Row("POST", "/r/{slug}/cards/{card_id}/remove", TEAM_A),
    Row("GET", "/r/{slug}/cards/{card_id}", TEAM_A | {"facilitator"}, writes=False),
    # Any team's board, to read: the jury judges it, experts help it, facilitators run the race.
    Row("GET", "/r/{slug}/teams/{team_a}/board", frozenset({"jury", "expert", "facilitator"}), writes=False),
    Row("GET", "/r/{slug}/votes/mine", MEMBERS, writes=False),
]


def control_ids(db: Database, race: dict[str, Any]) -> dict[str, Any]:
    """Return the ids the control screen's rows need: a challenge of the race and participant Anna."""
    with db.write() as session:
        race_id = session.exec(select(Race.id).where(Race.slug == race["slug"])).one()
        challenge = session.exec(select(Challenge).where(Challenge.race_id == race_id)).first()
        if challenge is None:
            challenge = Challenge(race_id=race_id, company="AB", title="Behov")
            session.add(challenge)
            session.flush()
        anna = session.exec(
            select(PersonRow.id).where(PersonRow.race_id == race_id, PersonRow.name == "Anna")
        ).one()
        # A card on Anna's team board, and votes open in the first phase (for the board's rows).
        card = session.exec(select(Card).where(Card.race_id == race_id)).first()
        if card is None:
            team_a = race["teams"][0]["id"]
            card = Card(
                race_id=race_id,
                team_id=team_a,
                author_id=anna,
                column="idea",
                title="Kort",
                created_ms=0,
                updated_ms=0,
            )
            session.add(card)
            session.flush()
            session.add(
                CardRevision(
                    card_id=card.id or 0, rev=1, author_id=anna, column="idea", title="Kort", created_ms=0
                )
            )
            first = session.get(Phase, race["phases"][0]["id"])
            assert first is not None
            first.voting_open = True
            session.add(first)
        return {"challenge_id": challenge.id, "person_id": anna, "card_id": card.id}


def sign_in_callers(app: Starlette, portal_client: TestClient, race: dict[str, Any]) -> dict[str, Person]:
    """Sign in one person of every kind (and a facilitator of another race), each in a browser of its own."""
    db: Database = app.state.db

    def browser() -> TestClient:
        client = TestClient(app, headers={"origin": ORIGIN})
        client.portal = portal_client.portal  # one event loop for everyone, like one server process
        return client

    def join(role: str, name: str, team: int | None = None) -> Person:
        person = Person(browser(), race["slug"])
        assert person.post("/join", {"code": race["codes"][role], "name": name}).status_code == 303
        if team is not None:
            chosen = person.post(f"/r/{race['slug']}/team", {"team": race["teams"][team]["id"]})
            assert chosen.status_code == 303, chosen.text
        return person

    people = {
        "participant_a": join("participant", "Anna", team=0),
        "participant_b": join("participant", "Bert", team=1),
        "expert": join("expert", "Eva"),
        "wall": join("wall", ""),
        "jury": join("jury", "Jan"),
        "facilitator": join("facilitator", "Fia"),
    }
    other = races.create_race(db, "Ett annat race", teams=1)
    people["other_facilitator"] = Person(browser(), other["slug"])
    joined = people["other_facilitator"].post(
        "/join", {"code": other["codes"]["facilitator"], "name": "Olle"}
    )
    assert joined.status_code == 303
    people["anonymous"] = Person(browser(), race["slug"])
    # Anna runs this race (after the joins: person 1 stays participant_a); Olle runs only the other one.
    for kind, email, slug in (
        ("organiser", "anna@example.se", race["slug"]),
        ("other_organiser", "olle@example.se", other["slug"]),
    ):
        made = organisers.create(db, app.state.passwords, email, PASSWORD, "Arrangör " + email[:4])
        with db.write() as session:
            owners.add(session, races.get_race(session, slug), session.get(Organiser, made.organiser_id))
        people[kind] = Person(browser(), race["slug"])
        signed_in = people[kind].client.post(
            "/organisers/sign-in", data={"email": email, "password": PASSWORD}
        )
        assert signed_in.status_code == 200
    return people


@dataclass(frozen=True)
class Played:
    """A database in which one caller of every kind has signed in: each test of the matrix gets a copy."""

    template: str | Path
    race: dict[str, Any]
    # Per caller: the race its screens are of, and its browser's cookies.
    slugs: dict[str, str]
    cookies: dict[str, dict[str, str]]


@pytest.fixture(scope="session")
def played(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Played]:
    """Sign the callers in once per test run (it takes some twenty requests), to copy for every test."""
    base = request.getfixturevalue("postgres_template" if POSTGRES_URL else "sqlite_template")
    file = tmp_path_factory.mktemp("played") / "played.db"
    with copied_database(base, file) as url, pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "PROFILE", CHEAPEST)
        app = create_app(url)
        try:
            with TestClient(app, headers={"origin": ORIGIN}) as client:
                race = races.create_race(app.state.db, "Testracet", lang="en", teams=2)
                people = sign_in_callers(app, client, race)
        finally:
            app.state.db.dispose()
        # Closing the last connection folded the write-ahead log into the file: the file is the database.
        assert POSTGRES_URL or not file.with_name(f"{file.name}-wal").exists()
        yield Played(
            template=make_url(url).database or "" if POSTGRES_URL else file,
            race=race,
            slugs={kind: person.slug for kind, person in people.items()},
            cookies={kind: dict(person.client.cookies) for kind, person in people.items()},
        )


@pytest.fixture
def db_url(played: Played, tmp_path: Path) -> Iterator[str]:
    """Return the URL of a copy of the played database (overrides conftest's in the matrix's modules)."""
    with copied_database(played.template, tmp_path / "test.db") as url:
        yield url


@pytest.fixture
def race(played: Played) -> dict[str, Any]:
    """Return the played race's summary."""
    return copy.deepcopy(played.race)


@pytest.fixture
def callers(app: Starlette, app_client: TestClient, played: Played) -> dict[str, Person]:
    """Return one browser of every kind of caller, signed in to the copy of the played database."""
    people = {}
    for kind, cookies in played.cookies.items():
        client = TestClient(app, headers={"origin": ORIGIN}, cookies=cookies)
        client.portal = app_client.portal
        people[kind] = Person(client, played.slugs[kind])
    return people


def event_count(db: Database) -> tuple[object, ...]:
    """Return what a refused caller must leave as it was: the log, and what organisers change outside it."""
    with db.read() as session:
        return (
            int(session.exec(select(func.count()).select_from(Event)).one()),
            int(session.exec(select(func.count()).select_from(Organiser)).one()),
            sorted(session.exec(select(Organiser.password_hash)).all()),
            int(session.exec(select(func.count()).select_from(RaceOrganiser)).one()),
            sorted(session.exec(select(AgendaTemplate.id, AgendaTemplate.rev)).all()),
            sorted(session.exec(select(RaceCode.code)).all()),
            sorted(session.exec(select(Race.id, Race.archived_ms, Race.deleted_ms)).all()),
            int(session.exec(select(func.count()).select_from(OrganiserSession)).one()),
        )


def call(person: Person, row: Row, ids: dict[str, Any]) -> int:
    path = row.path.format(**ids)
    if row.method == "WS":
        try:
            with person.client.websocket_connect(path, headers={"origin": ORIGIN}) as socket:
                while not socket.receive_text().startswith('{"type": "synced"'):
                    pass
                return 101
        except WebSocketDisconnect as closed:
            return closed.code
    if row.method == "GET":
        return int(person.client.get(path, follow_redirects=False).status_code)
    return int(person.client.post(path, data=row.data(ids), follow_redirects=False).status_code)
