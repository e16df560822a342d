"""Kill the server with SIGKILL while clients post at a steady rate, restart it; count what survived.

`python -m bench.crash [--cycles 10] [--rate 200] [--connections 64] [--seconds 2]`.

A ticker offers posts at a steady rate whatever the answers (an open loop: a slow server does not slow
the offer down); a pool of connections, each its own HTTP/1.1 keep-alive connection, sends them. Every post
carries its own idempotency key and is retried with that key until it is acknowledged (as the page does).
When every connection is busy the offers wait in a bounded backlog; an offer that finds it full is shed.

After every kill, before the restart, the SQLite file is read: every acknowledged card must be there exactly
once, and `PRAGMA integrity_check` must say ok. After the restart the phase clock must have kept its deadline.
The server's CPU time (from /proc) against the acknowledged posts says where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx

from bench.server import LocalServer, ServerError

DEADLINE = re.compile(r'data-deadline="(\d+)"')
RETRY_FIRST_S = 0.05
RETRY_MAX_S = 0.5
GIVE_UP_AFTER = 60  # attempts per key once the run is over (the outcome then stays unknown)
DRAIN_S = 30.0  # how long the run waits, at the end, for keys still being retried


@dataclass
class Load:
    """What the clients offered, sent and had acknowledged."""

    offered: int = 0
    shed: int = 0
    sent: int = 0
    acked: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    attempts: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)


async def ticker(rate: float, backlog: asyncio.Queue[str | None], load: Load, stop: asyncio.Event) -> None:
    """Offer one post every 1/rate seconds until told to stop."""
    loop = asyncio.get_running_loop()
    interval = 1.0 / rate
    next_at = loop.time()
    while not stop.is_set():
        load.offered += 1
        try:
            backlog.put_nowait(uuid.uuid4().hex)
        except asyncio.QueueFull:
            load.shed += 1
        next_at += interval
        now = loop.time()
        if next_at < now - 1.0:
            next_at = now  # the loop stalled for a second: do not burst to make up for it
        if next_at > now:
            await asyncio.sleep(next_at - now)


async def poster(
    base: str,
    slug: str,
    cookie: str,
    backlog: asyncio.Queue[str | None],
    load: Load,
    stop: asyncio.Event,
    ready: asyncio.Barrier,
) -> None:
    """Take offered posts off the backlog and send each until acknowledged, on one connection of its own."""
    headers = {"origin": base, "hx-request": "true"}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, cookies={"kraftsamla": cookie}, timeout=10, limits=limits
    ) as client:
        await ready.wait()  # every connection is set up before the offer starts
        while True:
            key = await backlog.get()
            if key is None:
                return  # the run is over
            first = time.perf_counter()
            delay = RETRY_FIRST_S
            while True:
                load.attempts[key] += 1
                load.sent += 1
                try:
                    response = await client.post(
                        f"/r/{slug}/cards", data={"title": key, "column": "idea", "key": key}
                    )
                    load.answers[str(response.status_code)] += 1
                    if response.status_code == 201:
                        load.acked.append(key)
                        load.latencies.append(time.perf_counter() - first)
                        break
                except httpx.TransportError as error:
                    # The server is down or died mid-request: the outcome is unknown, so retry the same key.
                    load.answers[type(error).__name__] += 1
                if stop.is_set() and load.attempts[key] > GIVE_UP_AFTER:
                    break
                await asyncio.sleep(delay)
                delay = min(RETRY_MAX_S, delay * 2)


def start(server: LocalServer, attempts: int = 3) -> int:
    """Start the server again; on a loaded machine a start may pass the health check's limit, so try again."""
    for attempt in range(1, attempts + 1):
        try:
            server.start()
            return attempt
        except ServerError:
            if attempt == attempts:
                raise
    return attempts


def deadline_of(base: str, cookie: str, slug: str) -> str:
    """Return the running phase's deadline as the facilitator's page shows it."""
    page = httpx.get(f"{base}/r/{slug}", cookies={"kraftsamla": cookie}, timeout=30).text
    found = DEADLINE.search(page)
    assert found, "no running clock on the page"
    return found.group(1)


def inspect(path: Path, acked: list[str]) -> dict[str, Any]:
    """Read the database of a dead server: what is stored, what acknowledged is missing or doubled."""
    with sqlite3.connect(path) as db:
        titles = Counter(title for (title,) in db.execute("SELECT title FROM card"))
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    return {
        "stored": sum(titles.values()),
        "missing": sum(1 for key in acked if titles[key] == 0),
        "doubled": sum(1 for count in titles.values() if count > 1),
        "integrity_check": integrity,
    }


def cpu_seconds(pid: int) -> float:
    """Return a process's user and system CPU time so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    """Return the value below which a share of the values lie (0 when there are none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def setup(server: LocalServer, race: dict[str, Any], people: int) -> tuple[list[str], str]:
    """Join participants (one per team) and a facilitator who starts the clock; return their cookies."""
    base, slug = server.base_url, race["slug"]
    cookies = []
    for index in range(people + 1):
        with httpx.Client(base_url=base, headers={"origin": base}) as client:
            role = "facilitator" if index == people else "participant"
            client.post("/join", data={"code": race["codes"][role], "name": f"P{index}"})
            if role == "participant":
                client.post(f"/r/{slug}/team", data={"team": race["teams"][index]["id"]})
            else:
                client.post(f"/r/{slug}/phases/{race['phases'][0]['id']}/start")
            cookies.append(client.cookies["kraftsamla"])
    return cookies[:-1], cookies[-1]


async def crash_cycles(
    server: LocalServer, race: dict[str, Any], args: argparse.Namespace, report: bool
) -> dict[str, Any]:
    """Post at the offered rate; kill, check and restart the server `cycles` times; return the figures."""
    base, slug = server.base_url, race["slug"]
    people, facilitator = await asyncio.to_thread(setup, server, race, args.people)
    deadline = await asyncio.to_thread(deadline_of, base, facilitator, slug)
    load, stop = Load(), asyncio.Event()
    backlog: asyncio.Queue[str | None] = asyncio.Queue(maxsize=max(1, int(args.rate * args.backlog)))
    ready = asyncio.Barrier(args.connections + 1)
    posters = [
        asyncio.create_task(poster(base, slug, people[index % len(people)], backlog, load, stop, ready))
        for index in range(args.connections)
    ]
    await ready.wait()
    offering = asyncio.create_task(ticker(args.rate, backlog, load, stop))
    cycles: list[dict[str, Any]] = []
    started, client_cpu = time.perf_counter(), time.process_time()
    posting_time = server_cpu = 0.0
    try:
        for number in range(1, args.cycles + 1):
            offered, acked, cpu = load.offered, len(load.acked), cpu_seconds(server.pid)
            window = time.perf_counter()
            await asyncio.sleep(args.seconds)  # people post for a while
            window = time.perf_counter() - window
            burned = cpu_seconds(server.pid) - cpu
            posting_time, server_cpu = posting_time + window, server_cpu + burned
            cycle = {
                "cycle": number,
                "offered_per_s": (load.offered - offered) / window,
                "acked_per_s": (len(load.acked) - acked) / window,
                "server_cpu_share": burned / window,
                "acked_in_window": len(load.acked) - acked,
                "load_average": os.getloadavg()[0],
            }
            # SIGKILL: no shutdown, no flush beyond what SQLite already made durable.
            await asyncio.to_thread(server.kill)
            cycle["acknowledged"] = len(load.acked)
            cycle.update(await asyncio.to_thread(inspect, server.data_dir / "k.db", list(load.acked)))
            cycle["start_attempts"] = await asyncio.to_thread(start, server)
            cycle["clock_resumed"] = await asyncio.to_thread(deadline_of, base, facilitator, slug) == deadline
            cycles.append(cycle)
            if report:
                print_cycle(cycle)
    finally:
        stop.set()
        offering.cancel()
        while not backlog.empty():
            backlog.get_nowait()  # offers not yet sent are dropped, never acknowledged: nothing to check
        for _ in posters:
            await backlog.put(None)
        # The posters finish the keys they still retry (the server is up again); then they stop.
        _, unfinished = await asyncio.wait(posters, timeout=DRAIN_S)
        for task in [*unfinished, offering]:
            task.cancel()
        await asyncio.gather(*posters, offering, return_exceptions=True)
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu
    await asyncio.to_thread(server.stop)
    final = await asyncio.to_thread(inspect, server.data_dir / "k.db", list(load.acked))
    acked = len(load.acked)
    return {
        "cycles": cycles,
        "connections": args.connections,
        "offered_per_s": load.offered / elapsed,
        "offered_per_s_between_kills": sum(c["offered_per_s"] for c in cycles) / max(1, len(cycles)),
        "acked_per_s": acked / elapsed,
        "acked_per_s_between_kills": sum(c["acked_per_s"] for c in cycles) / max(1, len(cycles)),
        "offered": load.offered,
        "shed": load.shed,
        "sent": load.sent,
        "acknowledged": acked,
        "retried": sum(1 for count in load.attempts.values() if count > 1),
        "answers": dict(load.answers),
        "latency_p50_ms": 1000 * percentile(load.latencies, 0.5),
        "latency_p99_ms": 1000 * percentile(load.latencies, 0.99),
        "server_cpu_ms_per_ack": 1000 * server_cpu / max(1, sum(c["acked_in_window"] for c in cycles)),
        "server_cpu_share": server_cpu / max(posting_time, 1e-9),
        "client_cpu_share": client_cpu / elapsed,
        **{name: final[name] for name in ("stored", "missing", "doubled", "integrity_check")},
        "lost": final["missing"] + sum(c["missing"] for c in cycles),
        "twice": final["doubled"],
        "integrity": final["integrity_check"],
        "clock_kept": all(c["clock_resumed"] for c in cycles),
    }


def run(
    cycles: int = 10,
    rate: float = 200.0,
    connections: int = 64,
    seconds: float = 2.0,
    people: int = 8,
    backlog: float = 2.0,
    report: bool = False,
) -> dict[str, Any]:
    """Run the crash cycles against a fresh SQLite server and return the figures."""
    args = argparse.Namespace(
        cycles=cycles, rate=rate, connections=connections, seconds=seconds, people=people, backlog=backlog
    )
    with LocalServer(env={"KRAFTSAMLA_RATE_LIMIT_PER_SECOND": "0"}) as server:
        race = server.create_race(name="Krasch", teams=people)
        server.start()
        return asyncio.run(crash_cycles(server, race, args, report))


def print_cycle(cycle: dict[str, Any]) -> None:
    """Print one cycle's line."""
    print(
        f"cycle {cycle['cycle']:2d}: offered {cycle['offered_per_s']:6.1f}/s"
        f"  acked {cycle['acked_per_s']:6.1f}/s"
        f"  server CPU {100 * cycle['server_cpu_share']:4.0f}%  load {cycle['load_average']:4.1f}"
        f"  acknowledged {cycle['acknowledged']:6d}"
        f"  stored {cycle['stored']:6d}  missing {cycle['missing']}  doubled {cycle['doubled']}"
        f"  integrity_check {cycle['integrity_check']}  clock resumed {cycle['clock_resumed']}"
        f"  starts {cycle['start_attempts']}",
        flush=True,
    )


def main() -> int:
    """Run and print the figures; exit 1 if anything was lost, doubled or corrupt."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--rate", type=float, default=200.0, help="posts offered per second")
    parser.add_argument("--connections", type=int, default=64, help="concurrent connections posting")
    parser.add_argument("--seconds", type=float, default=2.0, help="posting time between kills")
    parser.add_argument("--people", type=int, default=8, help="participants posting (one team each)")
    parser.add_argument("--backlog", type=float, default=2.0, help="seconds of offers that may wait")
    args = parser.parse_args()
    figures = run(
        args.cycles, args.rate, args.connections, args.seconds, args.people, args.backlog, report=True
    )
    for name, value in figures.items():
        if name == "cycles":
            continue
        print(f"{name:28s} {value:.2f}" if isinstance(value, float) else f"{name:28s} {value}")
    bad = figures["lost"] or figures["twice"] or figures["integrity"] != "ok" or not figures["clock_kept"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
