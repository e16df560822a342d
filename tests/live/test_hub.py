"""The hub without sockets: render once per audience, bounded queues, snapshots first."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from live import Connection, Hub
from live.connection import CLOSE_TRY_AGAIN

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Outbox:
    """A fake socket: records what the writer sends and wakes waiters."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.arrived = asyncio.Event()
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()

    async def send(self, text: str) -> None:
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        self.sent.append(text)
        self.arrived.set()

    async def next(self) -> str:
        while not self.sent:
            self.arrived.clear()
            await self.arrived.wait()
        return self.sent.pop(0)


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


async def start(conn: Connection) -> asyncio.Task[int | None]:
    return asyncio.get_running_loop().create_task(conn.run_writer(send_timeout=5))


async def test_one_render_per_audience_and_the_same_text_to_each_socket() -> None:
    renderer = Renderer()
    hub = Hub(renderer)
    boxes = [Outbox() for _ in range(3)]
    conns = [Connection(box.send) for box in boxes]
    hub.attach(1, "team:1", conns[0])
    hub.attach(1, "team:1", conns[1])
    hub.attach(1, "wall", conns[2])
    hub.caught_up(1, 0)
    writers = [await start(conn) for conn in conns]
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
    writer = await start(conn)
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


async def test_frames_a_socket_already_has_are_not_sent_again() -> None:
    box = Outbox()
    conn = Connection(box.send)
    assert conn.offer(3, "three")
    assert conn.offer(3, "three again")
    assert conn.offer(2, "two")
    assert conn.pending == 1


async def test_a_snapshot_goes_first_and_drops_frames_it_contains() -> None:
    box = Outbox()
    conn = Connection(box.send)
    conn.offer(4, "frame 4")
    conn.offer(7, "frame 7")
    conn.catch_up(5, [(5, "snapshot 5")])
    writer = await start(conn)
    assert [await box.next(), await box.next()] == ["snapshot 5", "frame 7"]
    conn.close()
    await writer


class Frame(str):
    """A frame that can be watched for being freed (a plain str cannot be weakly referenced)."""


async def test_an_idle_socket_does_not_keep_the_last_frame_it_sent() -> None:
    sent = asyncio.Event()

    async def send(text: str) -> None:
        sent.set()

    conn = Connection(send)
    snapshot = Frame("<!--seq 5-->" + "roster " * 1000)
    freed = weakref.ref(snapshot)
    conn.catch_up(5, [(5, snapshot)])
    del snapshot
    writer = await start(conn)
    await sent.wait()  # the send did not suspend: the writer ran on to its next wait before this resumed
    gc.collect()
    assert freed() is None, "the writer holds the snapshot it sent while the socket is idle"
    assert not writer.done()
    conn.close()
    assert await writer is None


async def test_a_socket_that_falls_behind_is_cut_off_and_frees_its_queue() -> None:
    box = Outbox()
    box.gate = asyncio.Event()  # the screen stopped reading
    conn = Connection(box.send, max_messages=3, max_bytes=1000)
    writer = await start(conn)
    assert conn.offer(1, "x" * 10)
    await box.entered.wait()  # frame 1 is in flight, stuck
    results = [conn.offer(seq, "x" * 10) for seq in range(2, 10)]
    assert results[:3] == [True, True, True]  # three wait
    assert results[-1] is False
    assert conn.overflowed and conn.pending == 0
    box.gate.set()
    assert await writer == CLOSE_TRY_AGAIN


async def test_the_byte_bound_holds_too() -> None:
    conn = Connection(Outbox().send, max_messages=100, max_bytes=100)
    assert conn.offer(1, "x" * 60)
    assert not conn.offer(2, "x" * 60)
    assert conn.overflowed


async def test_a_snapshot_bigger_than_the_byte_bound_still_reaches_the_screen_and_so_does_synced() -> None:
    # A facilitator's snapshot holds the roster: with 500 people in 50 teams it is 1.4 MB. A screen that is
    # refused its snapshot can never catch up; the bound is for what piles up behind it.
    box = Outbox()
    conn = Connection(box.send, max_messages=4, max_bytes=100)
    conn.catch_up(5, [(5, "snapshot " + "x" * 500)])
    assert conn.offer_control('{"type": "synced", "seq": 5}')
    assert conn.offer(6, "y" * 60)
    writer = await start(conn)
    assert [await box.next(), await box.next(), await box.next()] == [
        "snapshot " + "x" * 500,
        '{"type": "synced", "seq": 5}',
        "y" * 60,
    ]
    assert not conn.overflowed
    conn.close()
    assert await writer is None


async def test_the_byte_bound_still_holds_behind_a_big_snapshot() -> None:
    conn = Connection(Outbox().send, max_messages=100, max_bytes=100)
    conn.catch_up(5, [(5, "x" * 500)])
    assert conn.offer(6, "y" * 60)
    assert not conn.offer(7, "y" * 60)
    assert conn.overflowed and conn.pending == 0


async def test_a_frame_bigger_than_the_byte_bound_reaches_a_screen_that_keeps_up() -> None:
    box = Outbox()
    conn = Connection(box.send, max_messages=4, max_bytes=100)
    writer = await start(conn)
    assert conn.offer(1, "x" * 500)
    assert await box.next() == "x" * 500
    assert conn.offer(2, "y" * 500)
    assert await box.next() == "y" * 500
    assert not conn.overflowed
    conn.close()
    assert await writer is None


async def test_frames_offered_while_its_snapshot_is_read_do_not_cut_a_screen_off() -> None:
    # While a facilitator's snapshot is read (seconds in a storm of arrivals), the roster it is about to get
    # may be rendered and offered several times over; the snapshot drops what it covers.
    box = Outbox()
    conn = Connection(box.send, max_messages=10, max_bytes=100, catching_up=True)
    assert all(conn.offer(seq, f"frame {seq} " + "x" * 80) for seq in (1, 2, 3))
    assert not conn.overflowed
    conn.catch_up(2, [(2, "snapshot 2")])
    assert conn.offer_control("synced")
    writer = await start(conn)
    assert [await box.next() for _ in range(3)] == ["snapshot 2", "frame 3 " + "x" * 80, "synced"]
    conn.close()
    assert await writer is None


async def test_once_caught_up_a_screen_is_held_to_the_bounds_again() -> None:
    conn = Connection(Outbox().send, max_messages=10, max_bytes=100, catching_up=True)
    conn.catch_up(2, [(2, "snapshot 2")])
    assert conn.offer(3, "x" * 80)
    assert not conn.offer(4, "x" * 80)
    assert conn.overflowed


async def test_a_screen_catching_up_is_still_held_to_the_message_bound() -> None:
    conn = Connection(Outbox().send, max_messages=3, max_bytes=100, catching_up=True)
    assert [conn.offer(seq, "x") for seq in range(1, 5)] == [True, True, True, False]
    assert conn.overflowed


async def test_a_newer_refresh_replaces_the_one_still_waiting() -> None:
    box = Outbox()
    conn = Connection(box.send)
    assert conn.offer_refresh("online 1")
    assert conn.offer(1, "frame 1")
    assert conn.offer_refresh("online 2")
    assert conn.offer_control("time")
    assert conn.offer_refresh("online 3")
    assert conn.pending == 3
    writer = await start(conn)
    assert [await box.next() for _ in range(3)] == ["frame 1", "time", "online 3"]
    conn.close()
    assert await writer is None


async def test_a_send_that_hangs_cuts_the_socket_off() -> None:
    box = Outbox()
    box.gate = asyncio.Event()
    conn = Connection(box.send)
    conn.offer(1, "stuck")
    assert await conn.run_writer(send_timeout=0.01) == CLOSE_TRY_AGAIN


async def test_a_hanging_send_is_cut_off_and_the_other_sockets_go_on() -> None:
    stuck, fine = Outbox(), Outbox()
    stuck.gate = asyncio.Event()
    hanging, flowing = Connection(stuck.send), Connection(fine.send)
    loop = asyncio.get_running_loop()
    cut = loop.create_task(hanging.run_writer(send_timeout=0.2))
    other = loop.create_task(flowing.run_writer(send_timeout=0.2))
    hanging.offer(1, "stuck")
    await stuck.entered.wait()
    for seq in range(1, 4):
        flowing.offer(seq, f"frame {seq}")
        assert await fine.next() == f"frame {seq}"
    assert await cut == CLOSE_TRY_AGAIN
    flowing.close()
    assert await other is None


async def test_a_slow_send_that_finishes_in_time_is_not_cut_off() -> None:
    # A slow screen: its send lasts until another socket, with a fifth of its timeout, has been cut off,
    # through many of the watchdog's looks (a tenth of the shortest timeout each).
    slow, stuck = Outbox(), Outbox()
    slow.gate, stuck.gate = asyncio.Event(), asyncio.Event()
    conn, hanging = Connection(slow.send), Connection(stuck.send)
    loop = asyncio.get_running_loop()
    writer = loop.create_task(conn.run_writer(send_timeout=1.0))
    cut = loop.create_task(hanging.run_writer(send_timeout=0.2))
    conn.offer(1, "slow")
    hanging.offer(1, "stuck")
    await slow.entered.wait()
    assert await cut == CLOSE_TRY_AGAIN
    slow.gate.set()
    assert await slow.next() == "slow"
    conn.offer(2, "next")
    assert await slow.next() == "next"
    conn.close()
    assert await writer is None


async def test_cancelling_a_writer_mid_send_cancels_it_and_is_not_taken_for_a_timeout() -> None:
    box = Outbox()
    box.gate = asyncio.Event()
    conn = Connection(box.send)
    writer = asyncio.get_running_loop().create_task(conn.run_writer(send_timeout=5))
    conn.offer(1, "never sent")
    await box.entered.wait()
    writer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writer
    assert writer.cancelled()


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
    writer = await start(conn)
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
    writer = await start(watching)
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
    writers = [await start(front), await start(back)]
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
    writers = [await start(wall)]
    renderer.seq = 1
    hub.publish(1, 1)
    await renderer.started.wait()  # rendering for the wall alone, held on `release`
    # The team's first screen attaches and reads seq 0; the render under way then reads seq 1.
    hub.attach(1, "team:1", team)
    team.catch_up(0, [])
    hub.caught_up(1, 0, "team:1")
    writers.append(await start(team))
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
    writer = await start(conn)
    # The next change is the first render, and it starts where both sockets are.
    renderer.seq = 4
    hub.publish(1, 4)
    assert await box.next() == "wall@4"
    assert renderer.calls == [(3, frozenset({"wall"}))]
    conn.close()
    await writer


class Wire:
    """A socket's immediate send: takes frames while open and not full, like app/wsproto.py's."""

    def __init__(self) -> None:
        self.written: list[str] = []
        self.full = False

    def __call__(self, text: str) -> bool:
        if self.full:
            return False
        self.written.append(text)
        return True


async def test_a_frame_for_an_idle_socket_is_written_at_once_without_waking_its_writer() -> None:
    box, wire = Outbox(), Wire()
    conn = Connection(box.send, send_now=wire)
    writer = await start(conn)
    assert conn.offer(1, "one") and conn.offer_control("probe") and conn.offer(2, "two")
    assert wire.written == ["one", "probe", "two"]
    assert conn.pending == 0 and box.sent == []
    conn.close()
    assert await writer is None
    assert box.sent == []


async def test_a_socket_that_cannot_take_a_frame_at_once_gets_it_in_order_from_its_writer() -> None:
    box, wire = Outbox(), Wire()
    box.gate = asyncio.Event()
    conn = Connection(box.send, send_now=wire)
    writer = await start(conn)
    wire.full = True  # its buffer is full: the writer sends, and waits for the screen
    assert conn.offer(1, "one")
    await box.entered.wait()
    wire.full = False
    # A send is under way and frames wait behind it: none may overtake them.
    assert conn.offer(2, "two") and conn.offer(3, "three")
    assert wire.written == [] and conn.pending == 2
    box.gate.set()
    assert [await box.next() for _ in range(3)] == ["one", "two", "three"]
    assert conn.offer(4, "four")  # idle again
    assert wire.written == ["four"]
    conn.close()
    await writer


async def test_a_socket_is_written_at_once_only_once_caught_up_and_not_once_cut() -> None:
    box, wire = Outbox(), Wire()
    conn = Connection(box.send, send_now=wire, catching_up=True)
    assert conn.offer(6, "frame 6")  # its snapshot is being read
    assert wire.written == []
    conn.catch_up(5, [(5, "snapshot 5")])
    writer = await start(conn)
    assert [await box.next(), await box.next()] == ["snapshot 5", "frame 6"]
    assert conn.offer(7, "frame 7")
    assert wire.written == ["frame 7"]
    conn.cut(1008)
    assert conn.offer(8, "frame 8")
    assert wire.written == ["frame 7"]
    assert await writer == 1008


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
