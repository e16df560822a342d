"""The stable interface against a real uvicorn server: the outside checker, and a restart."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bench.interface import check, join
from bench.server import LocalServer

# It starts processes: left out of `make test-fast`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served() -> Iterator[LocalServer]:
    with LocalServer() as server:
        server.start()
        yield server


def test_the_outside_checker_passes(served: LocalServer) -> None:
    results = check(served.base_url, served.create_race(name="Checker"))
    assert [description for description, passed in results if not passed] == []
    assert len(results) >= 12


def test_cards_and_the_clock_survive_a_restart(served: LocalServer) -> None:
    race = served.create_race(name="Restart")
    slug = race["slug"]
    with (
        join(served.base_url, slug, race["codes"]["facilitator"], "Fia") as facilitator,
        join(served.base_url, slug, race["codes"]["participant"], "Alva", race["teams"][0]["id"]) as author,
    ):
        facilitator.post(f"/r/{slug}/phases/{race['phases'][0]['id']}/start", {})
        author.post(f"/r/{slug}/cards", {"title": "Överlever omstart", "column": "need", "key": "restart-1"})
        with author.live() as screen:
            before = re.search(r'data-deadline="(\d+)"', screen.frames[0])
        served.restart()
        with author.live() as screen:
            snapshot = screen.frames[0]
    assert before is not None
    assert f'data-deadline="{before.group(1)}"' in snapshot
    assert 'data-state="running"' in snapshot
    assert "Överlever omstart" in snapshot
