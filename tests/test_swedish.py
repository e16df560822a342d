"""Every screen in Swedish: no English message of the catalogue, no raw code word, numbers the Swedish way.

A Swedish race is played through its forms by every role: cards, votes, a comment, an edit; an expert
request claimed, noted, resolved and rated; an announcement and the spotlight; a need sent through the intake
and made a challenge; a juror's scores revealed; the race ended, an outcome recorded, a person erased. Then
every screen is fetched as each role sees it (the review, the replay, the report, the join sheet and the error
pages too), and its visible text and spoken attributes are searched for the English of every catalogue entry
whose Swedish differs (so words equal in both languages are never taken for English), for raw code words
(roles, statuses, event kinds) and for decimal points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from sqlalchemy.exc import OperationalError
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from app import settings
from app.db import Database
from app.kinds import Kind
from app.models import Background, Criterion, ExpertRequest, Need, Person, Race, RequestStatus, Role
from app.routes import race as screens_module
from app.services import cards as cards_service
from app.services import races
from tests.conftest import ORIGIN, Join, soup
from tests.conftest import Person as Browser

# Attributes whose words are read out or shown (data-msg-*: what the page's script says aloud).
SPOKEN = ("aria-label", "title", "alt", "placeholder", "aria-valuetext")
# Code words that must never reach a person: roles, request statuses, backgrounds, erase modes, event kinds.
# ("expert", "jury" and "student" are Swedish words too.)
CODE_WORDS = (
    {role.value for role in Role}
    | {status.value for status in RequestStatus}
    | {background.value for background in Background}
    | {"keep", "remove", "retention"}
) - {"expert", "jury", "student"}
DECIMAL_POINT = re.compile(r"(?<![\d.:/])\d+\.\d+(?![\d.:/])")


@pytest.fixture
def race(db: Database) -> dict[str, Any]:
    """A Swedish race with two teams."""
    return races.create_race(db, "Innovationsracet i Luleå", lang="sv", teams=2)


@cache
def english() -> list[tuple[str, re.Pattern[str]]]:
    """Return each catalogue message whose Swedish differs from its English, as a pattern of its words."""
    path = settings.LOCALE_DIR / "sv" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale="sv")
    found = []
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid, msgstr in zip(ids, strings, strict=False):
            if not msgid or msgid == msgstr:
                continue
            pattern = _pattern(msgid)
            if pattern is not None:
                found.append((msgid, pattern))
    return found


def _pattern(msgid: str) -> re.Pattern[str] | None:
    """Return a pattern for a message's fixed words (its %(x)s parts match anything), or None if too short."""
    parts = re.split(r"%\(\w+\)[sd]|%%", msgid)
    words = [part.strip() for part in parts if part.strip()]
    if not words or max(len(re.sub(r"\W", "", word)) for word in words) < 3:
        return None  # "AI", "%(num)s min": too short to tell a language by
    body = r".{0,200}?".join(re.escape(word) for word in words)
    return re.compile(rf"(?<!\w){body}(?!\w)")


def shown_text(page: BeautifulSoup) -> str:
    """Return a page's visible text and its spoken attributes, one per line."""
    for hidden in page.select("script, style, template"):
        hidden.decompose()
    lines = [page.get_text("\n")]
    for element in page.find_all(True):
        for name, value in element.attrs.items():
            if (name in SPOKEN or name.startswith("data-msg")) and isinstance(value, str):
                lines.append(value)
            if name == "hx-confirm" and isinstance(value, str):
                lines.append(value)
    return "\n".join(lines)


def problems(name: str, text: str) -> list[str]:
    """Return the English, the code words and the decimal points in a screen's text."""
    found = [
        f"{name}: English {msgid!r} in {_around(text, match)!r}"
        for msgid, pattern in english()
        if (match := pattern.search(text))
    ]
    words = set(re.findall(r"[\w.]+", text))
    for word in sorted(words & CODE_WORDS):
        where = re.search(rf"(?<![\w.]){re.escape(word)}(?![\w.])", text)
        found.append(f"{name}: code word {word!r} in {_around(text, where) if where else ''!r}")
    found += [f"{name}: event kind {kind.value!r}" for kind in Kind if kind.value in words]
    found += [f"{name}: decimal point in {match.group()!r}" for match in DECIMAL_POINT.finditer(text)]
    return found


def _around(text: str, match: re.Match[str]) -> str:
    return " ".join(text[max(0, match.start() - 30) : match.end() + 30].split())


@dataclass
class Played:
    slug: str
    facilitator: Browser
    alva: Browser
    bo: Browser
    expert: Browser
    wall: Browser
    juror: Browser
    card: int
    intake: str


def post(person: Browser, path: str, data: dict[str, Any] | None = None, status: int = 303) -> Any:
    answer = person.post(path, data or {})
    assert answer.status_code == status, (path, answer.status_code, answer.text[:500])
    return answer


def play(join: Join, db: Database, race: dict[str, Any]) -> Played:
    """Play a whole Swedish race through its forms, touching every kind of screen."""
    slug, phases, teams = race["slug"], race["phases"], race["teams"]
    facilitator = join("facilitator", "Fia Fors")
    alva = join("participant", "Alva Andersson")
    post(alva, f"/r/{slug}/profile", {"background": "research", "competence": ["Energy"], "action": "save"})
    post(alva, f"/r/{slug}/team", {"team": teams[0]["id"]})
    bo = join("participant", "Bo Berg", team=1)
    expert = join("expert", "Ebba Ek")
    post(expert, f"/r/{slug}/profile", {"background": "research", "competence": ["Energy"], "action": "save"})
    wall = join("wall", "")
    # Before the race: the intake opens, a company sends a need, the facilitator makes it a challenge.
    post(facilitator, f"/r/{slug}/needs/intake", {"open": "1"})
    with db.read() as session:
        token = session.exec(select(Race.intake_token).where(Race.slug == slug)).one()
    company = TestClient(facilitator.client.app, headers={"origin": ORIGIN, "accept-language": "sv"})
    company.portal = facilitator.client.portal
    sent = company.post(
        f"/intake/{token}",
        data={
            "company": "Sågverket AB",
            "contact_name": "Sara Sågare",
            "contact_means": "sara@example.se",
            "title": "Mindre spill i sågen",
            "description": "Vi vill minska spillet med 40 procent.",
            "urgency": "2",
            "tags": "Energi, Trä",
            "key": "need-1",
        },
    )
    assert sent.status_code == 201, sent.text[:500]
    with db.read() as session:
        need_id = session.exec(select(Need.id)).one()
    post(facilitator, f"/r/{slug}/needs/{need_id}/choose")
    # The race: a phase that takes requests, cards, an expert called, claimed, noted, resolved and rated.
    post(facilitator, f"/r/{slug}/phases/{phases[3]['id']}/start")
    added = alva.htmx(
        f"/r/{slug}/cards", {"title": "Sandbatteri", "body": "Lagrar 1,5 GWh.", "column": "idea"}
    )
    assert added.status_code == 201
    (posted,) = soup(added.text).select("hx-partial li.card")
    card = int(posted["id"].removeprefix("card-"))
    post(alva, f"/r/{slug}/cards/{card}/edit", {"title": "Sandbatteri för natten", "body": "", "rev": "1"})
    post(alva, f"/r/{slug}/cards/{card}/comments", {"body": "Fråga smältverket."})
    post(bo, f"/r/{slug}/cards", {"title": "Isvarnare", "body": "", "column": "need"})
    post(alva, f"/r/{slug}/requests", {"question": "Hur stort lager?", "tag": ["Energy"]})
    with db.read() as session:
        request_id = session.exec(select(ExpertRequest.id)).one()
    for action, data in (("claim", {}), ("note", {"note": "Börja med 10 m³."}), ("resolve", {})):
        post(expert, f"/r/{slug}/requests/{request_id}/{action}", data)
    post(alva, f"/r/{slug}/requests/{request_id}/rate", {"rating": "4", "word": "Klockrent"})
    post(facilitator, f"/r/{slug}/announcements", {"body": "Lunch klockan 12 i matsalen."})
    post(facilitator, f"/r/{slug}/spotlight", {"card": str(card)})
    # Voting.
    post(facilitator, f"/r/{slug}/phases/{phases[4]['id']}/start")
    post(alva, f"/r/{slug}/cards/{card}/votes")
    # The jury: a weight with a decimal, scores, the reveal.
    juror = join("jury", "Jan Jansson")
    post(juror, f"/r/{slug}/jury/identity", {"company": "", "action": "save"})
    post(facilitator, f"/r/{slug}/jury/criteria", {"name": "Hållbarhet", "weight": "1.5"})
    with db.read() as session:
        criteria = session.exec(select(Criterion.id).order_by(Criterion.position)).all()
    for index, team in enumerate(teams):
        values = {f"c{criterion}": str(3 + index) for criterion in criteria}
        post(
            juror, f"/r/{slug}/jury/teams/{team['id']}", {**values, "comment": "Tydligt.", "key": f"s{index}"}
        )
    post(facilitator, f"/r/{slug}/jury/reveal", {"reveal": "1"})
    # After the race: the end, an outcome, a person erased.
    post(facilitator, f"/r/{slug}/end")
    post(
        facilitator,
        f"/r/{slug}/review/outcomes",
        {
            "team": str(teams[0]["id"]),
            "kind": "project",
            "date": "2026-12-07",
            "note": "Förstudie med kommunen.",
            "cards": [str(card)],
        },
    )
    with db.read() as session:
        bo_id = session.exec(select(Person.id).where(Person.name == "Bo Berg")).one()
    post(facilitator, f"/r/{slug}/review/people/{bo_id}/erase", {"confirm": "yes"})
    post(facilitator, f"/r/{slug}/needs/intake", {"open": "0"})
    return Played(slug, facilitator, alva, bo, expert, wall, juror, card, str(token))


def screens(played: Played, app: Starlette) -> dict[str, tuple[TestClient, str, int]]:
    """Return every screen: who fetches it, where, and the status it answers with."""
    slug = played.slug
    stranger = TestClient(app, headers={"accept-language": "sv-SE,sv;q=0.9"}, raise_server_exceptions=False)
    stranger.portal = played.facilitator.client.portal
    boss, alva = played.facilitator.client, played.alva.client
    return {
        "join page": (stranger, "/", 200),
        "participant's board": (alva, f"/r/{slug}", 200),
        "card panel": (alva, f"/r/{slug}/cards/{played.card}", 200),
        "profile": (alva, f"/r/{slug}/profile", 200),
        "participant's review": (alva, f"/r/{slug}/review", 200),
        "expert": (played.expert.client, f"/r/{slug}", 200),
        "control": (boss, f"/r/{slug}", 200),
        "wall": (played.wall.client, f"/r/{slug}", 200),
        "jury": (played.juror.client, f"/r/{slug}", 200),
        "jury setup": (boss, f"/r/{slug}/jury/setup", 200),
        "needs": (boss, f"/r/{slug}/needs", 200),
        "competence map": (boss, f"/r/{slug}/competences", 200),
        "suggested teams": (boss, f"/r/{slug}/teams/suggest", 200),
        "join sheet": (boss, f"/r/{slug}/sheet", 200),
        "review": (boss, f"/r/{slug}/review", 200),
        "replay": (boss, f"/r/{slug}/review/replay", 200),
        "report": (boss, f"/r/{slug}/review/report", 200),
        "intake closed": (stranger, f"/intake/{played.intake}", 410),
        "not found": (stranger, "/nowhere", 404),
        "not allowed": (alva, f"/r/{slug}/needs", 403),
    }


def _fails(error: Exception) -> Any:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise error

    return fail


def test_every_screen_speaks_swedish_only(
    app: Starlette, join: Join, db: Database, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    played = play(join, db, race)
    found: list[str] = []
    for name, (client, path, status) in screens(played, app).items():
        response = client.get(path)
        assert response.status_code == status, (name, response.status_code, response.text[:300])
        assert soup(response.text).html["lang"] == "sv", name
        found += problems(name, shown_text(soup(response.text)))
    # Joining without a name is refused in Swedish, the field named in Swedish too.
    stranger = TestClient(app, headers={"origin": ORIGIN, "accept-language": "sv"})
    stranger.portal = played.facilitator.client.portal
    nameless = stranger.post("/join", data={"code": race["codes"]["participant"], "name": " "})
    assert nameless.status_code == 422
    assert soup(nameless.text).select_one("[role=alert]").get_text(strip=True) == "Fyll i ditt namn."
    found += problems("join without a name", shown_text(soup(nameless.text)))
    # A form post from another site is refused with a page in Swedish too.
    forged = played.alva.client.post(
        f"/r/{played.slug}/cards",
        data={"title": "x", "column": "idea"},
        headers={"origin": "https://evil.example"},
    )
    assert forged.status_code == 403 and soup(forged.text).html["lang"] == "sv"
    found += problems("cross-site post", shown_text(soup(forged.text)))
    # A failure on the server, and a database that cannot take a write: pages in Swedish, not a stack trace.
    failing = TestClient(app, headers={"origin": ORIGIN}, raise_server_exceptions=False)
    failing.portal = played.facilitator.client.portal
    failing.cookies = played.alva.client.cookies
    with monkeypatch.context() as patch:
        patch.setattr(screens_module, "screen_context", _fails(RuntimeError("boom")))
        broken = failing.get(f"/r/{played.slug}")
    assert broken.status_code == 500 and soup(broken.text).html["lang"] == "sv"
    assert soup(broken.text).h1.get_text() == "Något gick fel"
    found += problems("server error", shown_text(soup(broken.text)))
    database_busy = OperationalError("INSERT", {}, Exception("database is locked"))
    with monkeypatch.context() as patch:
        patch.setattr(cards_service, "add", _fails(database_busy))
        busy = failing.post(f"/r/{played.slug}/cards", data={"title": "Idé", "column": "idea"})
    assert busy.status_code == 503 and soup(busy.text).html["lang"] == "sv"
    found += problems("database busy", shown_text(soup(busy.text)))
    assert not found, "\n".join(found)


def test_the_search_finds_english_and_code_words() -> None:
    text = shown_text(soup("<p>Fyll i name. Status: resolved · person.erased · vikt 2.0</p><p>Save</p>"))
    found = problems("sample", text)
    assert any("'resolved'" in problem for problem in found)
    assert any("'person.erased'" in problem for problem in found)
    assert any("'2.0'" in problem for problem in found)
    assert any("English 'Save'" in problem for problem in found)
    assert problems("sample", shown_text(soup("<p>Spara 4,04 · 12:30 · 2026-12-06</p>"))) == []
