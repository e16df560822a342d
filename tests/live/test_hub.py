"""The hub without sockets: one render per audience, resume from memory, the render count, who is online."""

from __future__ import annotations

import asyncio

import pytest

from live import Connection, Hub
from tests.helpers import Outbox, start_writer

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Renderer:
    """Renders a frame per audience and counts how often it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, frozenset[str]]] = []
        self.seq = 0
        self.release: asyncio.Event | None = None
        self.started = asyncio.Event()

    async def __call__(
        self, race_id: int, after: int, audiences: frozenset[str]
    ) -> tuple[int, dict[str, str]]:
        self.calls.append((after, audiences))
        self.started.set()
        if self.release is not None:
            await self.release.wait()
        return self.seq, {audience: f"{audience}@{self.seq}" for audience in audiences if audience != "quiet"}


async def test_one_render_per_audience_and_the_same_text_to_each_socket() -> None:
    renderer = Renderer()
    hub = Hub(renderer)
    boxes = [Outbox() for _ in range(3)]
    conns = [Connection(box.send) for box in boxes]
    hub.attach(1, "team:1", conns[0])
    hub.attach(1, "team:1", conns[1])
    hub.attach(1, "wall", conns[2])
    hub.caught_up(1, 0)
    writers = [await start_writer(conn) for conn in conns]
    renderer.seq = 1
    hub.publish(1, 1)
    assert [await box.next() for box in boxes] == ["team:1@1", "team:1@1", "wall@1"]
    assert renderer.calls == [(0, frozenset({"team:1", "wall"}))]
    for conn in conns:
        conn.close()
    await asyncio.gather(*writers)


async def test_publishes_during_a_render_are_folded_into_one_more() -> None:
    renderer = Renderer()
    renderer.release = asyncio.Event()
    hub = Hub(renderer)
    box = Outbox()
    conn = Connection(box.send)
    hub.attach(1, "wall", conn)
    hub.caught_up(1, 0)
    writer = await start_writer(conn)
    renderer.seq = 1
    hub.publish(1, 1)
    await renderer.started.wait()  # the render is under way, held on `release`
    for seq in range(2, 6):
        renderer.seq = seq
        hub.publish(1, seq)
    renderer.release.set()
    assert await box.next() == "wall@5"
    # The first render already saw seq 5, so nothing more was needed.
    assert len(renderer.calls) == 1
    conn.close()
    await writer


async def test_a_race_nobody_watches_is_forgotten() -> None:
    renderer = Renderer()
    hub = Hub(renderer)
    conn = Connection(Outbox().send)
    hub.attach(1, "wall", conn)
    hub.caught_up(1, 0)
    hub.detach(1, "wall", conn)
    hub.publish(1, 1)
    assert hub.connections(1) == 0
    assert renderer.calls == []


async def test_nothing_renders_before_the_first_snapshot_says_where_the_race_is() -> None:
    renderer = Renderer()
    hub = Hub(renderer)
    box = Outbox()
    conn = Connection(box.send)
    hub.attach(1, "wall", conn)
    hub.publish(1, 9)
    assert renderer.calls == []
    renderer.seq = 10
    hub.caught_up(1, 8)
    writer = await start_writer(conn)
    assert await box.next() == "wall@10"
    assert renderer.calls[0][0] == 8
    conn.close()
    await writer


async def test_sockets_per_owner_are_counted_across_audiences_and_freed_when_they_go() -> None:
    hub = Hub(Renderer())
    first = Connection(Outbox().send, owner="person:1")
    second = Connection(Outbox().send, owner="person:1")
    third = Connection(Outbox().send, owner="person:1")
    other = Connection(Outbox().send, owner="person:2")
    assert hub.attach(1, "wall", first, max_per_owner=2)
    assert hub.attach(1, "team:1", second, max_per_owner=2)
    assert not hub.attach(1, "wall", third, max_per_owner=2)
    assert hub.attach(1, "wall", other, max_per_owner=2)
    elsewhere = Connection(Outbox().send, owner="person:1")
    assert hub.attach(2, "wall", elsewhere, max_per_owner=2)  # another race counts its own
    assert set(hub.owned(1, "person:1")) == {first, second}
    hub.detach(1, "wall", first)
    assert hub.owned(1, "person:1") == [second]
    assert hub.attach(1, "wall", third, max_per_owner=2)
    assert hub.cut_owner(1, "person:1", 1008) == 2
    assert second.close_code == third.close_code == 1008
    assert other.close_code is None
    for audience, conn in (("team:1", second), ("wall", third), ("wall", other)):
        hub.detach(1, audience, conn)
    assert hub.owned(1, "person:1") == []
    assert 1 not in hub.races()


async def test_a_socket_that_read_before_it_attached_learns_whether_a_frame_went_out_meanwhile() -> None:
    renderer = Renderer()
    renderer.release = asyncio.Event()
    hub = Hub(renderer)
    box = Outbox()
    watching = Connection(box.send)
    hub.attach(1, "wall", watching)
    hub.caught_up(1, 0)
    writer = await start_writer(watching)
    before = hub.render_count()
    arriving = Connection(Outbox().send)
    hub.attach(1, "wall", arriving)
    assert hub.quiet_since(1, before)
    renderer.seq = 1
    hub.publish(1, 1)
    await renderer.started.wait()
    assert not hub.quiet_since(1, before)
    assert not hub.quiet_since(
        1, hub.render_count()
    )  # a render under way may have left out who attached since
    renderer.release.set()
    assert await box.next() == "wall@1"
    assert not hub.quiet_since(1, before)  # rendered (and sent) after the count
    assert hub.quiet_since(1, hub.render_count())
    # A race nobody watches is forgotten; watched again, its renders before that still count.
    later = hub.render_count()
    hub.detach(1, "wall", watching)
    hub.detach(1, "wall", arriving)
    again = Connection(Outbox().send)
    hub.attach(1, "wall", again)
    assert not hub.quiet_since(1, before)
    assert hub.quiet_since(1, later)
    assert not hub.quiet_since(2, hub.render_count())  # nobody watches race 2
    await writer


async def test_a_socket_that_read_before_the_first_synced_one_still_gets_what_came_between() -> None:
    # Right after a restart: the front screen read seq 0, a post landed, the back screen read seq 1 and
    # said so first. Rendering must start from 0, or the front screen never sees the post.
    renderer = Renderer()
    hub = Hub(renderer)
    front_box, back_box = Outbox(), Outbox()
    front, back = Connection(front_box.send), Connection(back_box.send)
    hub.attach(1, "team:1", front)
    hub.attach(1, "team:1", back)
    back.catch_up(1, [])
    hub.caught_up(1, 1, "team:1")
    front.catch_up(0, [])
    renderer.seq = 1
    hub.caught_up(1, 0, "team:1")
    writers = [await start_writer(front), await start_writer(back)]
    assert await front_box.next() == "team:1@1"
    assert renderer.calls == [(0, frozenset({"team:1"}))]
    assert back.pending == 0 and back_box.sent == []  # it had seq 1 already
    for conn in (front, back):
        conn.close()
    await asyncio.gather(*writers)


async def test_a_socket_whose_audience_a_render_under_way_leaves_out_gets_that_range_next() -> None:
    renderer = Renderer()
    renderer.release = asyncio.Event()
    hub = Hub(renderer)
    wall_box, team_box = Outbox(), Outbox()
    wall, team = Connection(wall_box.send), Connection(team_box.send)
    hub.attach(1, "wall", wall)
    wall.catch_up(0, [])
    hub.caught_up(1, 0, "wall")
    writers = [await start_writer(wall)]
    renderer.seq = 1
    hub.publish(1, 1)
    await renderer.started.wait()  # rendering for the wall alone, held on `release`
    # The team's first screen attaches and reads seq 0; the render under way then reads seq 1.
    hub.attach(1, "team:1", team)
    team.catch_up(0, [])
    hub.caught_up(1, 0, "team:1")
    writers.append(await start_writer(team))
    renderer.release.set()
    assert await wall_box.next() == "wall@1"
    assert await team_box.next() == "team:1@1"
    assert renderer.calls == [(0, frozenset({"wall"})), (0, frozenset({"wall", "team:1"}))]
    for conn in (wall, team):
        conn.close()
    await asyncio.gather(*writers)


async def test_a_socket_brought_to_the_seq_the_hub_renders_from_costs_no_extra_render() -> None:
    renderer = Renderer()
    hub = Hub(renderer)
    box = Outbox()
    conn = Connection(box.send)
    hub.attach(1, "wall", conn)
    conn.catch_up(3, [])
    hub.caught_up(1, 3, "wall")
    other = Connection(Outbox().send)
    hub.attach(1, "wall", other)
    other.catch_up(3, [])
    hub.caught_up(1, 3, "wall")
    writer = await start_writer(conn)
    # The next change is the first render, and it starts where both sockets are.
    renderer.seq = 4
    hub.publish(1, 4)
    assert await box.next() == "wall@4"
    assert renderer.calls == [(3, frozenset({"wall"}))]
    conn.close()
    await writer


# Refreshes (who is online): no seq, in turn with the race's renders, only to the audiences asked.
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
    writers = [await start_writer(fac), await start_writer(wall)]
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
    writer = await start_writer(conn)
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
    writer = await start_writer(conn)
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


async def test_cutting_an_owner_can_keep_the_sockets_of_one_audience() -> None:
    hub = Hub(Renderer())
    old = Connection(Outbox().send, owner="person:1")
    new = Connection(Outbox().send, owner="person:1")
    assert hub.attach(1, "team:1", old)
    assert hub.attach(1, "team:2", new)
    # Moved to team 2: a screen that already shows team 2 stays, the old team's closes.
    assert hub.cut_owner(1, "person:1", 1008, keep="team:2") == 1
    assert old.close_code == 1008 and new.close_code is None
    for audience, conn in (("team:1", old), ("team:2", new)):
        hub.detach(1, audience, conn)
