"""CPU time per operation, in-process: card posts, a phase change, a presence refresh.

Wall-clock latency on a shared machine says little; the CPU time a thread spends on one operation is steadier.
Builds a race in a temporary SQLite database (N teams, people in them, cards on their boards, a running phase)
and prints milliseconds of CPU per operation (the median of several runs). `--profile NAME` prints cProfile's
top entries for one operation. Bounded: each measure stops after `--seconds` of CPU. The collector is tuned as
in the server (`live/collector.py`): with Python's default young generation, collections fell inside the
measures.

`post.http` is a card post through the whole ASGI app (middleware, session, the viewer's look-up, the service
and the answer; not uvicorn's parsing nor the live render), in the process's CPU time, worker threads
included.

    python -m bench.profile                      # 100 teams
    python -m bench.profile --teams 100 --profile phase
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import json
import os
import pstats
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from pathlib import Path
from typing import Any

os.environ.setdefault("KRAFTSAMLA_DATA_DIR", tempfile.mkdtemp(prefix="kraftsamla-profile-"))
os.environ.setdefault("KRAFTSAMLA_RATE_LIMIT_PER_SECOND", "0")  # as in `make bench`

import anyio.to_thread
from itsdangerous import TimestampSigner
from starlette.types import ASGIApp, Message

from app import presence, settings
from app.db import Database
from app.main import create_app
from app.migrate import upgrade
from app.models import Card, Race
from app.routes.race import card_form_context
from app.screens import Audience, Renderer, cards_context
from app.services import cards, people, phases, races, teams
from app.services.people import Viewer
from app.templating import render
from live.collector import tune_collector


def post_scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    """Return the ASGI scope of a form post to `path` from a loopback client, as uvicorn makes it."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


class Race_:
    """The race under measure: its database, a participant per team, a facilitator and the audiences."""

    def __init__(self, db: Database, team_count: int, cards_per_team: int) -> None:
        self.db = db
        summary = races.create_race(db, "Profile", lang="en", teams=team_count)
        codes = summary["codes"]
        self.codes = codes
        self.team_ids = [team["id"] for team in summary["teams"]]
        self.slug = summary["slug"]
        self.participants: list[Viewer] = []
        self.tokens: list[str] = []
        for team in summary["teams"]:
            token, _ = people.join(db, codes["participant"], f"Member of {team['name']}")
            self.tokens.append(token)
            first = people.viewer(db, token)
            assert first is not None
            teams.choose(db, first, team["id"])
            viewer = people.viewer(db, token)
            assert viewer is not None
            self.participants.append(viewer)
        fac_token, _ = people.join(db, codes["facilitator"], "Facilitator")
        wall_token, _ = people.join(db, codes["wall"], "Wall")
        facilitator = people.viewer(db, fac_token)
        wall = people.viewer(db, wall_token)
        assert facilitator is not None and wall is not None
        self.facilitator = facilitator
        self.race_id = facilitator.race_id
        # Ideation: its board takes cards and votes, so the votes are measured in the same phase.
        self.phase_id = next(phase["id"] for phase in summary["phases"] if phase["name"] == "Ideation")
        phases.start(db, facilitator, self.phase_id)
        self.paused = False
        columns = ["need", "idea", "market"]
        for viewer in self.participants:
            for number in range(cards_per_team):
                self.post(viewer, column=columns[number % len(columns)])
        # Everyone is online: the facilitators' overview shows it.
        for viewer in [*self.participants, facilitator, wall]:
            presence.registry.arrive(self.race_id, viewer.person_id, object())
        self.audiences = frozenset(
            [Audience("participant", viewer.team_id or 0, "en").key for viewer in self.participants]
            + [Audience("facilitator", 0, "en").key, Audience("wall", 0, "en").key]
        )

    def seq(self) -> int:
        with self.db.read() as session:
            race = session.get(Race, self.race_id)
            assert race is not None
            return race.seq

    def post(self, viewer: Viewer, column: str = "idea") -> Card:
        return cards.add(
            self.db,
            viewer,
            title="A card title of some length",
            body="Some text " * 8,
            column=column,
            key=None,
        )

    def newest_card(self, viewer: Viewer) -> int:
        """Return the newest card of the viewer's team (the race's newest may be another team's)."""
        with self.db.read() as session:
            team = viewer.team_id or 0
            return cards.newest_by_team(session, self.race_id, [team])[team].card.id or 0

    def toggle_phase(self) -> None:
        if self.paused:
            phases.resume(self.db, self.facilitator, self.phase_id)
        else:
            phases.pause(self.db, self.facilitator, self.phase_id)
        self.paused = not self.paused


class Browser:
    """Posts forms to the ASGI app as a signed-in htmx page would, on an event loop of its own.

    The loop runs in a thread of its own under one long-lived task, as uvicorn's does: anyio keeps its worker
    threads for the life of the loop's first task, so a loop run once per request would start new worker
    threads for every request and charge the measure with their start. `inline` (for cProfile, with worker
    threads' work run inline) runs each request on the caller's thread instead.
    """

    def __init__(self, app: ASGIApp, token: str, *, inline: bool = False) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.inline = inline
        self._jobs: asyncio.Queue[tuple[Coroutine[Any, Any, Any], Future[Any]] | None] | None = None
        if not inline:
            ready = threading.Event()
            self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
            self._thread.start()
            ready.wait()
        # The session cookie as Starlette's SessionMiddleware signs it.
        data = base64.b64encode(json.dumps({"sid": token}).encode())
        cookie = TimestampSigner(settings.secret_key()).sign(data).decode()
        self.headers = [
            (b"host", b"testserver"),
            (b"origin", b"http://testserver"),
            (b"hx-request", b"true"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"cookie", f"kraftsamla={cookie}".encode()),
        ]

    def _serve(self, ready: threading.Event) -> None:
        async def serve() -> None:
            self._jobs = asyncio.Queue()
            ready.set()
            while (job := await self._jobs.get()) is not None:
                request, done = job
                try:
                    done.set_result(await request)  # in this task: it stays anyio's root task
                except Exception as error:  # handed to the caller
                    done.set_exception(error)

        self.loop.run_until_complete(serve())

    def _run(self, request: Coroutine[Any, Any, tuple[int, bytes]]) -> tuple[int, bytes]:
        if self.inline:
            return self.loop.run_until_complete(request)
        assert self._jobs is not None
        done: Future[tuple[int, bytes]] = Future()
        self.loop.call_soon_threadsafe(self._jobs.put_nowait, (request, done))
        return done.result(timeout=60)

    def close(self) -> None:
        """Stop the loop's thread."""
        if not self.inline and self._jobs is not None:
            self.loop.call_soon_threadsafe(self._jobs.put_nowait, None)
            self._thread.join(timeout=10)

    def post(self, path: str, form: dict[str, str]) -> tuple[int, bytes]:
        """Post a form; return the status and the body."""
        return self._run(self._post(path, form))

    def get(self, path: str) -> tuple[int, bytes]:
        """Load a page as the browser does (not htmx); return the status and the body."""
        headers = [
            (name, value) for name, value in self.headers if name not in (b"hx-request", b"content-type")
        ]
        return self._run(self._post(path, {}, {**post_scope(path, headers), "method": "GET"}))

    async def _post(
        self, path: str, form: dict[str, str], scope: dict[str, Any] | None = None
    ) -> tuple[int, bytes]:
        body = "&".join(f"{name}={value}" for name, value in form.items()).encode()
        if scope is None:
            scope = post_scope(path, [*self.headers, (b"content-length", str(len(body)).encode())])
        sent = False
        status = 0
        parts: list[bytes] = []

        async def receive() -> Message:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(parts)


def cpu_ms(
    step: Callable[[], Any], seconds: float, most: int, clock: Callable[[], float] = time.thread_time
) -> list[float]:
    """Run a step repeatedly; return the CPU milliseconds (of this thread, by default) of each run."""
    spent: list[float] = []
    total = 0.0
    while len(spent) < most and (total < seconds or len(spent) < 3):
        start = clock()
        step()
        took = (clock() - start) * 1000
        spent.append(took)
        total += took / 1000
    return spent


# Measured in the process's CPU time: they run in worker threads too.
PROCESS_CLOCK = frozenset({"post.http", "vote.http", "vote.fanout", "page.team"})


def measures(
    race: Race_, app: ASGIApp, renderer: Renderer, *, inline: bool = False
) -> dict[str, Callable[[], Any]]:
    """Return the operations, by name; each runs once per call (`inline`: see Browser)."""
    middle = len(race.participants) // 2
    viewer = race.participants[middle]
    browser = Browser(app, race.tokens[middle], inline=inline)
    posted = 0

    def post_service() -> None:
        race.post(viewer)

    def post_answer() -> None:
        # What the route does after the service: the form back and the new card (before: its whole column).
        context = card_form_context()
        context.update(cards_context(race.db, viewer, [race.newest_card(viewer)]))
        render("participant/_card_posted.html", **context)

    def post_http() -> None:
        nonlocal posted
        posted += 1
        form = {"title": "A+card+title+of+some+length", "body": "Some+text+" * 8, "column": "idea"}
        status, _ = browser.post(f"/r/{race.slug}/cards", {**form, "key": f"profile-{posted}"})
        assert status == 201, status

    def post_fanout() -> None:
        before = race.seq()
        race.post(viewer)
        renderer.changes(race.race_id, before, race.audiences)

    def post_fanout_render_only() -> None:
        # The render of one post for every audience present, without the post's own cost.
        renderer.changes(race.race_id, race.seq() - 1, race.audiences)

    voted = 0
    voted_card = race.newest_card(viewer)

    def vote_path() -> str:
        # Cast and withdraw in turn, so the voter's budget never runs out.
        nonlocal voted
        voted += 1
        card = voted_card
        return f"/r/{race.slug}/cards/{card}/votes" + ("" if voted % 2 else "/withdraw")

    def vote_http() -> None:
        status, _ = browser.post(vote_path(), {"key": f"profile-vote-{voted}"})
        assert status == 200, status

    def vote_fanout() -> None:
        before = race.seq()
        status, _ = browser.post(vote_path(), {"key": f"profile-vote-{voted}"})
        assert status == 200, status
        renderer.changes(race.race_id, before, race.audiences)

    newcomers = 0

    def kickoff_fanout() -> None:
        # A participant joins and chooses a team: two events, each rendered for the screens present.
        nonlocal newcomers
        newcomers += 1
        before = race.seq()
        token, _ = people.join(race.db, race.codes["participant"], f"Newcomer {newcomers}")
        renderer.changes(race.race_id, before, race.audiences)
        joined = people.viewer(race.db, token)
        assert joined is not None
        before = race.seq()
        teams.choose(race.db, joined, race.team_ids[newcomers % len(race.team_ids)])
        renderer.changes(race.race_id, before, race.audiences)

    def page_team() -> None:
        status, _ = browser.get(f"/r/{race.slug}")
        assert status == 200, status

    def phase() -> None:
        before = race.seq()
        race.toggle_phase()
        renderer.changes(race.race_id, before, race.audiences)

    def phase_render_only() -> None:
        renderer.changes(race.race_id, race.seq() - 1, race.audiences)

    def refresh() -> None:
        renderer.presence(race.race_id, race.audiences)

    def snapshot_participant() -> None:
        renderer.clear()  # the render is measured, not the caches that keep renders by seq
        renderer.snapshot(race.race_id, Audience("participant", viewer.team_id or 0, "en").key)

    def snapshot_facilitator() -> None:
        renderer.clear()
        renderer.snapshot(race.race_id, Audience("facilitator", 0, "en").key)

    def snapshot_facilitator_again() -> None:
        # Another facilitator's screen at the same seq (a reconnect storm); never kept, as it shows presence.
        renderer.snapshot(race.race_id, Audience("facilitator", 0, "en").key)

    return {
        "post.service": post_service,
        "post.answer": post_answer,
        "post.http": post_http,
        "post.fanout": post_fanout,
        "vote.http": vote_http,
        "vote.fanout": vote_fanout,
        "kickoff.fanout": kickoff_fanout,
        "page.team": page_team,
        "phase": phase,
        "refresh": refresh,
        "snapshot.team": snapshot_participant,
        "snapshot.fac": snapshot_facilitator,
        "snapshot.fac2": snapshot_facilitator_again,
        "_post.render": post_fanout_render_only,
        "_phase.render": phase_render_only,
    }


async def _inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    return func(*args)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=100)
    parser.add_argument("--cards", type=int, default=10, help="cards per team before measuring")
    parser.add_argument("--seconds", type=float, default=10.0, help="CPU seconds per measure at most")
    parser.add_argument("--runs", type=int, default=20, help="runs per measure (fewer if --seconds runs out)")
    parser.add_argument("--only", default="", help="comma-separated measure names")
    parser.add_argument("--profile", default="", help="print cProfile's top entries for this measure")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    folder = Path(os.environ["KRAFTSAMLA_DATA_DIR"])
    url = f"sqlite:///{folder / f'profile-{uuid.uuid4().hex[:8]}.db'}"
    upgrade(url)
    app = create_app(url)  # binds the routes the templates link to
    db: Database = app.state.db
    started = time.monotonic()
    race = Race_(db, args.teams, args.cards)
    print(f"set-up: {args.teams} teams, {args.cards} cards each, {time.monotonic() - started:.1f} s")
    tune_collector()
    ops = measures(race, app, app.state.renderer, inline=bool(args.profile))
    if args.profile:
        # cProfile sees one thread: the routes' work in worker threads runs inline, on this one.
        setattr(anyio.to_thread, "run_sync", _inline)  # noqa: B010 (a typed module attribute, replaced here)
        step = ops[args.profile]
        step()  # warm the template and statement caches
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            step()
        profiler.disable()
        print(f"cProfile, 5 runs of {args.profile}:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
        return 0
    wanted = [name for name in args.only.split(",") if name] or [
        name for name in ops if not name.startswith("_")
    ]
    print(f"{'operation':<16} {'median ms CPU':>14} {'min':>8} {'runs':>5}")
    for name in wanted:
        ops[name]()  # warm
        clock = time.process_time if name in PROCESS_CLOCK else time.thread_time
        spent = cpu_ms(ops[name], args.seconds, args.runs, clock)
        print(f"{name:<16} {statistics.median(spent):>14.1f} {min(spent):>8.1f} {len(spent):>5}")
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
