"""Fan-out benchmark: latency from a post to the last screen, throughput, memory, reconnect storm.

Run `make bench` (or `python -m bench.fanout --sizes 100,500,1000`). It starts Kraftsamla and a bare Starlette
broadcast server on loopback, connects the same number of screens to each through their public interfaces, and
prints the figures. Every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
from sqlalchemy.engine.url import make_url
from websockets.asyncio.client import ClientConnection, connect
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from bench.server import ROOT, LocalServer, free_port
from live.collector import tune_collector

SEQ = re.compile(r"^<!--seq (\d+)-->")
TIMEOUT = 120.0
# The largest frame a screen accepts. A browser has no such limit, and a facilitator's snapshot holds the
# roster, whose size grows with people times teams: about 1.4 MB at 500 screens (50 teams), 5 MB at 1,000.
MAX_FRAME = 64 << 20
# Opening screens: a fixed allowance plus this much per screen (each costs the server a snapshot render).
OPEN_BASE_S = 60.0
OPEN_PER_SCREEN_S = 0.25
PROGRESS_EVERY_S = 5.0
# Screens opened before the first measured batch: with roles_for's spread, participants, a wall and a
# facilitator (one of each kind costs the server its templates, threads and first renders once).
WARM_SCREENS = 10


class NotSynced(RuntimeError):
    """Some screens were not caught up: closed by the server, or still waiting when the time was up."""


def percentile(values: list[float], pct: float) -> float:
    """Return the pct-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def rss_kb(pid: int) -> int:
    """Return a process's resident memory in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@dataclass
class Screen:
    """One connected screen: it notes when each seq arrived."""

    url: str
    cookie: str | None
    origin: str
    seq: int = -1
    synced: asyncio.Event = field(default_factory=asyncio.Event)
    socket: ClientConnection | None = None
    task: asyncio.Task[None] | None = None
    waiting_for: int | None = None
    arrived_at: float = 0.0
    frames: int = 0
    # Set when the socket has ended (whoever closed it), with the close code and reason received.
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: int | None = None
    close_reason: str = ""
    # What this client sent when it failed the connection itself (1009: a message over max_size).
    close_sent: int | None = None

    async def open(self, since: int | None = None) -> None:
        headers = Headers({"cookie": self.cookie}) if self.cookie else None
        url = self.url + (f"?since={since}" if since is not None else "")
        self.socket = await connect(
            url,
            additional_headers=headers,
            origin=Origin(self.origin),
            compression=None,
            max_size=MAX_FRAME,
            open_timeout=TIMEOUT,
            ping_interval=None,
        )
        self.synced.clear()
        self.ended.clear()
        self.close_code, self.close_reason = None, ""
        self.task = asyncio.get_running_loop().create_task(self._read(self.socket))

    async def _read(self, socket: ClientConnection) -> None:
        try:
            async for message in socket:
                now = time.perf_counter()
                text = message if isinstance(message, str) else message.decode()
                match = SEQ.match(text)
                if match:
                    self.frames += 1
                    self.seq = max(self.seq, int(match.group(1)))
                    if self.waiting_for is not None and self.seq >= self.waiting_for:
                        self.arrived_at = now
                        self.waiting_for = None
                        Round.current.arrived()
                elif text.startswith('{"type": "synced"'):
                    self.seq = max(self.seq, json.loads(text)["seq"])
                    self.synced.set()
                    Round.current.synced()
        except ConnectionClosed:
            pass
        finally:
            self.close_code, self.close_reason = socket.close_code, socket.close_reason or ""
            sent = socket.protocol.close_sent
            self.close_sent = sent.code if sent is not None else None
            self.ended.set()

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self.task is not None:
            await self.task


class Round:
    """Counts arrivals for the round under way."""

    current: Round

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.count = 0
        self.synced_count = 0
        self.done = asyncio.Event()

    def arrived(self) -> None:
        self.count += 1
        if self.count >= self.expected:
            self.done.set()

    def synced(self) -> None:
        self.synced_count += 1
        if self.synced_count >= self.expected:
            self.done.set()


Round.current = Round(0)


async def broadcast_round(screens: list[Screen], target: int, post: Any) -> tuple[float, list[float]]:
    """Post once; return (seconds to the last screen, each screen's seconds)."""
    Round.current = Round(len(screens))
    for screen in screens:
        screen.waiting_for = target
    started = time.perf_counter()
    await post()
    await wait_round(screens, "a post")
    each = [screen.arrived_at - started for screen in screens]
    return max(each), each


async def wait_round(screens: list[Screen], what: str, limit_s: float = TIMEOUT) -> None:
    """Wait until every screen has what the round waits for; say which are missing and why if not."""
    try:
        await asyncio.wait_for(Round.current.done.wait(), limit_s)
    except TimeoutError:
        missing = [s for s in screens if s.waiting_for is not None or not s.synced.is_set()]
        message = f"after {what}, {len(missing)} of {len(screens)} screens had nothing within {limit_s:.0f} s"
        raise NotSynced(message + describe(missing, None)) from None


@dataclass
class Person:
    cookie: str
    role: str
    team: int | None


async def join_people(base: str, race: dict[str, Any], roles: list[tuple[str, int | None]]) -> list[Person]:
    """Join people through POST /join (and /team), eight at a time."""
    queue: asyncio.Queue[tuple[int, str, int | None]] = asyncio.Queue()
    for index, (role, team) in enumerate(roles):
        queue.put_nowait((index, role, team))
    people: list[Person | None] = [None] * len(roles)

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=base, headers={"origin": base}, timeout=TIMEOUT) as client:
            while not queue.empty():
                index, role, team = queue.get_nowait()
                client.cookies.clear()
                response = await client.post("/join", data={"code": race["codes"][role], "name": f"P{index}"})
                assert response.status_code == 303, response.text
                cookie = f"kraftsamla={response.cookies['kraftsamla']}"
                if team is not None:
                    chosen = await client.post(f"/r/{race['slug']}/team", data={"team": team})
                    assert chosen.status_code == 303
                people[index] = Person(cookie, role, team)

    await asyncio.gather(*(worker() for _ in range(8)))
    return [person for person in people if person is not None]


async def open_all(screens: list[Screen], server: LocalServer | None = None) -> None:
    """Open sockets fifty at a time and wait until each is caught up; say how far it got while it waits."""
    semaphore = asyncio.Semaphore(50)
    timeout = OPEN_BASE_S + OPEN_PER_SCREEN_S * len(screens)
    started = time.perf_counter()

    async def one(screen: Screen) -> None:
        async with semaphore:
            await screen.open()
            # Caught up, or closed: a closed screen is never caught up, so stop waiting for it.
            ended = asyncio.ensure_future(screen.ended.wait())
            synced = asyncio.ensure_future(screen.synced.wait())
            await asyncio.wait((ended, synced), return_when=asyncio.FIRST_COMPLETED)
            ended.cancel()
            synced.cancel()

    def report() -> None:
        opened = sum(screen.socket is not None for screen in screens)
        synced = sum(screen.synced.is_set() for screen in screens)
        line = f"  opening {len(screens)} screens: {opened} connected, {synced} caught up "
        print(line + f"after {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)

    waiting = asyncio.ensure_future(asyncio.gather(*(one(screen) for screen in screens)))
    deadline = started + timeout
    while not waiting.done() and time.perf_counter() < deadline:
        await asyncio.wait((waiting,), timeout=min(PROGRESS_EVERY_S, deadline - time.perf_counter()))
        if not waiting.done():
            report()
    if not waiting.done():
        waiting.cancel()
    elif waiting.exception() is not None:
        raise waiting.exception()  # type: ignore[misc]
    unsynced = [screen for screen in screens if not screen.synced.is_set()]
    if unsynced:
        message = f"{len(unsynced)} of {len(screens)} screens not caught up "
        message += f"{time.perf_counter() - started:.0f} s after the first opened (limit {timeout:.0f} s)"
        raise NotSynced(message + describe(unsynced, server))
    report()


def describe(screens: list[Screen], server: LocalServer | None) -> str:
    """Say why screens are missing: closed (with the codes), or open and waiting; and the server's errors."""
    closed = [screen for screen in screens if screen.ended.is_set()]
    codes = sorted({(s.close_code, s.close_reason, s.close_sent) for s in closed}, key=str)
    text = f": {len(closed)} closed (received code, reason, code this client sent: {codes}), "
    text += f"{len(screens) - len(closed)} open and waiting"
    if server is not None:
        errors = server.errors()
        text += f"; the server logged {len(errors)} errors"
        if errors:
            text += ", the first:\n" + errors[0]
    return text


def roles_for(count: int, team_ids: list[int], offset: int) -> list[tuple[str, int | None]]:
    """Spread screens like a room: mostly participants in teams, a few walls and facilitators."""
    roles: list[tuple[str, int | None]] = []
    for index in range(offset, offset + count):
        if index % 50 == 1:
            roles.append(("wall", None))
        elif index % 50 == 2:
            roles.append(("facilitator", None))
        else:
            roles.append(("participant", team_ids[index % len(team_ids)]))
    return roles


class BareServer:
    """The baseline server in a subprocess, with Kraftsamla's uvicorn options."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        options = ["--ws", "websockets-sansio", "--ws-per-message-deflate", "false", "--ws-max-size", "65536"]
        command = [sys.executable, "-m", "uvicorn", "bench.bare:app", "--port", str(self.port), *options]
        command += ["--log-level", "warning"]
        self.process = subprocess.Popen(command, cwd=ROOT)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)  # the port is not open yet
        raise TimeoutError("bare server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


def summary(values: list[float]) -> str:
    ms = [value * 1000 for value in values]
    return f"p50 {percentile(ms, 50):6.1f}  p95 {percentile(ms, 95):6.1f}  p99 {percentile(ms, 99):6.1f} ms"


async def run(
    sizes: list[int],
    rounds: int,
    sustain_seconds: float,
    storm: bool,
    database_url: str | None,
    processes: int,
    warm: int = 0,
) -> dict[str, Any]:
    """Run every measurement and return the figures."""
    results: dict[str, Any] = {"sizes": {}, "machine": machine(), "processes": processes}
    results["database"] = "postgresql" if database_url else "sqlite"
    largest = max(sizes)
    # The load comes from a few people posting as fast as they can: no per-person rate limit here.
    env = {"SECRET_KEY": uuid.uuid4().hex * 2, "KRAFTSAMLA_RATE_LIMIT_PER_SECOND": "0"}
    if database_url:
        env |= {"DATABASE_URL": database_url, "KRAFTSAMLA_BENCH_DATABASE_URL": database_url}
    with ExitStack() as stack:
        cluster = [stack.enter_context(LocalServer(env=env)) for _ in range(processes)]
        server = cluster[0]
        teams = max(2, largest // 10)
        race = server.create_race(name="Benchmark", teams=teams, lang="sv")
        for member in cluster:
            member.start()
        base, slug = server.base_url, race["slug"]
        # Screens are spread over the processes; every post goes to the first.
        team_ids = [team["id"] for team in race["teams"]]
        async with httpx.AsyncClient(base_url=base, headers={"origin": base}, timeout=TIMEOUT) as control:
            response = await control.post(
                "/join", data={"code": race["codes"]["facilitator"], "name": "Bench"}
            )
            assert response.status_code == 303
            phase = race["phases"][0]["id"]
            await control.post(f"/r/{slug}/phases/{phase}/start")

            bare = BareServer()
            bare.start()
            screens: list[Screen] = []
            bare_screens: list[Screen] = []
            memory: dict[int, float] = {}
            paused = False
            try:

                async def add_screens(extra: int) -> float:
                    """Open `extra` more screens and as many bare ones; return the servers' KiB per screen."""
                    people = await join_people(base, race, roles_for(extra, team_ids, len(screens)))
                    before = sum(rss_kb(member.pid) for member in cluster)
                    homes = [cluster[(len(screens) + i) % len(cluster)] for i in range(len(people))]
                    new = [
                        Screen(
                            home.base_url.replace("http", "ws", 1) + f"/r/{slug}/live",
                            person.cookie,
                            home.base_url,
                        )
                        for home, person in zip(homes, people, strict=True)
                    ]
                    await open_all(new, server)
                    screens.extend(new)
                    grown = (sum(rss_kb(member.pid) for member in cluster) - before) / max(1, extra)
                    new_bare = [
                        Screen(bare.base.replace("http", "ws", 1) + "/live", None, bare.base) for _ in new
                    ]
                    for screen in new_bare:
                        await screen.open()
                    bare_screens.extend(new_bare)
                    # This client's own collector pauses would count as latency, for both servers alike.
                    tune_collector()
                    return grown

                if warm:
                    # The first screens of each kind cost the server once, not per screen: templates compiled,
                    # worker threads started, the first renders' working memory. They count among the first
                    # size's screens; the figures per connection are measured over the screens after them.
                    count = min(warm, min(sizes) - 1)
                    results["warm_up"] = {
                        "screens": count,
                        "memory_kb_per_connection": await add_screens(count),
                    }
                    cost = results["warm_up"]["memory_kb_per_connection"]
                    line = (
                        f"warm-up: {count} screens (participants, a wall, a facilitator), {cost:.1f} KiB/conn"
                    )
                    print(line + " (one-off, not in the figures below)", flush=True)
                for size in sizes:
                    memory[size] = await add_screens(size - len(screens))

                    lasts: list[float] = []
                    frame_size = 0
                    for _ in range(rounds):
                        action = "resume" if paused else "pause"
                        paused = not paused
                        target = max(screen.seq for screen in screens) + 1

                        async def post(action: str = action) -> None:
                            answer = await control.post(f"/r/{slug}/phases/{phase}/{action}")
                            assert answer.status_code == 303, answer.text

                        last, _ = await broadcast_round(screens, target, post)
                        lasts.append(last)
                    frame_size = len(
                        (await control.get(f"/r/{slug}"))
                        .text.split('<section id="clock"')[1]
                        .split("</section>")[0]
                    )
                    bare_lasts: list[float] = []
                    for number in range(rounds):
                        seq = 10_000 + size * 1000 + number

                        async def post_bare(seq: int = seq, frame_size: int = frame_size) -> None:
                            async with httpx.AsyncClient(timeout=TIMEOUT) as client:
                                await client.post(
                                    f"{bare.base}/broadcast", params={"seq": seq, "size": frame_size}
                                )

                        last, _ = await broadcast_round(bare_screens, seq, post_bare)
                        bare_lasts.append(last)
                    ratio = percentile(lasts, 99) / percentile(bare_lasts, 99)
                    results["sizes"][size] = {
                        "kraftsamla_ms": [round(x * 1000, 2) for x in lasts],
                        "bare_ms": [round(x * 1000, 2) for x in bare_lasts],
                        "ratio_p99": round(ratio, 2),
                        "memory_kb_per_connection": round(memory[size], 1),
                        "frame_bytes": frame_size,
                    }
                    line = f"N={size:5d}  kraftsamla {summary(lasts)}   bare {summary(bare_lasts)}   "
                    line += f"ratio p99 {ratio:4.2f}   memory {memory[size]:5.1f} KiB/conn"
                    print(line, flush=True)
            finally:
                for screen in bare_screens:
                    await screen.close()
                bare.stop()

            results["sustained"] = await sustained(
                base, race, team_ids, sustain_seconds, server, database_url
            )
            sus = results["sustained"]
            print(f"sustained with {len(screens)} screens: {sus['per_second']:.0f} durable contributions/s, "
                  f"ack p50 {sus['ack_p50_ms']:.1f} p99 {sus['ack_p99_ms']:.1f} ms, "
                  f"{sus['acknowledged']} acknowledged, {sus['in_database']} in the database")  # fmt: skip

            if storm:
                results["storm"] = await reconnect_storm(cluster, screens)
                ready, stop = results["storm"]["after_ready_s"], results["storm"]["after_stop_s"]
                line = f"reconnect storm: {len(screens)} screens resynced {ready:.2f} s after the restarted "
                line += f"server answered ({stop:.2f} s after the stop)"
                print(line)
            for screen in screens:
                await screen.close()
    return results


async def sustained(
    base: str,
    race: dict[str, Any],
    team_ids: list[int],
    seconds: float,
    server: LocalServer,
    database_url: str | None,
) -> dict[str, Any]:
    """Post cards from many participants at once for a while; count what was acknowledged and stored."""
    posters = await join_people(base, race, [("participant", team_ids[i % len(team_ids)]) for i in range(16)])
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    run_id = uuid.uuid4().hex[:6]

    async def post_loop(index: int, person: Person) -> None:
        async with httpx.AsyncClient(
            base_url=base,
            headers={"origin": base, "cookie": person.cookie, "hx-request": "true"},
            timeout=TIMEOUT,
        ) as client:
            number = 0
            while time.perf_counter() < deadline:
                number += 1
                form = {
                    "title": f"Idé {index}-{number}",
                    "column": "idea",
                    "key": f"{run_id}-{index}-{number}",
                }
                started = time.perf_counter()
                response = await client.post(f"/r/{race['slug']}/cards", data=form)
                if response.status_code == 201:
                    latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(post_loop(index, person) for index, person in enumerate(posters)))
    elapsed = time.perf_counter() - started
    query = "SELECT count(*) FROM card WHERE title LIKE 'Idé %'"
    if database_url:
        import psycopg

        dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn) as conn:
            stored = conn.execute(query).fetchone()[0]  # type: ignore[index]
    else:
        with sqlite3.connect(f"file:{server.data_dir / 'k.db'}?mode=ro", uri=True) as db:
            stored = db.execute(query).fetchone()[0]
    ms = [x * 1000 for x in latencies]
    return {
        "acknowledged": len(latencies),
        "in_database": stored,
        "per_second": len(latencies) / elapsed,
        "ack_p50_ms": percentile(ms, 50),
        "ack_p99_ms": percentile(ms, 99),
    }


async def reconnect_storm(cluster: list[LocalServer], screens: list[Screen]) -> dict[str, float]:
    """Restart every process; every screen reconnects with its last seq; time until all are caught up."""
    Round.current = Round(len(screens))
    stopped = time.perf_counter()
    for member in cluster:
        await asyncio.to_thread(member.stop)
    for screen in screens:
        if screen.task is not None:
            await screen.task
    for member in cluster:
        await asyncio.to_thread(member.start)
    ready = time.perf_counter()

    async def reconnect(screen: Screen) -> None:
        for attempt in range(100):
            try:
                await screen.open(since=screen.seq)
                return
            except OSError:
                await asyncio.sleep(0.02 * (attempt + 1))

    await asyncio.gather(*(reconnect(screen) for screen in screens))
    await wait_round(screens, "the restart", OPEN_BASE_S + OPEN_PER_SCREEN_S * len(screens))
    done = time.perf_counter()
    return {"after_ready_s": done - ready, "after_stop_s": done - stopped}


def machine() -> dict[str, Any]:
    """Describe where the figures were measured."""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }


def main() -> int:
    """Parse arguments, run, print the figures and the goals."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,500,1000", help="screen counts, ascending")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--sustain", type=float, default=10.0, help="seconds of sustained posting")
    parser.add_argument("--no-storm", action="store_true")
    parser.add_argument(
        "--warm",
        type=int,
        default=WARM_SCREENS,
        help="screens opened before the first measured batch (one-off warm-up; 0: none)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--postgres", help="a PostgreSQL URL (an empty database) instead of SQLite")
    parser.add_argument(
        "--processes", type=int, default=1, help="server processes (more than one needs --postgres)"
    )
    args = parser.parse_args()
    if args.processes > 1 and not args.postgres:
        parser.error("several processes need --postgres")
    sizes = sorted(int(size) for size in args.sizes.split(","))
    results = asyncio.run(
        run(sizes, args.rounds, args.sustain, not args.no_storm, args.postgres, args.processes, args.warm)
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print("goals: p99 <= 10 / 25 / 50 ms at 100 / 500 / 1000; ratio <= 1.5; >= 1000/s, ack p99 <= 100 ms;")
    print("       <= 40 KiB per connection; storm <= 3 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
