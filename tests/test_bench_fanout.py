"""The fan-out benchmark says which screens were not caught up and why, at once, instead of timing out."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from websockets.client import ClientProtocol
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import State
from websockets.streams import StreamReader
from websockets.uri import parse_uri

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


class _Transport:
    """What a wire writes: the protocol's answers (pongs, closes)."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def server_frame(opcode: Opcode, payload: bytes, fin: bool = True) -> bytes:
    """A frame as a server sends it (unmasked)."""
    return Frame(opcode, payload, fin=fin).serialize(mask=False)


@pytest.mark.parametrize("chunk", [1, 3, 7, 4096, 1 << 20])
def test_the_client_reads_every_frame_however_the_bytes_arrive(chunk: int) -> None:
    # Lengths in the header's three forms (7 bits, 16 bits, 64 bits), a ping between them, and a fragmented
    # message; the bytes arrive cut into chunks of every size, as TCP may deliver them.
    messages = [b"<!--seq 1-->\n" + b"a" * 100, b"<!--seq 2-->\n" + b"b" * 300]
    messages.append(b"<!--seq 3-->\n" + b"c" * 70_000)
    stream = server_frame(Opcode.TEXT, messages[0]) + server_frame(Opcode.PING, b"are you there")
    stream += server_frame(Opcode.TEXT, messages[1]) + server_frame(Opcode.TEXT, messages[2])
    stream += server_frame(Opcode.TEXT, b"<!--seq 4-->\nfirst half, ", fin=False)
    stream += server_frame(Opcode.CONT, b"second half")

    async def run() -> tuple[list[bytes], fanout.Screen, _Transport]:
        screen = fanout.Screen("ws://127.0.0.1:1/live", None, "http://127.0.0.1:1")
        received: list[bytes] = []
        screen.received = lambda message, now: received.append(bytes(message))  # type: ignore[method-assign]
        protocol = ClientProtocol(parse_uri(screen.url), state=State.OPEN)
        wire = fanout._Wire(screen, protocol)
        transport = _Transport()
        wire.connection_made(transport)  # type: ignore[arg-type]
        for start in range(0, len(stream), chunk):
            wire.data_received(stream[start : start + chunk])
        return received, screen, transport

    received, _, transport = asyncio.run(run())
    assert received == [*messages, b"<!--seq 4-->\nfirst half, second half"]
    # The ping was answered with a pong carrying its payload (masked, as a client's frames are).
    assert len(transport.written) == 1
    reader = StreamReader()
    reader.feed_data(transport.written[0])
    parser = Frame.parse(reader.read_exact, mask=True)
    try:
        next(parser)
    except StopIteration as done:
        pong = done.value
    assert pong.opcode is Opcode.PONG and pong.data == b"are you there"


def test_the_client_refuses_a_frame_over_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fanout, "MAX_FRAME", 1000)

    async def run() -> tuple[list[bytes], ClientProtocol]:
        screen = fanout.Screen("ws://127.0.0.1:1/live", None, "http://127.0.0.1:1")
        received: list[bytes] = []
        screen.received = lambda message, now: received.append(bytes(message))  # type: ignore[method-assign]
        protocol = ClientProtocol(parse_uri(screen.url), state=State.OPEN, max_size=fanout.MAX_FRAME)
        wire = fanout._Wire(screen, protocol)
        wire.connection_made(_Transport())  # type: ignore[arg-type]
        frame = server_frame(Opcode.TEXT, b"x" * 1001) + server_frame(Opcode.TEXT, b"<!--seq 1-->")
        for byte in range(len(frame)):  # nothing after the refused frame is read as a frame
            wire.data_received(frame[byte : byte + 1])
        return received, protocol

    received, protocol = asyncio.run(run())
    assert received == []
    assert protocol.close_sent is not None and protocol.close_sent.code == CloseCode.MESSAGE_TOO_BIG
