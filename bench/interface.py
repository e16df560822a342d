"""Check the stable interface from outside: who receives which frames, escaping, idempotency.

Run `python -m bench.interface` (it starts its own server), or give `--base-url URL --race FILE.json` to check
a running one. It prints one line per check and exits non-zero when one fails.
"""

from __future__ import annotations

import argparse
import json
import ssl
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from bench.server import LocalServer

WAIT = 10.0  # seconds to wait for a frame that must come


@dataclass
class Screen:
    """One browser: a cookie jar and, once opened, its socket."""

    base_url: str
    slug: str
    http: httpx.Client
    socket: ClientConnection | None = None
    frames: list[str] = field(default_factory=list)
    verify: bool = True

    def __enter__(self) -> Screen:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    @property
    def origin(self) -> str:
        return self.base_url

    def post(self, path: str, data: dict[str, Any]) -> httpx.Response:
        return self.http.post(f"{self.base_url}{path}", data=data, headers={"origin": self.origin})

    @contextmanager
    def live(self) -> Iterator[Screen]:
        cookie = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        url = self.base_url.replace("http", "ws", 1) + f"/r/{self.slug}/live"
        tls = None
        if url.startswith("wss:") and not self.verify:
            tls = ssl.create_default_context()
            tls.check_hostname = False
            tls.verify_mode = ssl.CERT_NONE
        headers = {"cookie": cookie}
        with connect(url, origin=Origin(self.origin), additional_headers=headers, ssl=tls) as socket:
            self.socket = socket
            self.frames.append(str(socket.recv(timeout=WAIT)))  # the snapshot
            yield self

    def next_frame(self) -> str:
        assert self.socket is not None
        frame = str(self.socket.recv(timeout=WAIT))
        self.frames.append(frame)
        return frame

    def frame_with(self, text: str) -> str:
        """Wait for the frame that contains a text; fail if it does not come."""
        while True:
            frame = self.next_frame()
            if text in frame:
                return frame


def join(
    base_url: str, slug: str, code: str, name: str, team: int | None = None, *, verify: bool = True
) -> Screen:
    """Join with a code (and choose a team) like a browser would."""
    client = httpx.Client(follow_redirects=False, timeout=WAIT, verify=verify)
    screen = Screen(base_url, slug, client, verify=verify)
    response = screen.post("/join", {"code": code, "name": name})
    assert response.status_code == 303, f"join answered {response.status_code}"
    assert response.headers["location"].endswith(f"/r/{slug}")
    if team is not None:
        chosen = screen.post(f"/r/{slug}/team", {"team": team})
        assert chosen.status_code == 303, f"team choice answered {chosen.status_code}"
    return screen


def check(base_url: str, race: dict[str, Any], *, verify: bool = True) -> list[tuple[str, bool]]:
    """Run every check against a server and race; return (description, passed)."""
    slug, codes = race["slug"], race["codes"]
    team_a, team_b = race["teams"][0]["id"], race["teams"][1]["id"]
    results: list[tuple[str, bool]] = []
    with ExitStack() as stack:
        people = {
            "author": stack.enter_context(
                join(base_url, slug, codes["participant"], "Alva", team_a, verify=verify)
            ),
            "mate": stack.enter_context(
                join(base_url, slug, codes["participant"], "Bo", team_a, verify=verify)
            ),
            "other": stack.enter_context(
                join(base_url, slug, codes["participant"], "Cia", team_b, verify=verify)
            ),
            "facilitator": stack.enter_context(
                join(base_url, slug, codes["facilitator"], "Fia", verify=verify)
            ),
            "wall": stack.enter_context(join(base_url, slug, codes["wall"], "Vägg", verify=verify)),
        }
        bad = people["author"].http.post(
            f"{base_url}/join", data={"code": "NOT-A-CODE", "name": "X"}, headers={"origin": base_url}
        )
        results.append(("a wrong code is refused with 4xx", 400 <= bad.status_code < 500))
        marker = uuid.uuid4().hex[:8]
        title = f"<script>alert(1)</script>Idé {marker}"
        key = uuid.uuid4().hex
        for screen in people.values():
            stack.enter_context(screen.live())
        form = {"title": title, "body": "<img src=x onerror=alert(2)>", "column": "idea", "key": key}
        first = people["author"].post(f"/r/{slug}/cards", form)
        second = people["author"].post(f"/r/{slug}/cards", form)
        results.append(("a card post is acknowledged with 2xx or 303", first.status_code in (200, 201, 303)))
        escaped = title.replace("<", "&lt;").replace(">", "&gt;")
        for name in ("author", "mate", "facilitator", "wall"):
            frame = people[name].frame_with(escaped)
            results.append((f"the card reaches the {name}", True))
            results.append((f"it arrives escaped for the {name}", "<script>" not in frame))
        start = people["facilitator"].post(f"/r/{slug}/phases/{race['phases'][0]['id']}/start", {})
        results.append(("the facilitator starts a phase", start.status_code in (200, 204, 303)))
        for screen in people.values():
            screen.frame_with('id="clock"')
        results.append(
            ("the other team never saw the card", all(marker not in f for f in people["other"].frames))
        )
        results.extend(_move_refused(base_url, race, people, marker))
        results.append(("a repeated key is acknowledged again", second.status_code == first.status_code))
        page = people["author"].http.get(f"{base_url}/r/{slug}").text
        # Count card headings: the board also shows the title in each card's edit form and history.
        results.append(("a repeated key made one card", page.count(f">{escaped}</h3>") == 1))
    return results


def _move_refused(
    base_url: str, race: dict[str, Any], people: dict[str, Screen], earlier: str
) -> list[tuple[str, bool]]:
    """Once a phase has started, a participant of team B who tries to move into team A is refused (403) and
    sees no title of team A's cards (`earlier` marks one made before), on the page or on the socket."""
    slug, team_a = race["slug"], race["teams"][0]["id"]
    other = people["other"]
    refused = other.post(f"/r/{slug}/team", {"team": team_a})
    results = [
        ("moving into another team after the start is refused with 403", refused.status_code == 403),
        ("the refusal is a page", refused.headers.get("content-type", "").startswith("text/html")),
    ]
    marker = uuid.uuid4().hex[:8]
    added = people["author"].post(
        f"/r/{slug}/cards", {"title": f"Hemligt {marker}", "body": "", "column": "idea", "key": marker}
    )
    results.append(("team A adds another card", added.status_code in (200, 201, 303)))
    people["mate"].frame_with(marker)
    # A frame every screen gets after the card's: the other team's screen has seen all it will of that seq.
    current = race["phases"][0]["id"]
    moved_on = people["facilitator"].post(f"/r/{slug}/phases/next", {"from": current})
    results.append(("the facilitator moves to the next phase", moved_on.status_code in (200, 204, 303)))
    other.frame_with('id="clock"')
    page = other.http.get(f"{base_url}/r/{slug}").text
    shown = [title for title in (marker, earlier) if title in page]
    results.append(("the refused participant's page shows no title of team A", not shown))
    seen = " ".join(other.frames)
    results.append(("nor does any frame on their socket", marker not in seen and earlier not in seen))
    return results


def main() -> int:
    """Check a running server, or start one."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", help="a running server (default: start one)")
    parser.add_argument("--race", type=Path, help="the create-race --json output for that server")
    args = parser.parse_args()
    with ExitStack() as stack:
        if args.base_url:
            base_url, race = args.base_url, json.loads(args.race.read_text())
        else:
            server = stack.enter_context(LocalServer())
            race = server.create_race()
            server.start()
            base_url = server.base_url
        results = check(base_url, race)
    for description, passed in results:
        print(f"{'ok  ' if passed else 'FAIL'} {description}")
    failed = sum(not passed for _, passed in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
