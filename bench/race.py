"""A race, not a loop: 300 people, 30 teams, their walls, facilitators and experts, at human rates and faster.

`python -m bench.race` (run by `make bench`) starts its own server (`kraftsamla serve`, SQLite in a
temporary folder, a free port), makes a race by `kraftsamla create-race --teams N --json`, and plays it
through the stable interface and the screens' forms alone (HTTP posts and the live WebSocket, no app
imports), segment by segment:

- kick-off: the walls, facilitators and experts open their screens; the first phase starts; the participants
  join from one address within JOIN_S seconds, each joining, loading the page, choosing a team, loading the
  page again and opening the live socket, as a browser does;
- writing: each participant posts CARDS_EACH cards within CARDS_S; then half of them comment on a team card;
- expert round: the phase that takes requests starts; one request per team; the experts claim each a moment
  after it shows in their queue and resolve it a while later;
- voting rush: the voting phase starts; each participant puts VOTES_EACH dots on their team's cards within
  VOTE_S, RUSH_SHARE of all dots in the same RUSH_S seconds.

Those durations are human time; `--speeds S` plays everything S times faster (S times the human rate). For
each action it measures the acknowledgement, and the time until the LAST screen that must show it has it (see
MUST_SHOW), and per segment the server's CPU (/proc) per action. Without `--speeds` it searches the HEADROOM:
the largest multiple of the human rate at which one process answers with acknowledgement p99 <= 100 ms and no
failure, doubling from 1x (halving if 1x fails), then bisecting, each step a fresh server and race. The
server is stopped by its pid at the end, also on error or Ctrl-C; `--timeout` bounds the whole run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import time
import uuid
from contextlib import suppress
from pathlib import Path
from typing import Any

import uvloop

from bench.fanout import machine, percentile
from bench.poster import Answer, Poster, cpu_seconds
from bench.racescreens import Action, Person, RaceScreen, cookies, must_show, now
from bench.server import LocalServer

# The human schedule, in seconds at 1x.
JOIN_S = 20.0
CARDS_S = 60.0
CARDS_EACH = 2
COMMENTS_S = 30.0
COMMENT_SHARE = 0.5
ASK_S = 10.0
CLAIM_AFTER_S = 3.0
RESOLVE_AFTER_S = 10.0
VOTE_S = 60.0
VOTES_EACH = 5
RUSH_SHARE = 0.8
RUSH_S = 10.0
RUSH_START_S = 25.0
# Phases of the default agenda: the first takes cards, "Need framing" requests, "Ideation" votes.
KICK_OFF, REQUESTS_PHASE, VOTING_PHASE = 0, 3, 4
# Which screens must show each kind of action, from the regions of docs/architecture.md.
MUST_SHOW = {
    "join": "the facilitators (roster)",
    "team": "the team's members (team)",
    "card": "the team's members (column), the facilitators (feed), the walls (new ideas)",
    "comment": "the team's members (the card)",
    "request": "the team's members (requests), the facilitators (queue), the experts (queue)",
    "claim": "the team's members (requests: who is on the way)",
    "resolve": "the team's members (requests: resolved)",
    "vote": "the team's members (the card's count)",
}
ACK_GOAL_MS = 100.0
# How long, after a segment's last answer, its frames may take to reach every screen.
SETTLE_S = 15.0
OPEN_S = 120.0
OPEN_TRIES = 5


class Race:
    """One race on one server at one speed: its people, screens and the actions they took."""

    def __init__(self, server: LocalServer, summary: dict[str, Any], speed: float, seed: int) -> None:
        self.server = server
        self.base = server.base_url
        self.slug = summary["slug"]
        self.codes = summary["codes"]
        self.teams = [team["id"] for team in summary["teams"]]
        self.phases = [phase["id"] for phase in summary["phases"]]
        self.speed = speed
        self.random = random.Random(seed)
        self.run = uuid.uuid4().int % 10_000
        self.tokens = 0
        self.people: list[Person] = []
        self.actions: list[Action] = []
        self.segments: dict[str, dict[str, float]] = {}
        self.failures: list[str] = []
        self.news = asyncio.Event()
        # Times a screen was opened again because it was closed or told to load again.
        self.reopened = 0
        self.watchers: list[asyncio.Future[None]] = []

    def token(self) -> str:
        self.tokens += 1
        return f"zq{self.run}x{self.tokens}q"

    def at(self, started: float, human_s: float) -> float:
        return started + human_s / self.speed

    def screens(self, role: str, team: int | None = None) -> list[RaceScreen]:
        return [
            p.screen
            for p in self.people
            if p.screen is not None and p.role == role and (team is None or p.team == team)
        ]

    async def request(self, person: Person, kind: str, path: str, form: dict[str, str] | None) -> Action:
        """Send one request as a person; note it as an action of `kind` with its answer."""
        assert person.poster is not None
        if person.poster.broken is not None:
            # The server closes a kept-alive connection idle for a few seconds; a browser opens another.
            headers = person.poster.headers
            await self.connect(person)
            person.poster.headers = headers
        action = Action(kind, now())
        try:
            answer = await self.send(person, path, form)
        except ConnectionError as error:
            self.failures.append(f"{kind}: {error}")
            self.actions.append(action)
            return action
        action.acked, action.status, action.answer = now(), answer.status, answer
        action.ok = answer.status < 400
        if not action.ok:
            self.failures.append(f"{kind} {path}: {answer.status} {answer.body[:200]!r}")
        self.actions.append(action)
        return action

    async def send(self, person: Person, path: str, form: dict[str, str] | None) -> Answer:
        """Send on the person's kept-alive connection; once more on a new one if the server just closed it.

        A browser does the same: a request written as the server closes an idle connection is reset before the
        server read it, so sending it again does not do it twice.
        """
        assert person.poster is not None
        poster = person.poster
        if poster.waiting is not None:
            # Busy (an expert's claim while another request's answer is due): a browser opens one more.
            extra = await Poster.connect(self.base)
            extra.headers = poster.headers
            try:
                return await (extra.get(path) if form is None else extra.post(path, form))
            finally:
                if extra.transport is not None:
                    extra.transport.close()
        try:
            return await (poster.get(path) if form is None else poster.post(path, form))
        except ConnectionError:
            if not poster.reused or poster.answered_now:
                raise
        headers = poster.headers
        await self.connect(person)
        assert person.poster is not None
        person.poster.headers = headers
        return await (person.poster.get(path) if form is None else person.poster.post(path, form))

    async def connect(self, person: Person) -> None:
        person.poster = await Poster.connect(self.base, {"Origin": self.base, "HX-Request": "true"})

    async def join(self, person: Person) -> None:
        """Join as a browser does: the form, then the page the answer points to."""
        await self.connect(person)
        assert person.poster is not None
        person.poster.headers = [h for h in person.poster.headers if h[0] != "HX-Request"]
        code = self.codes[person.role if person.role != "participant" else "participant"]
        joined = await self.request(person, "join", "/join", {"code": code, "name": person.name})
        joined.token = person.token.encode()
        must_show(joined, self.screens("facilitator"))
        got = cookies(joined.answer) if joined.answer is not None else {}
        if joined.status != 303 or "kraftsamla" not in got:
            raise RuntimeError(f"join answered {joined.status}")
        person.cookie = "; ".join(f"{k}={v}" for k, v in got.items())
        person.poster.headers.append(("Cookie", person.cookie))
        await self.request(person, "page", f"/r/{self.slug}", None)
        if person.team is not None:
            chosen = await self.request(person, "team", f"/r/{self.slug}/team", {"team": str(person.team)})
            chosen.token = person.token.encode()
            must_show(chosen, self.screens("participant", person.team))
            await self.request(person, "page", f"/r/{self.slug}", None)
        person.poster.headers.append(("HX-Request", "true"))
        await self.open_screen(person)

    async def open_screen(self, person: Person) -> None:
        """Open the person's screen and keep it open: a screen closed or told to load again opens again."""
        url = self.base.replace("http", "ws", 1) + f"/r/{self.slug}/live"
        screen = RaceScreen(url, person.cookie, self.base, person.role, person.team, self.news)
        person.screen = screen
        await self.keep_open(screen, first=True)
        self.watchers.append(asyncio.ensure_future(self.watch(screen)))

    async def keep_open(self, screen: RaceScreen, first: bool = False) -> None:
        """Open a screen (again, from its last seq, as live.js does) until it syncs and stays open."""
        for _ in range(OPEN_TRIES):
            if not first:
                self.reopened += 1
                await screen.close()
            first = False
            screen.reloaded.clear()
            await screen.open(since=screen.seq if screen.seq >= 0 else None)
            events = (screen.synced, screen.ended, screen.reloaded)
            waits = [asyncio.ensure_future(event.wait()) for event in events]
            await asyncio.wait(waits, timeout=OPEN_S, return_when=asyncio.FIRST_COMPLETED)
            for wait in waits:
                wait.cancel()
            if screen.synced.is_set() and not (screen.ended.is_set() or screen.reloaded.is_set()):
                return
        raise RuntimeError(f"a {screen.role}'s screen did not stay open in {OPEN_TRIES} tries")

    async def watch(self, screen: RaceScreen) -> None:
        """Open a screen again whenever it is closed or told to load again, until the race is over."""
        while True:
            events = (screen.ended, screen.reloaded)
            waits = [asyncio.ensure_future(event.wait()) for event in events]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in waits:
                    wait.cancel()
            # A team choice's frame rendered after the socket opened closes the chooser's screens too.
            try:
                await self.keep_open(screen)
            except (RuntimeError, OSError) as error:
                self.failures.append(f"screen: {error}")
                return

    async def segment(self, name: str, plays: list[Any]) -> None:
        """Play a segment's coroutines, let its frames settle, and note its time and the server's CPU."""
        first = len(self.actions)
        cpu = cpu_seconds(self.server.pid)
        started = now()
        await asyncio.gather(*plays)
        answered = now()
        pending = self.actions[first:]

        def settled() -> bool:
            pending[:] = [action for action in pending if not shown(action)]
            return not pending

        await self.until(settled, SETTLE_S)
        self.segments[name] = {
            "seconds": round(answered - started, 2),
            "actions": len(self.actions) - first,
            "server_cpu_s": cpu_seconds(self.server.pid) - cpu,
        }

    async def until(self, done: Any, limit_s: float) -> bool:
        """Wait until done() is true, looking again at each frame any screen receives; False after limit_s."""
        deadline = now() + limit_s
        while not done():
            self.news.clear()
            try:
                await asyncio.wait_for(self.news.wait(), deadline - now())
            except TimeoutError:
                return bool(done())
        return True

    async def start_phase(self, facilitator: Person, index: int) -> None:
        path = f"/r/{self.slug}/phases/{self.phases[index]}/start"
        await self.request(facilitator, "phase", path, {})

    async def play(self, teams: int, per_team: int, walls: int, facilitators: int, experts: int) -> None:
        """Play the whole race."""
        staff = [
            *(Person(self.token(), "wall") for _ in range(walls)),
            *(Person(self.token(), "facilitator") for _ in range(facilitators)),
            *(Person(self.token(), "expert") for _ in range(experts)),
        ]
        self.people.extend(staff)
        await asyncio.gather(*(self.join(person) for person in staff))
        lead = next(p for p in staff if p.role == "facilitator")
        await self.start_phase(lead, KICK_OFF)
        # The staff's screens are set up before the room fills: not among the measured actions.
        self.actions.clear()
        crowd = [Person(self.token(), "participant", self.teams[i % teams]) for i in range(teams * per_team)]
        self.people.extend(crowd)
        await self.segment("kick-off", [self.later(JOIN_S, self.join, p) for p in crowd])
        await self.segment("cards", [self.write(p) for p in crowd])
        talkers = self.random.sample(crowd, max(1, int(len(crowd) * COMMENT_SHARE)))
        await self.segment("comments", [self.later(COMMENTS_S, self.comment, p) for p in talkers])
        await self.start_phase(lead, REQUESTS_PHASE)
        askers = [next(p for p in crowd if p.team == team) for team in self.teams[:teams]]
        helpers = [p for p in staff if p.role == "expert"]
        await self.segment(
            "expert round",
            [self.ask(p, helpers[i % len(helpers)]) for i, p in enumerate(askers)],
        )
        await self.start_phase(lead, VOTING_PHASE)
        await self.segment("voting rush", [self.vote(p) for p in crowd])

    async def later(self, within_s: float, play: Any, person: Person) -> None:
        """Play one person's action at a random moment within `within_s` human seconds."""
        started = now()
        await sleep_until(self.at(started, self.random.uniform(0, within_s)))
        await play(person)

    async def write(self, person: Person) -> None:
        started = now()
        moments = sorted(self.random.uniform(0, CARDS_S) for _ in range(CARDS_EACH))
        for moment in moments:
            await sleep_until(self.at(started, moment))
            token = self.token()
            form = {"title": f"Idé {token}", "body": "", "column": "idea", "key": uuid.uuid4().hex}
            action = await self.request(person, "card", f"/r/{self.slug}/cards", form)
            action.token = token.encode()
            team = self.screens("participant", person.team)
            must_show(action, [*team, *self.screens("facilitator"), *self.screens("wall")])

    async def comment(self, person: Person) -> None:
        assert person.screen is not None
        if not person.screen.cards:
            self.failures.append("comment: no card on the team's board")
            return
        card = self.random.choice(sorted(person.screen.cards))
        token = self.token()
        form = {"body": f"Bra, {token}", "key": uuid.uuid4().hex}
        action = await self.request(person, "comment", f"/r/{self.slug}/cards/{card}/comments", form)
        action.token = token.encode()
        must_show(action, self.screens("participant", person.team))

    async def ask(self, person: Person, expert: Person) -> None:
        """Call an expert; the expert claims it once it shows in their queue, and resolves it later."""
        started = now()
        await sleep_until(self.at(started, self.random.uniform(0, ASK_S)))
        token = self.token()
        form = {"question": f"Hur gör vi {token}?", "tag_more": "", "key": uuid.uuid4().hex}
        action = await self.request(person, "request", f"/r/{self.slug}/requests", form)
        action.token = token.encode()
        team = self.screens("participant", person.team)
        must_show(action, [*team, *self.screens("facilitator"), *self.screens("expert")])
        assert expert.screen is not None
        screen = expert.screen
        await self.until(lambda: token.encode() in screen.queued, SETTLE_S)
        request_id = expert.screen.queued.get(token.encode())
        if request_id is None:
            self.failures.append("claim: the request never showed in the expert's queue")
            return
        await asyncio.sleep(CLAIM_AFTER_S / self.speed)
        claimed = await self.request(expert, "claim", f"/r/{self.slug}/requests/{request_id}/claim", {})
        claimed.token = expert.token.encode()
        must_show(claimed, team)
        await asyncio.sleep(RESOLVE_AFTER_S / self.speed)
        path = f"/r/{self.slug}/requests/{request_id}/resolve"
        resolved = await self.request(expert, "resolve", path, {})
        resolved.token = f"resolved-{request_id}".encode()
        must_show(resolved, team)

    async def vote(self, person: Person) -> None:
        assert person.screen is not None
        started = now()
        moments = sorted(
            self.random.uniform(RUSH_START_S, RUSH_START_S + RUSH_S)
            if self.random.random() < RUSH_SHARE
            else self.random.uniform(0, VOTE_S)
            for _ in range(VOTES_EACH)
        )
        cards = sorted(person.screen.cards)
        self.random.shuffle(cards)
        for number, moment in enumerate(moments):
            if not cards:
                self.failures.append("vote: no card on the team's board")
                return
            await sleep_until(self.at(started, moment))
            card = cards[number % len(cards)]
            path = f"/r/{self.slug}/cards/{card}/votes"
            action = await self.request(person, "vote", path, {"key": uuid.uuid4().hex})
            count = vote_count(action.answer.body, card) if action.answer is not None else 0
            if count:
                action.vote = (card, count)
            must_show(action, self.screens("participant", person.team))

    async def close(self) -> None:
        for watcher in self.watchers:
            watcher.cancel()
        for person in self.people:
            if person.poster is not None:
                person.poster.close()
            if person.screen is not None:
                with suppress(Exception):
                    await person.screen.close()


def vote_count(body: bytes, card: int) -> int:
    """Return the count of votes a vote's answer shows on its card."""
    marker = f'<li id="card-{card}" class="card"'.encode()
    start = body.find(marker)
    found = body.find(b'data-votes="', start) if start >= 0 else -1
    if found < 0:
        return 0
    return int(body[found + 12 : body.find(b'"', found + 12)])


def shown(action: Action) -> bool:
    return all(action.shown_at(screen) is not None for screen in action.screens)


async def sleep_until(moment: float) -> None:
    delay = moment - now()
    if delay > 0:
        await asyncio.sleep(delay)


# The newest cards a list screen shows (app/screens/contexts.py: FEED_CARDS, WALL_CARDS): a card that came
# in together with that many newer ones in one frame never shows there, rightly.
LISTED = {"facilitator": 12, "wall": 8}


def _later_cards(cards: list[Action]) -> dict[int, list[bytes]]:
    """Return, per card action, the tokens of the cards acknowledged after it."""
    ordered = sorted((a for a in cards if a.ok and a.token is not None), key=lambda a: a.acked)
    return {id(a): [b.token for b in ordered[n + 1 :] if b.token is not None] for n, a in enumerate(ordered)}


def _pushed_out(screen: RaceScreen, later: list[bytes]) -> bool:
    """Return whether a list screen showed enough newer cards to have pushed an unseen one out."""
    listed = LISTED.get(screen.role)
    return listed is not None and sum(token in screen.seen for token in later) >= listed


def figures(race: Race, client_cpu_s: float, seconds: float) -> dict[str, Any]:
    """Sum up a played race: per kind the acknowledgement and the delivery to the last screen."""
    kinds: dict[str, Any] = {}
    for kind in [*MUST_SHOW, "page", "phase"]:
        done = [a for a in race.actions if a.kind == kind]
        if not done:
            continue
        acks = [1000 * (a.acked - a.sent) for a in done if a.ok]
        row: dict[str, Any] = {
            "count": len(done),
            "failed": sum(not a.ok for a in done),
            "ack_p50_ms": round(percentile(acks, 50), 1),
            "ack_p99_ms": round(percentile(acks, 99), 1),
        }
        if kind in MUST_SHOW:
            lasts, missing, passed, screens = [], 0, 0, 0
            later = _later_cards(done) if kind == "card" else {}
            for action in done:
                times = [action.shown_at(screen) for screen in action.screens]
                screens += len(times)
                for screen, at in zip(action.screens, times, strict=True):
                    if at is None and _pushed_out(screen, later.get(id(action), [])):
                        passed += 1
                    elif at is None:
                        missing += 1
                shown = [t for t in times if t is not None]
                if times and len(shown) == len(times):
                    lasts.append(1000 * (max(shown) - action.sent))
            row |= {
                "screens_per_action": round(screens / max(1, len(done)), 1),
                "last_screen_p50_ms": round(percentile(lasts, 50), 1),
                "last_screen_p99_ms": round(percentile(lasts, 99), 1),
                "not_shown": missing,
                "pushed_out": passed,
            }
        kinds[kind] = row
    acks = [1000 * (a.acked - a.sent) for a in race.actions if a.ok]
    segments = {
        name: {
            **seg,
            "server_cpu_ms_per_action": round(1000 * seg["server_cpu_s"] / max(1, seg["actions"]), 2),
            "server_cores": round(seg["server_cpu_s"] / max(seg["seconds"], 1e-6), 2),
        }
        for name, seg in race.segments.items()
    }
    ack_p99 = percentile(acks, 99)
    return {
        "speed": race.speed,
        "seconds": round(seconds, 1),
        "actions": len(race.actions),
        "ack_p99_ms": round(ack_p99, 1),
        "holds": ack_p99 <= ACK_GOAL_MS and not race.failures,
        "failures": race.failures[:10],
        "failure_count": len(race.failures),
        "kinds": kinds,
        "segments": segments,
        "screens_reopened": race.reopened,
        "client_cpu_s": round(client_cpu_s, 2),
        "server_pid": race.server.pid,
    }


async def one_race(args: argparse.Namespace, speed: float) -> dict[str, Any]:
    """Play one race at `speed` on a fresh server; stop the server by its pid whatever happens."""
    env = {"SECRET_KEY": uuid.uuid4().hex * 2}
    if args.no_rate_limit:
        env["KRAFTSAMLA_RATE_LIMIT_PER_SECOND"] = "0"
    with LocalServer(env=env) as server:
        summary = server.create_race("Kapplöpning", teams=args.teams, lang="sv")
        server.start()
        race = Race(server, summary, speed, args.seed)
        client = time.process_time()
        started = now()
        try:
            await race.play(args.teams, args.per_team, args.walls, args.facilitators, args.experts)
        finally:
            await race.close()
        result = figures(race, time.process_time() - client, now() - started)
        errors = server.errors()
        result["server_errors"] = len(errors)
        if errors:
            result["holds"] = False
            result["failures"].append(errors[0][:500])
    return result


async def search(args: argparse.Namespace) -> dict[str, Any]:
    """Play the race at each speed asked, or search the headroom: double from 1x, then bisect."""
    steps: list[dict[str, Any]] = []

    async def step(speed: float) -> bool:
        print(f"race at {speed:g}x the human rate ...", file=sys.stderr, flush=True)
        result = await one_race(args, speed)
        steps.append(result)
        print(table([result]), flush=True)
        if args.json:  # after each step, so an interrupted search keeps what it measured
            args.json.write_text(json.dumps({"steps": steps}, indent=2))
        return bool(result["holds"])

    if args.speeds:
        for speed in args.speeds:
            await step(speed)
        return {"steps": steps, "headroom": None}
    held, failed = 0.0, None
    speed = 1.0
    while speed <= args.max_speed and speed >= args.min_speed:
        if await step(speed):
            held = speed
            if failed is not None:
                break
            speed *= 2
        else:
            failed = speed
            if held:
                break
            speed /= 2
    for _ in range(args.bisect):
        if not held or failed is None or failed / held <= 1.2:
            break
        middle = round((held + failed) / 2, 2)
        if await step(middle):
            held = middle
        else:
            failed = middle
    return {"steps": steps, "headroom": held, "first_failed": failed}


def table(steps: list[dict[str, Any]]) -> str:
    """Say each step's figures as a table."""
    lines = []
    for result in steps:
        verdict = "holds" if result["holds"] else "does not hold"
        head = f"{result['speed']:g}x human rate: {result['actions']} actions in {result['seconds']} s, "
        lines.append(head + f"ack p99 {result['ack_p99_ms']} ms, {verdict}")
        lines.append(
            f"  {'kind':8} {'count':>6} {'failed':>6} {'ack p50':>8} {'ack p99':>8} "
            f"{'screens':>8} {'last p50':>9} {'last p99':>9} {'missing':>7} {'passed':>6}"
        )
        for kind, row in result["kinds"].items():
            line = f"  {kind:8} {row['count']:6d} {row['failed']:6d} {row['ack_p50_ms']:8.1f} "
            line += f"{row['ack_p99_ms']:8.1f}"
            if "last_screen_p99_ms" in row:
                line += f" {row['screens_per_action']:8.1f} {row['last_screen_p50_ms']:9.1f} "
                line += f"{row['last_screen_p99_ms']:9.1f} {row['not_shown']:7d} {row['pushed_out']:6d}"
            lines.append(line)
        for name, seg in result["segments"].items():
            lines.append(
                f"  segment {name:13} {seg['actions']:5d} actions in {seg['seconds']:6.1f} s, server "
                f"{seg['server_cores']:.2f} cores, {seg['server_cpu_ms_per_action']:.2f} ms CPU per action"
            )
        lines.append(
            f"  client CPU {result['client_cpu_s']} s; screens opened again "
            f"{result['screens_reopened']}; failures {result['failure_count']}"
        )
        lines.extend(f"    {failure}" for failure in result["failures"][:5])
    return "\n".join(lines)


def main() -> int:
    """Parse the options, play, print the table (and the JSON)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--teams", type=int, default=30)
    parser.add_argument("--per-team", type=int, default=10)
    parser.add_argument("--walls", type=int, default=30)
    parser.add_argument("--facilitators", type=int, default=30)
    parser.add_argument("--experts", type=int, default=3)
    parser.add_argument(
        "--speeds", type=lambda s: [float(x) for x in s.split(",")], help="play these multiples only"
    )
    parser.add_argument("--max-speed", type=float, default=64.0)
    parser.add_argument("--min-speed", type=float, default=0.125)
    parser.add_argument("--bisect", type=int, default=2, help="bisection steps after doubling")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument(
        "--no-rate-limit", action="store_true", help="turn the server's per-person post rate limit off"
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds for the whole run")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    async def bounded() -> dict[str, Any]:
        # SIGTERM (a `timeout` command, a CI runner) cancels the run as Ctrl-C does: the server is stopped.
        main_task = asyncio.current_task()
        assert main_task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
        async with asyncio.timeout(args.timeout):
            return await search(args)

    results = uvloop.run(bounded())
    results |= {"machine": machine(), "must_show": MUST_SHOW, "ack_goal_ms": ACK_GOAL_MS}
    if results.get("headroom") is not None:
        print(f"headroom: {results['headroom']:g}x the human rate (goal >= 10x)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
