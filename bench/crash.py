"""Kill the server with SIGKILL while people post, restart it, again and again; then count what survived.

`python -m bench.crash [--cycles 10]`. Every post carries its own idempotency key and is retried with that
key until it is acknowledged (as the page does). At the end: every acknowledged card is in the database
exactly once, `PRAGMA integrity_check` says ok, and the phase clock kept its deadline through every crash.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import threading
import time
import uuid
from collections import Counter
from typing import Any

import httpx2 as httpx

from bench.server import LocalServer

DEADLINE = re.compile(r'data-deadline="(\d+)"')


def poster(
    base: str, slug: str, cookie: str, stop: threading.Event, acked: list[str], attempts: Counter[str]
) -> None:
    """Post cards until told to stop; retry each unacknowledged post with its key until it is acknowledged."""
    headers = {"origin": base, "cookie": cookie, "hx-request": "true"}
    with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
        while not stop.is_set():
            key = uuid.uuid4().hex
            while True:
                attempts[key] += 1
                try:
                    response = client.post(
                        f"/r/{slug}/cards", data={"title": key, "column": "idea", "key": key}
                    )
                    if response.status_code == 201:
                        acked.append(key)
                        break
                except httpx.TransportError:
                    pass  # the server is down or died mid-request: the outcome is unknown, retry the key
                if stop.is_set() and attempts[key] > 50:
                    return
                time.sleep(0.02)  # back off before retrying a failed post


def deadline_of(base: str, cookie: str, slug: str) -> str:
    page = httpx.get(f"{base}/r/{slug}", headers={"cookie": cookie}, timeout=10).text
    found = DEADLINE.search(page)
    assert found, "no running clock on the page"
    return found.group(1)


def run(cycles: int = 10, posters: int = 8, seconds: float = 1.5) -> dict[str, Any]:
    """Run the crash cycles and return the figures."""
    with LocalServer(env={"KRAFTSAMLA_RATE_LIMIT_PER_SECOND": "0"}) as server:
        race = server.create_race(name="Krasch", teams=posters)
        server.start()
        base, slug = server.base_url, race["slug"]
        cookies = []
        for index in range(posters + 1):
            with httpx.Client(base_url=base, headers={"origin": base}) as client:
                role = "facilitator" if index == posters else "participant"
                client.post("/join", data={"code": race["codes"][role], "name": f"P{index}"})
                cookie = f"kraftsamla={client.cookies['kraftsamla']}"
                if role == "participant":
                    client.post(f"/r/{slug}/team", data={"team": race["teams"][index]["id"]})
                else:
                    client.post(f"/r/{slug}/phases/{race['phases'][0]['id']}/start")
                cookies.append(cookie)
        deadline = deadline_of(base, cookies[-1], slug)
        stop = threading.Event()
        acked: list[str] = []
        attempts: Counter[str] = Counter()
        threads = [
            threading.Thread(target=poster, args=(base, slug, cookie, stop, acked, attempts))
            for cookie in cookies[:-1]
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        rates, deadlines_kept = [], True
        for _ in range(cycles):
            before, cycle_start = len(acked), time.perf_counter()
            stop.wait(seconds)  # people post for a while
            rates.append((len(acked) - before) / (time.perf_counter() - cycle_start))
            server.kill()  # SIGKILL: no shutdown, no flush beyond what SQLite already made durable
            server.start()
            deadlines_kept = deadlines_kept and deadline_of(base, cookies[-1], slug) == deadline
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.perf_counter() - started
        server.stop()
        with sqlite3.connect(server.data_dir / "k.db") as db:
            titles = Counter(title for (title,) in db.execute("SELECT title FROM card"))
            integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    lost = [key for key in acked if titles[key] == 0]
    twice = [key for key, count in titles.items() if count > 1]
    return {
        "cycles": cycles,
        "acknowledged": len(acked),
        "retried": sum(1 for count in attempts.values() if count > 1),
        "posts_per_second": len(acked) / elapsed,
        "posts_per_second_between_kills": sum(rates) / len(rates) if rates else 0.0,
        "lost": len(lost),
        "twice": len(twice),
        "integrity": integrity,
        "clock_kept": deadlines_kept,
    }


def main() -> int:
    """Run and print the figures; exit 1 if anything was lost, doubled or corrupt."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--posters", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=1.5, help="posting time between kills")
    args = parser.parse_args()
    figures = run(args.cycles, args.posters, args.seconds)
    for name, value in figures.items():
        print(f"{name:32s} {value:.1f}" if isinstance(value, float) else f"{name:32s} {value}")
    bad = figures["lost"] or figures["twice"] or figures["integrity"] != "ok" or not figures["clock_kept"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
