"""One socket's side of the hub: a bounded queue, its catch-up first, idle writes at once, hung sends cut."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from live import Connection
from live.connection import CLOSE_TRY_AGAIN
from tests.helpers import Outbox, start_writer

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


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
    writer = await start_writer(conn)
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
    writer = await start_writer(conn)
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
    writer = await start_writer(conn)
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
    writer = await start_writer(conn)
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
    writer = await start_writer(conn)
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
    writer = await start_writer(conn)
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
    writer = await start_writer(conn)
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
    writer = await start_writer(conn)
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
    writer = await start_writer(conn)
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
    writer = await start_writer(conn)
    assert [await box.next(), await box.next()] == ["snapshot 5", "frame 6"]
    assert conn.offer(7, "frame 7")
    assert wire.written == ["frame 7"]
    conn.cut(1008)
    assert not conn.offer(8, "frame 8")  # refused: nothing offered after the cut reaches the screen
    assert wire.written == ["frame 7"] and conn.pending == 0
    assert await writer == 1008


async def test_a_cut_stops_the_writer_before_the_frames_still_queued() -> None:
    box = Outbox()
    box.gate = asyncio.Event()  # the first send waits: what follows stays queued behind it
    conn = Connection(box.send)
    conn.catch_up(1, [(1, "snapshot 1")])
    writer = await start_writer(conn)
    await box.entered.wait()
    assert conn.offer(2, "frame 2") and conn.offer(3, "frame 3")
    conn.cut(1008)
    assert not conn.offer(4, "frame 4")
    box.gate.set()
    assert await writer == 1008
    assert box.sent == ["snapshot 1"]
