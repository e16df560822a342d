"""What the tests share: the default agenda's phases, joining and posting, frames, a fake socket, and
changes made between a socket's look and its attach. Test modules import from here and from conftest only."""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.websockets import WebSocketDisconnect

from app.db import Database
from app.models import Criterion, Event, ExpertRequest, Phase, Race, Team
from app.services import people, races, teams
from app.services.people import Viewer
from app.wiring import CLOSE_POLICY
from live import Connection
from tests.conftest import Join, LiveSession, Person, soup

# The default agenda's phases (app/services/races.py, DEFAULT_AGENDA), by what they open.
# `make test-fast` sets this: property tests try fewer examples there, and all of them in `make test`.
FAST = os.environ.get("KRAFTSAMLA_TESTS") == "fast"


def examples(full: int) -> int:
    """Return how many examples a property test tries: `full` in the whole suite, a fifth in the fast run."""
    return max(5, full // 5) if FAST else full


KICK_OFF = 0  # "Kick-off": the board; no expert requests, no voting
REQUESTS_PHASE = 3  # "Need framing": the board and expert requests
VOTING_PHASE = 4  # "Ideation": the board and the voting

SEQ = re.compile(r"^<!--seq (\d+)-->")


def seq_of(frame: str) -> int:
    """Return the seq a frame reflects."""
    match = SEQ.match(frame)
    assert match, frame[:80]
    return int(match.group(1))


def viewer_and_token(db: Database, code: str, name: str, team_id: int | None = None) -> tuple[Viewer, str]:
    """Join a race through the service (and a team), returning the viewer and its session token."""
    token, _ = people.join(db, code, name)
    viewer = people.viewer(db, token)
    assert viewer is not None
    if team_id is not None:
        teams.choose(db, viewer, team_id)
        viewer = people.viewer(db, token)
        assert viewer is not None
    return viewer, token


def race_seq(db: Database, token: str) -> int:
    """Return the seq of the race a session token belongs to."""
    viewer = people.viewer(db, token)
    assert viewer is not None
    return races.current_seqs(db, [viewer.race_id])[viewer.race_id]


def post_cards(person: Person, race: dict[str, Any], count: int, prefix: str = "Kort") -> None:
    """Post cards to the idea column through the stable interface."""
    for number in range(count):
        form = {"title": f"{prefix} {number}", "column": "idea", "key": f"{prefix}-{number}"}
        assert person.htmx(f"/r/{race['slug']}/cards", form).status_code == 201


def add_card(person: Person, slug: str, title: str = "Skruv", column: str = "idea") -> int:
    """Post a card through htmx; return its id from the answer."""
    response = person.htmx(f"/r/{slug}/cards", {"title": title, "body": "", "column": column, "key": ""})
    assert response.status_code == 201, response.text
    # The answer upserts the new card into its column.
    (card,) = soup(response.text).select(f'hx-partial[hx-target="#col-{column}-cards"] > li.card')
    return int(card["id"].removeprefix("card-"))


def start_named_phase(join: Join, race: dict[str, Any], db: Database, name: str) -> None:
    """Start the phase with this name as a facilitator."""
    with db.read() as session:
        phase = session.exec(select(Phase).where(Phase.name == name)).first()
    assert phase is not None
    assert join("facilitator", "Fia").post(f"/r/{race['slug']}/phases/{phase.id}/start").status_code == 303


def start_phase(join: Join, race: dict[str, Any], index: int) -> Person:
    """Start the agenda's phase at this index as a facilitator; return the facilitator."""
    facilitator = join("facilitator", "Fia")
    answer = facilitator.htmx(f"/r/{race['slug']}/phases/{race['phases'][index]['id']}/start")
    assert answer.status_code == 204, answer.text
    return facilitator


def lock(db: Database, team_id: int) -> None:
    """Lock a team's board as the facilitator's toggle does."""
    with db.write() as session:
        team = session.get(Team, team_id)
        assert team is not None
        team.board_locked = True
        session.add(team)


def event_count(db: Database) -> int:
    """Return how many events the log holds."""
    with db.read() as session:
        return len(session.exec(select(Event)).all())


def ask(person: Person, slug: str, question: str = "Hur dimensionerar vi lagret?", **fields: Any) -> Any:
    """Ask for an expert as a team member."""
    return person.htmx(f"/r/{slug}/requests", {"question": question, "key": "", **fields})


def act(person: Person, slug: str, request_id: int, action: str, **fields: Any) -> Any:
    """Act on an expert request (claim, resolve, ...)."""
    return person.htmx(f"/r/{slug}/requests/{request_id}/{action}", fields)


def only_request(db: Database) -> ExpertRequest:
    """Return the race's one expert request."""
    with db.read() as session:
        return session.exec(select(ExpertRequest)).one()


def play(join: Join, race: dict[str, Any]) -> dict[str, Any]:
    """Play a short race through the stable interface: a phase, cards from two teams."""
    slug = race["slug"]
    boss = join("facilitator", "Fia")
    alva = join("participant", "Alva", team=0)
    bo = join("participant", "Bo", team=1)
    assert boss.post(f"/r/{slug}/phases/{race['phases'][REQUESTS_PHASE]['id']}/start").status_code == 303
    for person, title, column in [
        (alva, "Fästen av trä", "idea"),
        (bo, "Offert-robot", "idea"),
        (alva, "Kunder vill återvinna", "need"),
    ]:
        response = person.htmx(
            f"/r/{slug}/cards", {"title": title, "body": "", "column": column, "key": title}
        )
        assert response.status_code == 201, response.text
    return {"boss": boss, "alva": alva, "bo": bo, "slug": slug}


def reload_arrives(socket: LiveSession) -> bool:
    """Read the socket until the server closes it so that the screen loads itself again (close 1008)."""
    try:
        while True:
            socket.receive_raw()
    except WebSocketDisconnect as closed:
        return closed.code == CLOSE_POLICY


class BetweenLookAndAttach:
    """Makes a change after a socket's look and before its attach, and waits until the hub rendered it.

    Set `change` (it gets the database and the socket's session token, and returns the race's seq after it);
    the next socket to look runs it once, in the thread that read the look.
    """

    def __init__(self, app: Starlette, monkeypatch: pytest.MonkeyPatch) -> None:
        self.change: Callable[[Database, str], int] | None = None
        hub = app.state.hub
        rendered: list[int] = []
        done = threading.Condition()
        renderer = app.state.renderer
        render, look = hub._render, renderer.viewer_and_seq

        async def noting(*args: Any) -> Any:
            result = await render(*args)
            with done:
                rendered.append(result[0])
                done.notify_all()
            return result

        def look_then_change(token: str, since: int | None) -> Any:
            looked = look(token, since)
            change, self.change = self.change, None
            if change is not None:
                seq = change(renderer.db, token)
                with done:
                    assert done.wait_for(lambda: bool(rendered) and rendered[-1] >= seq, timeout=30)
            return looked

        monkeypatch.setattr(hub, "_render", noting)
        monkeypatch.setattr(renderer, "viewer_and_seq", look_then_change)


class Outbox:
    """A fake socket: records what the writer sends and wakes waiters."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.arrived = asyncio.Event()
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()

    async def send(self, text: str) -> None:
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        self.sent.append(text)
        self.arrived.set()

    async def next(self) -> str:
        while not self.sent:
            self.arrived.clear()
            await self.arrived.wait()
        return self.sent.pop(0)


async def start_writer(conn: Connection) -> asyncio.Task[int | None]:
    """Start a connection's writer, as the live route does."""
    return asyncio.get_running_loop().create_task(conn.run_writer(send_timeout=5))


def agenda(db: Database, race: dict[str, Any]) -> list[Phase]:
    with db.read() as session:
        race_id = session.exec(select(Race.id).where(Race.slug == race["slug"])).one()
        query = select(Phase).where(Phase.race_id == race_id).order_by(col(Phase.position))
        return list(session.exec(query).all())


def jury_ids(db: Database, race: dict[str, Any]) -> dict[str, Any]:
    """Return the race id, its criteria ids in order and its team ids."""
    with db.read() as session:
        race_id = session.exec(select(Race.id).where(Race.slug == race["slug"])).one()
        criteria = session.exec(
            select(Criterion.id).where(Criterion.race_id == race_id).order_by(col(Criterion.position))
        ).all()
    return {"race": race_id, "criteria": list(criteria), "teams": [team["id"] for team in race["teams"]]}


def juror(join: Join, name: str = "Jan", company: str = "") -> Person:
    """Join as a juror and answer the company question."""
    person = join("jury", name)
    answer = person.post(f"/r/{person.slug}/jury/identity", {"company": company, "action": "save"})
    assert answer.status_code == 303, answer.text
    return person


def scores(values: list[int], key: str = "", comment: str = "", criteria: list[int] | None = None) -> dict:
    assert criteria is not None
    form = {f"c{criterion}": str(value) for criterion, value in zip(criteria, values, strict=True)}
    return {**form, "comment": comment, "key": key}


def set_budget(db: Database, name: str, budget: int) -> None:
    with db.write() as session:
        phase = session.exec(select(Phase).where(Phase.name == name)).one()
        phase.vote_budget = budget
        session.add(phase)


def vote(person: Person, slug: str, card_id: int, key: str = "") -> Any:
    return person.htmx(f"/r/{slug}/cards/{card_id}/votes", {"key": key})


def renders(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[str]:
    """Count the templates `module.render` renders from now on: return the list it appends each name to."""
    rendered: list[str] = []
    original = module.render

    def counting(template: str, **context: Any) -> str:
        rendered.append(template)
        return str(original(template, **context))

    monkeypatch.setattr(module, "render", counting)
    return rendered
