"""The fan-out benchmark says which screens were not caught up and why, at once, instead of timing out."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from bench import fanout
from bench.server import LocalServer


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    env = {"SECRET_KEY": uuid.uuid4().hex * 2, "KRAFTSAMLA_RATE_LIMIT_PER_SECOND": "0"}
    with LocalServer(env=env) as running:
        running.start()
        yield running


def screens_for(server: LocalServer, roles: list[tuple[str, int | None]]) -> list[fanout.Screen]:
    race = server.create_race(name=f"Fanout {uuid.uuid4().hex[:6]}", teams=2)
    team_ids = [team["id"] for team in race["teams"]]
    people = asyncio.run(
        fanout.join_people(
            server.base_url, race, [(r, team_ids[t] if t is not None else None) for r, t in roles]
        )
    )
    url = server.base_url.replace("http", "ws", 1) + f"/r/{race['slug']}/live"
    return [fanout.Screen(url, person.cookie, server.base_url) for person in people]


def test_every_screen_is_caught_up(server: LocalServer) -> None:
    screens = screens_for(server, [("participant", 0), ("participant", 1), ("facilitator", None)])

    async def run() -> None:
        await fanout.open_all(screens, server)
        for screen in screens:
            await screen.close()

    asyncio.run(run())
    assert all(screen.synced.is_set() for screen in screens)


def test_a_screen_closed_before_it_is_caught_up_is_reported_with_its_close_codes(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The N = 500 failure in miniature: a facilitator's snapshot over the client's frame limit.
    screens = screens_for(server, [("participant", 0), ("facilitator", None)])
    # A participant's snapshot here is about 3 KB, a facilitator's several times that.
    monkeypatch.setattr(fanout, "MAX_FRAME", 12_000)

    async def run() -> None:
        try:
            await fanout.open_all(screens, server)
        finally:
            for screen in screens:
                await screen.close()

    with pytest.raises(fanout.NotSynced) as failed:
        asyncio.run(run())
    assert "1 of 2 screens not caught up" in str(failed.value)
    assert "1 closed" in str(failed.value) and "MESSAGE_TOO_BIG" in str(failed.value)
