"""The hub's refresh (who is online): no seq, in turn with the race's renders, only to the audiences asked."""

from __future__ import annotations

import asyncio

import pytest

from live import Connection, Hub
from tests.test_hub import Outbox, Renderer, start

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Refresher:
    """Renders who is online for the facilitators only, and notes whether a render was running meanwhile."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        self.calls = 0
        self.overlapped = False

    async def __call__(self, race_id: int, audiences: frozenset[str]) -> dict[str, str]:
        self.calls += 1
        self.overlapped |= self.renderer.release is not None and not self.renderer.release.is_set()
        return {
            audience: f"online {self.calls}" for audience in audiences if audience.startswith("facilitator")
        }


async def test_a_refresh_reaches_the_facilitators_only() -> None:
    renderer = Renderer()
    refresher = Refresher(renderer)
    hub = Hub(renderer, refresher)
    fac_box, wall_box = Outbox(), Outbox()
    fac, wall = Connection(fac_box.send), Connection(wall_box.send)
    hub.attach(1, "facilitator:0:sv", fac)
    hub.attach(1, "wall:0:sv", wall)
    hub.caught_up(1, 0)
    writers = [await start(fac), await start(wall)]
    hub.refresh(1)
    assert await fac_box.next() == "online 1"
    renderer.seq = 1
    hub.publish(1, 1)
    assert await wall_box.next() == "wall:0:sv@1"  # the wall's first message is the real change
    assert await fac_box.next() == "facilitator:0:sv@1"
    for conn in (fac, wall):
        conn.close()
    await asyncio.gather(*writers)


async def test_a_refresh_waits_for_a_render_under_way_and_does_not_overtake_it() -> None:
    renderer = Renderer()
    renderer.release = asyncio.Event()
    refresher = Refresher(renderer)
    hub = Hub(renderer, refresher)
    box = Outbox()
    conn = Connection(box.send)
    hub.attach(1, "facilitator:0:sv", conn)
    hub.caught_up(1, 0)
    writer = await start(conn)
    renderer.seq = 1
    hub.publish(1, 1)
    await renderer.started.wait()
    hub.refresh(1)
    hub.refresh(1)  # folded into one
    renderer.release.set()
    assert await box.next() == "facilitator:0:sv@1"
    assert await box.next() == "online 1"
    assert refresher.calls == 1 and not refresher.overlapped
    conn.close()
    await writer


async def test_a_refresh_without_a_refresher_or_an_audience_does_nothing() -> None:
    hub = Hub(Renderer())
    hub.refresh(1)  # nobody watches race 1
    conn = Connection(Outbox().send)
    hub.attach(1, "facilitator:0:sv", conn)
    hub.caught_up(1, 0)
    hub.refresh(1)
    assert conn.pending == 0


async def test_refreshes_within_the_window_render_once() -> None:
    renderer = Renderer()
    refresher = Refresher(renderer)
    hub = Hub(renderer, refresher, refresh_window=0.05)
    box = Outbox()
    conn = Connection(box.send)
    hub.attach(1, "facilitator:0:sv", conn)
    hub.caught_up(1, 0)
    writer = await start(conn)
    for _ in range(10):  # a storm of arrivals
        hub.refresh(1)
    assert await box.next() == "online 1"
    assert refresher.calls == 1
    hub.refresh(1)  # a later arrival is rendered too
    assert await box.next() == "online 2"
    renderer.seq = 1
    hub.publish(1, 1)
    assert await box.next() == "facilitator:0:sv@1"
    assert refresher.calls == 2
    conn.close()
    await writer


class CountingRefresher(Refresher):
    """A refresher whose calls can be awaited: the hub has queued a call's frames when its task yields."""

    def __init__(self, renderer: Renderer) -> None:
        super().__init__(renderer)
        self.called = asyncio.Event()

    async def __call__(self, race_id: int, audiences: frozenset[str]) -> dict[str, str]:
        frames = await super().__call__(race_id, audiences)
        self.called.set()
        return frames


async def test_refreshes_a_screen_has_not_read_yet_do_not_pile_up() -> None:
    # Arrivals during a storm re-render who is online every window; a facilitator whose snapshot is still
    # being read (or who reads slowly) needs the newest overview only, and must not be cut off for stale ones.
    renderer = Renderer()
    refresher = CountingRefresher(renderer)
    hub = Hub(renderer, refresher)
    conn = Connection(Outbox().send, max_messages=4)  # its writer is not started: nothing is read
    hub.attach(1, "facilitator:0:sv", conn)
    hub.caught_up(1, 0)
    for _ in range(10):
        refresher.called.clear()
        hub.refresh(1)
        await refresher.called.wait()
    assert refresher.calls == 10
    assert not conn.overflowed and conn.pending == 1
