"""The fan-out benchmark says which screens were not caught up and why, at once, instead of timing out.

Its lean clients (screens and posters) read the bytes however they are cut, and its bare server stores cards.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient
from websockets.client import ClientProtocol
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import State
from websockets.streams import StreamReader
from websockets.uri import parse_uri

from bench import bare, fanout
from bench.poster import Answer, Poster, PostFailed
from bench.server import LocalServer

# It starts processes: left out of `make test-fast`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served() -> Iterator[LocalServer]:
    env = {"SECRET_KEY": uuid.uuid4().hex * 2, "KRAFTSAMLA_RATE_LIMIT_PER_SECOND": "0"}
    with LocalServer(env=env) as running:
        running.start()
        yield running


def screens_for(served: LocalServer, roles: list[tuple[str, int | None]]) -> list[fanout.Screen]:
    race = served.create_race(name=f"Fanout {uuid.uuid4().hex[:6]}", teams=2)
    team_ids = [team["id"] for team in race["teams"]]
    people = asyncio.run(
        fanout.join_people(
            served.base_url, race, [(r, team_ids[t] if t is not None else None) for r, t in roles]
        )
    )
    url = served.base_url.replace("http", "ws", 1) + f"/r/{race['slug']}/live"
    return [fanout.Screen(url, person.cookie, served.base_url) for person in people]


def test_every_screen_is_caught_up(served: LocalServer) -> None:
    screens = screens_for(served, [("participant", 0), ("participant", 1), ("facilitator", None)])

    async def run() -> None:
        await fanout.open_all(screens, served)
        for screen in screens:
            await screen.close()

    asyncio.run(run())
    assert all(screen.synced.is_set() for screen in screens)


def test_a_screen_closed_before_it_is_caught_up_is_reported_with_its_close_codes(
    served: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The N = 500 failure in miniature: a facilitator's snapshot over the client's frame limit.
    screens = screens_for(served, [("participant", 0), ("facilitator", None)])
    # A participant's snapshot here is about 3 KB, a facilitator's several times that.
    monkeypatch.setattr(fanout, "MAX_FRAME", 12_000)

    async def run() -> None:
        try:
            await fanout.open_all(screens, served)
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


CONTENT_LENGTH_ANSWER = (
    b'HTTP/1.1 201 Created\r\ncontent-type: text/html\r\ncontent-length: 25\r\n\r\n<li id="card-1">Idea</li>'
)
CHUNKED_ANSWER = (
    b"HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n"
    b'10\r\n<li id="card-2">\r\n'
    b"7\r\nSecond \r\n"
    b"a\r\nidea</li>\n\r\n"
    b"0\r\n\r\n"
)


@pytest.mark.parametrize("chunk", [1, 5, 4096])
def test_the_poster_reads_answers_however_the_bytes_arrive(chunk: int) -> None:
    # A Content-Length answer, then a chunked one on the same connection, each cut into chunks of every size.
    async def run() -> tuple[list[Answer], bytes]:
        poster = Poster("127.0.0.1:1", {"Origin": "http://127.0.0.1:1"})
        transport = _Transport()
        poster.connection_made(transport)  # type: ignore[arg-type]
        answers = []
        for stream in (CONTENT_LENGTH_ANSWER, CHUNKED_ANSWER):
            posting = poster.send("/cards", {"title": "Idé ett & två", "key": "k"})
            for start in range(0, len(stream), chunk):
                assert not posting.done()
                poster.data_received(stream[start : start + chunk])
            answers.append(await posting)
        return answers, b"".join(transport.written)

    answers, written = asyncio.run(run())
    assert answers == [
        Answer(201, b'<li id="card-1">Idea</li>'),
        Answer(201, b'<li id="card-2">Second idea</li>\n'),
    ]
    first, second = written.split(b"POST ")[1:]
    head, body = first.split(b"\r\n\r\n")
    assert body == b"title=Id%C3%A9+ett+%26+tv%C3%A5&key=k"
    assert head.startswith(b"/cards HTTP/1.1\r\n")
    lines = head.lower().split(b"\r\n")
    assert b"host: 127.0.0.1:1" in lines and b"origin: http://127.0.0.1:1" in lines
    assert f"content-length: {len(body)}".encode() in lines
    assert b"content-type: application/x-www-form-urlencoded" in lines
    assert second.split(b"\r\n\r\n")[1] == body


Reply = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Crafted:
    """A loopback server that answers each connection with `reply`, then closes it."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.done = asyncio.Event()

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self.reply(reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            self.done.set()

    async def __aexit__(self, *exc: object) -> None:
        await self.done.wait()  # the connection's handler has ended
        self.server.close()
        await self.server.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """Read one request with its Content-Length body."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length:")
    )
    return head + await reader.readexactly(length)


def test_the_poster_reads_several_answers_on_one_connection_from_a_server() -> None:
    requests: list[bytes] = []

    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for answer in (
            CONTENT_LENGTH_ANSWER,
            CHUNKED_ANSWER,
            CONTENT_LENGTH_ANSWER.replace(b"201 Created", b"422 No"),
        ):
            requests.append(await read_request(reader))
            # The answer in two writes, its head alone first.
            writer.write(answer[:20])
            await writer.drain()
            writer.write(answer[20:])
            await writer.drain()
        await reader.read()  # until the client closes

    async def run() -> list[Answer]:
        async with Crafted(reply) as base:
            poster = await Poster.connect(base)
            answers = [await poster.post("/cards", {"title": f"Idé {n}"}) for n in range(3)]
            poster.close()
            return answers

    answers = asyncio.run(run())
    assert [answer.status for answer in answers] == [201, 201, 422]
    assert answers[1].body == b'<li id="card-2">Second idea</li>\n'
    assert len(requests) == 3 and requests[2].endswith(b"title=Id%C3%A9+2")


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (b"", "the server closed the connection"),
        (b"HTTP/1.1 201 Created\r\ncontent-length: 25\r\n\r\n<li>cut", "before its whole answer"),
        (b"HTTP/1.1 20", "before its whole answer"),
        (b"SPAM SPAM SPAM\r\n\r\n", "answered not in HTTP/1.1"),
    ],
    ids=["nothing", "a cut body", "a cut head", "not HTTP"],
)
def test_the_poster_fails_clearly_when_the_connection_breaks(answer: bytes, said: str) -> None:
    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer)
        await writer.drain()

    async def run() -> tuple[PostFailed, PostFailed]:
        async with Crafted(reply) as base:
            poster = await Poster.connect(base)
            with pytest.raises(PostFailed) as first:
                await poster.post("/cards", {"title": "Idé"})
            with pytest.raises(PostFailed) as again:  # and every later post on that connection
                await poster.post("/cards", {"title": "Idé"})
            return first.value, again.value

    first, again = asyncio.run(run())
    assert said in str(first)
    assert again is first


def test_the_poster_gives_up_a_post_without_an_answer() -> None:
    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(CONTENT_LENGTH_ANSWER[:30])  # a head begun, never finished
        await writer.drain()
        await reader.read()  # until the client gives up and closes

    async def run() -> PostFailed:
        async with Crafted(reply) as base:
            poster = await Poster.connect(base, answer_within=0.05)
            with pytest.raises(PostFailed) as failed:
                await poster.post("/cards", {"title": "Idé"})
            return failed.value

    assert "no whole answer within 0.05 s" in str(asyncio.run(run()))


def test_the_poster_fails_when_the_server_asks_to_close_after_its_answer() -> None:
    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(CONTENT_LENGTH_ANSWER.replace(b"\r\n\r\n", b"\r\nconnection: close\r\n\r\n"))
        await writer.drain()
        await reader.read()

    async def run() -> tuple[Answer, PostFailed]:
        async with Crafted(reply) as base:
            poster = await Poster.connect(base)
            answer = await poster.post("/cards", {"title": "Idé"})
            with pytest.raises(PostFailed) as later:
                await poster.post("/cards", {"title": "Idé"})
            return answer, later.value

    answer, later = asyncio.run(run())
    assert answer.status == 201
    assert "closed the connection after its answer" in str(later)


def test_the_bare_server_stores_each_card_in_its_own_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "bare.db"
    monkeypatch.setenv("BENCH_BARE_DATABASE", str(database))
    with TestClient(bare.app) as client:
        answers = [client.post("/cards", data={"title": title, "column": "idea", "key": f"k{n}"})
                   for n, title in enumerate(["Idé <b>ett</b>", "Två"])]  # fmt: skip
    assert [answer.status_code for answer in answers] == [201, 201]
    item = BeautifulSoup(answers[0].text, "html.parser").li
    assert item is not None and item.get_text() == "Idé <b>ett</b>" and item.find("b") is None
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = db.execute("SELECT title, col, key FROM card ORDER BY id").fetchall()
    assert rows == [("Idé <b>ett</b>", "idea", "k0"), ("Två", "idea", "k1")]


def test_the_sustained_measure_counts_what_the_bare_server_acknowledged_and_stored(tmp_path: Path) -> None:
    server = fanout.BareServer(tmp_path / "bare.db")
    server.start()
    try:
        figures = asyncio.run(fanout.sustained_bare(server, 0.3))
    finally:
        server.stop()
    assert figures["acknowledged"] > 0 and figures["refused"] == {}
    assert figures["in_database"] == figures["acknowledged"]
    assert figures["posters"] == fanout.POSTERS
    lines = fanout.sustained_lines(0, 0.3, figures, figures)
    assert "ratio 1.000 (rate), 1.00 (ack p99)" in lines[0]
