"""A screen that stops reading is cut off; the others in its audience keep getting every frame."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from bench.interface import join
from bench.server import LocalServer

# It starts processes: left out of `make test-fast`.
pytestmark = pytest.mark.slow

CARDS = 40
EDITS = 80


@pytest.fixture(scope="module")
def served() -> Iterator[LocalServer]:
    env = {
        "KRAFTSAMLA_LIVE_SEND_TIMEOUT_S": "2",
        "KRAFTSAMLA_LIVE_QUEUE_MESSAGES": "64",
        "KRAFTSAMLA_RATE_LIMIT_PER_SECOND": "0",  # one author posts as fast as it can
    }
    with LocalServer(env=env) as running:
        running.start()
        yield running


def test_a_stalled_reader_is_cut_off_and_the_others_get_everything(served: LocalServer) -> None:
    race = served.create_race(name="Backpressure")
    slug, team = race["slug"], race["teams"][0]["id"]
    base = served.base_url
    url = base.replace("http", "ws", 1) + f"/r/{slug}/live"
    with (
        join(base, slug, race["codes"]["participant"], "Author", team) as author,
        join(base, slug, race["codes"]["participant"], "Healthy", team) as healthy,
        join(base, slug, race["codes"]["participant"], "Stalled", team) as stalled,
    ):
        cookie = "; ".join(f"{k}={v}" for k, v in stalled.http.cookies.items())
        # max_queue=1: once one frame waits unread, the client stops reading from the socket altogether.
        with connect(url, origin=base, additional_headers={"cookie": cookie}, max_queue=1) as stuck:  # type: ignore[arg-type]
            stuck.recv(timeout=10)  # the snapshot; from here on it reads nothing
            # A new card travels alone (a few KB); an edit re-renders its whole column. A column of long
            # cards edited over and over makes frames big enough to fill the stalled socket's buffers.
            for number in range(CARDS):
                form = {
                    "title": f"Kort {number}!",
                    "body": "x" * 4000,
                    "column": "idea",
                    "key": f"bp-{number}",
                }
                assert author.post(f"/r/{slug}/cards", form).status_code in (201, 303)
            page = author.http.get(f"{base}/r/{slug}")
            first = int(re.search(r'id="card-(\d+)"', page.text).group(1))  # type: ignore[union-attr]
            last_title = f"Ändring {EDITS - 1}!"
            received: list[str] = []
            with healthy.live() as screen:
                reader = threading.Thread(target=lambda: received.append(screen.frame_with(last_title)))
                reader.start()
                for number in range(EDITS):
                    form = {"title": f"Ändring {number}!", "body": "y" * 4000, "key": f"bp-edit-{number}"}
                    form["rev"] = str(number + 1)
                    assert author.post(f"/r/{slug}/cards/{first}/edit", form).status_code in (200, 303)
                reader.join(timeout=60)
            assert received, "the healthy screen did not get the last card"
            codes = []
            try:
                while True:
                    stuck.recv(timeout=30)
            except ConnectionClosed as closed:
                codes.append(closed.rcvd.code if closed.rcvd else 1006)
            assert codes and codes[0] in (1013, 1006)
