"""Fan-out benchmark: latency from a post to the last screen, throughput, memory, reconnect storm.

Run `make bench` (or `python -m bench.fanout --sizes 100,500,1000`). It starts Kraftsamla and a bare Starlette
server on loopback, connects the same number of screens to each through their public interfaces, posts the
same load of cards to each, and prints the figures with the CPU each side used. Every loop is bounded in count
and time.
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
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx2 as httpx
import uvloop
from sqlalchemy.engine.url import make_url
from websockets.client import ClientProtocol
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.typing import Origin
from websockets.uri import parse_uri

from bench.poster import Poster, Window
from bench.server import ROOT, LocalServer, free_port
from live.collector import tune_collector

SEQ = re.compile(rb"^<!--seq (\d+)-->")
TIMEOUT = 120.0
# The largest frame a screen accepts. A browser has no such limit, and a facilitator's snapshot holds the
# roster, whose size grows with people times teams: about 1.4 MB at 500 screens (50 teams), 5 MB at 1,000.
MAX_FRAME = 64 << 20
# After a close frame is sent or answered, how long the client lets the server end the TCP connection first.
CLOSE_TIMEOUT_S = 2.0
# Opening screens: a fixed allowance plus this much per screen (each costs the server a snapshot render).
OPEN_BASE_S = 60.0
OPEN_PER_SCREEN_S = 0.25
PROGRESS_EVERY_S = 5.0
# Screens opened before the first measured batch: with roles_for's spread, participants, a wall and a
# facilitator (one of each kind costs the server its templates, threads and first renders once).
WARM_SCREENS = 10
# People posting cards at once, as fast as they can, in the sustained measure (each over its own connection).
POSTERS = 16


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
    wire: _Wire | None = None
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
        uri = parse_uri(self.url + (f"?since={since}" if since is not None else ""))
        protocol = ClientProtocol(uri, origin=Origin(self.origin), max_size=MAX_FRAME)
        request = protocol.connect()
        if self.cookie:
            request.headers["Cookie"] = self.cookie
        protocol.send_request(request)
        self.synced.clear()
        self.ended.clear()
        self.close_code, self.close_reason, self.close_sent = None, "", None
        loop = asyncio.get_running_loop()
        transport, wire = await loop.create_connection(lambda: _Wire(self, protocol), uri.host, uri.port)
        try:
            await asyncio.wait_for(wire.opened, TIMEOUT)
        except BaseException:
            transport.close()
            raise
        self.wire = wire

    def received(self, message: bytes, now: float) -> None:
        """Note a message: a frame with its seq, or the server's word that this screen is caught up."""
        match = SEQ.match(message)
        if match:
            self.frames += 1
            self.seq = max(self.seq, int(match.group(1)))
            if self.waiting_for is not None and self.seq >= self.waiting_for:
                self.arrived_at = now
                self.waiting_for = None
                Round.current.arrived()
        elif message.startswith(b'{"type": "synced"'):
            self.seq = max(self.seq, json.loads(message)["seq"])
            self.synced.set()
            Round.current.synced()

    def gone(self, protocol: ClientProtocol) -> None:
        """Note how the socket ended."""
        received, sent = protocol.close_rcvd, protocol.close_sent
        self.close_code = received.code if received is not None else CloseCode.ABNORMAL_CLOSURE
        self.close_reason = received.reason if received is not None else ""
        self.close_sent = sent.code if sent is not None else None
        self.ended.set()

    async def close(self) -> None:
        wire = self.wire
        if wire is None:
            return
        if wire.protocol.state is State.OPEN:
            wire.protocol.send_close()
            wire.flush()
        await asyncio.wait_for(asyncio.shield(wire.lost), TIMEOUT)


class _Wire(asyncio.Protocol):
    """A screen's socket, read straight from the event loop's callbacks.

    websockets' Sans-I/O protocol makes the opening handshake, answers pings, closes, and checks every frame
    but the common one: a whole, unmasked text frame from the server, which is read here from its two- to
    ten-byte header (RFC 6455, section 5.2) and handed to the screen without a task, a queue or a future.
    With a thousand sockets in one client process, the per-message machinery of a full client was most of
    what the client spent, and the latency it measured included that, for both servers alike.
    """

    def __init__(self, screen: Screen, protocol: ClientProtocol) -> None:
        self.screen = screen
        self.protocol = protocol
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.parts: list[bytes] = []
        # Bytes received and not yet handled (the handshake's until it is complete, then a partial frame), and
        # how many a partial frame needs: a large frame's chunks are joined once, when it is whole.
        self.pending: list[bytes] = []
        self.pending_size = 0
        self.needed = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.flush()

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        if self.pending:
            self.pending.append(data)
            self.pending_size += len(data)
            if self.pending_size < self.needed:
                return
            data = b"".join(self.pending)
            self.pending, self.pending_size, self.needed = [], 0, 0
        if self.protocol.state is State.CLOSING or self.protocol.state is State.CLOSED:
            self.feed(data, now)  # after a close: the protocol's to read (or discard)
            return
        if self.protocol.state is State.CONNECTING:
            head = data.find(b"\r\n\r\n") + 4
            if head < 4:
                self.keep(data, len(data) + 1)
                return
            if not data.startswith(b"HTTP/1.1 101 "):
                # A refusal: the protocol reads it whole (with its body) and says why.
                self.feed(data, now)
                return
            # Switching protocols: the frames after the head are read below.
            self.feed(data[:head], now)
            data = data[head:]
        self.frames(data, now)

    def keep(self, data: bytes, needed: int) -> None:
        """Keep the start of something incomplete until `needed` bytes of it have come."""
        if data:
            self.pending, self.pending_size, self.needed = [data], len(data), needed

    def frames(self, data: bytes, now: float) -> None:
        """Handle every whole frame in data; keep what is left of a partial one."""
        while len(data) >= 2:
            first, second = data[0], data[1]
            length, start = second & 0x7F, 2
            if length == 126:
                length, start = int.from_bytes(data[2:4]), 4
            elif length == 127:
                length, start = int.from_bytes(data[2:10]), 10
            if len(data) < start:
                self.keep(data, start)
                return
            if second & 0x80 or length > MAX_FRAME:
                # What the protocol must refuse (a masked frame, one over the size limit): it reads the
                # header and fails the connection (1002, 1009).
                self.feed(data, now)
                return
            end = start + length
            if len(data) < end:
                self.keep(data, end)
                return
            if first == 0x81:  # FIN and text, nothing reserved
                self.screen.received(data[start:end], now)
            else:  # pings, closes, fragments: the protocol's to read
                self.feed(data[:end], now)
            data = data[end:]
        self.keep(data, 2)

    def feed(self, data: bytes, now: float) -> None:
        """Let the protocol read data: the handshake's response, control frames, fragments, errors."""
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                if self.protocol.handshake_exc is not None:
                    self.settle(self.protocol.handshake_exc)
                else:
                    self.settle(None)
            elif isinstance(event, Frame) and (
                event.opcode is Opcode.TEXT or (event.opcode is Opcode.CONT and self.parts)
            ):
                self.parts.append(bytes(event.data))
                if event.fin:
                    message = b"".join(self.parts)
                    self.parts = []
                    self.screen.received(message, now)
        self.flush()

    def eof_received(self) -> bool | None:
        self.protocol.receive_eof()
        self.flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.settle(exc or ConnectionError("closed during the opening handshake"))
        if not self.lost.done():
            self.lost.set_result(None)
        self.screen.gone(self.protocol)

    def flush(self) -> None:
        assert self.transport is not None
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)
            elif self.transport.can_write_eof():
                self.transport.write_eof()
        if self.protocol.close_expected():
            # What a client does after sending or answering a close: end the TCP connection.
            asyncio.get_running_loop().call_later(CLOSE_TIMEOUT_S, self.transport.close)

    def settle(self, exc: BaseException | None) -> None:
        if not self.opened.done():
            if exc is None:
                self.opened.set_result(None)
            else:
                self.opened.set_exception(exc)


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
        opened = sum(screen.wire is not None for screen in screens)
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
    elif (error := waiting.exception()) is not None:
        raise error
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
    """The baseline server in a subprocess, with Kraftsamla's uvicorn options; its cards go to `database`."""

    def __init__(self, database: Path | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.database = database
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        options = ["--ws", "websockets-sansio", "--ws-per-message-deflate", "false", "--ws-max-size", "65536"]
        command = [sys.executable, "-m", "uvicorn", "bench.bare:app", "--port", str(self.port), *options]
        command += ["--log-level", "warning"]
        env = dict(os.environ)
        if self.database is not None:
            env["BENCH_BARE_DATABASE"] = str(self.database)
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)
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

            # The bare server's cards go to a database of their own, in a folder removed at the end.
            bare_folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kraftsamla-bare-")))
            bare = BareServer(bare_folder / "bare.db")
            bare.start()
            # Posts to each server go over a connection kept open, as the facilitator's are: a new client per
            # post would count its set-up (several ms) in the bare server's latency.
            bare_control = httpx.AsyncClient(base_url=bare.base, timeout=TIMEOUT)
            screens: list[Screen] = []
            bare_screens: list[Screen] = []
            memory: dict[int, float] = {}
            paused = False
            try:

                async def add_screens(extra: int, size: int) -> float:
                    """Open `extra` more screens and as many bare ones; return the servers' KiB per screen."""
                    # Teams of about ten at every size: N screens work in the race's first N / 10 teams (the
                    # race has teams enough for the largest size; the others have nobody on a screen yet).
                    in_teams = team_ids[: max(2, size // 10)]
                    people = await join_people(base, race, roles_for(extra, in_teams, len(screens)))
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
                        "memory_kb_per_connection": await add_screens(count, min(sizes)),
                    }
                    cost = results["warm_up"]["memory_kb_per_connection"]
                    line = (
                        f"warm-up: {count} screens (participants, a wall, a facilitator), {cost:.1f} KiB/conn"
                    )
                    print(line + " (one-off, not in the figures below)", flush=True)
                for size in sizes:
                    memory[size] = await add_screens(size - len(screens), size)

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
                            await bare_control.post("/broadcast", params={"seq": seq, "size": frame_size})

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

                # The same posting load on each server, one after the other, with every screen still open.
                pids = [member.pid for member in cluster]
                sus = await sustained(base, race, team_ids, sustain_seconds, server, database_url, pids)
                bare_sus = await sustained_bare(bare, sustain_seconds)
                results["sustained"], results["sustained_bare"] = sus, bare_sus
                results["sustained_ratio"] = {
                    "per_second": round(sus["per_second"] / bare_sus["per_second"], 3),
                    "ack_p99": round(sus["ack_p99_ms"] / bare_sus["ack_p99_ms"], 2),
                }
                for line in sustained_lines(len(screens), sustain_seconds, sus, bare_sus):
                    print(line, flush=True)
            finally:
                for screen in bare_screens:
                    await screen.close()
                await bare_control.aclose()
                bare.stop()

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
    pids: list[int],
) -> dict[str, Any]:
    """Post cards from many participants at once for a while; count what was acknowledged and stored."""
    roles: list[tuple[str, int | None]] = [
        ("participant", team_ids[i % len(team_ids)]) for i in range(POSTERS)
    ]
    posters = await join_people(base, race, roles)
    headers = [{"Origin": base, "Cookie": person.cookie, "HX-Request": "true"} for person in posters]
    figures = await post_steadily(base, f"/r/{race['slug']}/cards", headers, seconds, pids)
    query = "SELECT count(*) FROM card WHERE title LIKE 'Idé %'"
    if database_url:
        import psycopg

        dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn) as conn:
            row = conn.execute(query).fetchone()
            assert row is not None
            stored = row[0]
    else:
        with sqlite3.connect(f"file:{server.data_dir / 'k.db'}?mode=ro", uri=True) as db:
            stored = db.execute(query).fetchone()[0]
    return figures | {"in_database": stored}


async def sustained_bare(bare: BareServer, seconds: float) -> dict[str, Any]:
    """Post the same load of cards to the bare server; count what was acknowledged and stored."""
    assert bare.process is not None and bare.database is not None
    headers = [{"Origin": bare.base} for _ in range(POSTERS)]
    figures = await post_steadily(bare.base, "/cards", headers, seconds, [bare.process.pid])
    with sqlite3.connect(f"file:{bare.database}?mode=ro", uri=True) as db:
        stored = db.execute("SELECT count(*) FROM card WHERE title LIKE 'Idé %'").fetchone()[0]
    return figures | {"in_database": stored}


async def post_steadily(
    base: str, path: str, headers: list[dict[str, str]], seconds: float, pids: list[int]
) -> dict[str, Any]:
    """Post cards over one lean connection per header set, each as fast as it is answered, for `seconds`.

    Returns the acknowledgements (201) per second and their latency, the answers that were not 201, and the
    CPU this process and the server processes `pids` used meanwhile (a 2-core machine runs both).
    """
    posters: list[Poster] = []
    latencies: list[float] = []
    refused: dict[int, int] = {}
    run_id = uuid.uuid4().hex[:6]

    async def post_loop(index: int, poster: Poster, deadline: float) -> None:
        number = 0
        while time.perf_counter() < deadline:
            number += 1
            form = {"title": f"Idé {index}-{number}", "column": "idea", "key": f"{run_id}-{index}-{number}"}
            started = time.perf_counter()
            answer = await poster.post(path, form)
            if answer.status == 201:
                latencies.append(time.perf_counter() - started)
            else:
                refused[answer.status] = refused.get(answer.status, 0) + 1

    try:
        for each in headers:
            posters.append(await Poster.connect(base, each))
        with Window(pids) as window:
            deadline = time.perf_counter() + seconds
            async with asyncio.TaskGroup() as group:
                for index, poster in enumerate(posters):
                    group.create_task(post_loop(index, poster, deadline))
    finally:
        for poster in posters:
            poster.close()
    usage = window.usage
    ms = [x * 1000 for x in latencies]
    posts = len(latencies) + sum(refused.values())
    return {
        "posters": len(posters),
        "seconds": round(usage.seconds, 2),
        "acknowledged": len(latencies),
        "refused": {str(status): count for status, count in sorted(refused.items())},
        "per_second": len(latencies) / usage.seconds,
        "ack_p50_ms": percentile(ms, 50),
        "ack_p99_ms": percentile(ms, 99),
        "server_cores": round(usage.server_cores, 3),
        "client_cores": round(usage.client_cores, 3),
        "server_cpu_ms_per_post": round(1000 * usage.server_cpu_s / max(1, posts), 3),
        "client_cpu_ms_per_post": round(1000 * usage.client_cpu_s / max(1, posts), 3),
    }


def sustained_lines(screens: int, seconds: float, sus: dict[str, Any], bare: dict[str, Any]) -> list[str]:
    """Say both servers' sustained figures, their ratio, and who used the CPU."""

    def rate(figures: dict[str, Any]) -> str:
        text = f"{figures['per_second']:5.0f}/s  ack p50 {figures['ack_p50_ms']:6.1f}  "
        return text + f"p99 {figures['ack_p99_ms']:6.1f} ms"

    def cpu(figures: dict[str, Any]) -> str:
        text = (
            f"server {figures['server_cores']:.2f} cores ({figures['server_cpu_ms_per_post']:.2f} ms/post), "
        )
        return (
            text + f"client {figures['client_cores']:.2f} ({figures['client_cpu_ms_per_post']:.2f} ms/post)"
        )

    ratio_rate = sus["per_second"] / bare["per_second"]
    ratio_p99 = sus["ack_p99_ms"] / bare["ack_p99_ms"]
    head = f"sustained, {sus['posters']} posters for {seconds:.0f} s with {screens} screens open: "
    lines = [
        head + f"kraftsamla {rate(sus)}   bare {rate(bare)}   "
        f"ratio {ratio_rate:.3f} (rate), {ratio_p99:.2f} (ack p99)",
        f"  cpu used meanwhile (client: this process, posters and screens):  kraftsamla {cpu(sus)}   "
        f"bare {cpu(bare)}",
    ]
    for name, figures in (("kraftsamla", sus), ("bare", bare)):
        line = f"  {name}: {figures['per_second']:.0f} durable contributions/s, {figures['acknowledged']} "
        line += f"acknowledged, {figures['in_database']} in the database"
        if figures["refused"]:
            line += f", answers not 201: {figures['refused']}"
        lines.append(line)
    return lines


async def reconnect_storm(cluster: list[LocalServer], screens: list[Screen]) -> dict[str, float]:
    """Restart every process; every screen reconnects with its last seq; time until all are caught up."""
    Round.current = Round(len(screens))
    stopped = time.perf_counter()
    for member in cluster:
        await asyncio.to_thread(member.stop)
    for screen in screens:
        await screen.ended.wait()
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
    # uvloop, as uvicorn runs the servers: asyncio's own loop costs this client a fifth more per message.
    results = uvloop.run(
        run(sizes, args.rounds, args.sustain, not args.no_storm, args.postgres, args.processes, args.warm)
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print("goals: p99 <= 10 / 25 / 50 ms at 100 / 500 / 1000; ratio <= 1.5; >= 1000/s, ack p99 <= 100 ms;")
    print("       <= 40 KiB per connection; storm <= 3 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
