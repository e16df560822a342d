"""The lighter websockets-sansio protocol: the same on the wire, and it lets go of the handshake."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from uvicorn.importer import import_from_string
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app import wsproto
from app.wsproto import PROTOCOL, SEND_NOW, FastPath, LeanWebSocketProtocol, send_now_of

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Recording(LeanWebSocketProtocol):
    """Notes each socket's protocol, so that the test can look inside."""

    opened: list[Recording] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        Recording.opened.append(self)


async def echo(websocket: WebSocket) -> None:
    await websocket.accept(headers=[(b"x-answer", b"42")])
    while True:
        text = await websocket.receive_text()
        if text == "bye":
            await websocket.close(1013)
            return
        await websocket.send_text(f"{text}:{websocket.headers['x-asked']}")


def serve(app: Starlette) -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    """Serve an app on a free port with the protocol under test; return the server, its task and the port."""
    Recording.opened.clear()
    # Bound and listening before uvicorn serves it: the client's connection waits in the backlog.
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    port = listening.getsockname()[1]
    config = uvicorn.Config(app, ws=Recording, ws_max_size=64 * 1024, ws_per_message_deflate=False,
                            log_level="warning", lifespan="off")  # fmt: skip
    server = uvicorn.Server(config)
    return server, asyncio.get_running_loop().create_task(server.serve(sockets=[listening])), port


async def test_a_socket_works_and_keeps_no_handshake_once_accepted() -> None:
    server, serving, port = serve(Starlette(routes=[WebSocketRoute("/ws", echo)]))
    try:
        url = f"ws://127.0.0.1:{port}/ws"
        async with connect(url, additional_headers={"x-asked": "yes"}, compression=None) as client:
            assert client.response is not None
            assert client.response.headers["x-answer"] == "42"
            await client.send("ping")
            assert await client.recv() == "ping:yes"
            (protocol,) = Recording.opened
            assert protocol.request is None and protocol.response is None
            # websockets' parser keeps the request it parsed as a local for the socket's life: emptied.
            kept = protocol.conn.parser.gi_frame.f_locals["request"]
            assert kept.path == "/ws" and not kept.headers
            await client.send("again")
            assert await client.recv() == "again:yes"
            await client.send("bye")
            with pytest.raises(ConnectionClosed):
                await client.recv()
            assert client.close_code == 1013
    finally:
        server.should_exit = True
        await serving


class NowEcho:
    """Answers each message with an immediate send, or through ASGI when that is refused."""

    def __init__(self) -> None:
        self.refused = asyncio.Event()
        self.after_close: list[bool] = []

    async def run(self, websocket: WebSocket) -> None:
        await websocket.accept()
        send_now = send_now_of(websocket.scope)
        assert send_now is not None
        while True:
            text = await websocket.receive_text()
            if text == "bye":
                await websocket.close(1000)
                self.after_close.append(send_now("late"))
                return
            if not send_now(f"now:{text}"):
                self.refused.set()
                await websocket.send_text(f"later:{text}")


async def test_a_text_frame_is_written_at_once_unless_the_socket_is_full_or_closed() -> None:
    handler = NowEcho()
    server, serving, port = serve(Starlette(routes=[WebSocketRoute("/ws", handler.run)]))
    try:
        async with connect(f"ws://127.0.0.1:{port}/ws", compression=None) as client:
            await client.send("a")
            assert await client.recv() == "now:a"
            (protocol,) = Recording.opened
            protocol.pause_writing()  # what the transport calls when the socket's buffer is full
            await client.send("b")
            await handler.refused.wait()
            protocol.resume_writing()
            assert await client.recv() == "later:b"
            await client.send("c")
            assert await client.recv() == "now:c"
            await client.send("bye")
            with pytest.raises(ConnectionClosed):
                await client.recv()
        assert handler.after_close == [False]
        assert SEND_NOW not in protocol.scope["extensions"]  # it would keep the protocol alive
    finally:
        server.should_exit = True
        await serving


def test_a_server_without_it_offers_no_immediate_send() -> None:
    assert send_now_of({"type": "websocket", "extensions": {"websocket.http.response": {}}}) is None
    assert send_now_of({"type": "websocket"}) is None


def test_the_name_serve_gives_uvicorn_is_this_protocol() -> None:
    assert import_from_string(PROTOCOL) is LeanWebSocketProtocol


class Lacking(LeanWebSocketProtocol):
    """A protocol from a uvicorn whose internals moved: none of the attributes the shortcuts read is there."""

    def __init__(self) -> None:
        self.scope = {"type": "websocket", "extensions": {}}


def test_an_unexpected_attribute_turns_the_shortcuts_off_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(wsproto, "fast", FastPath(uvicorn.__version__))
    assert wsproto.fast.on
    protocol = Lacking()
    with caplog.at_level("WARNING", logger="kraftsamla.live"):
        assert protocol.send_text_now("hello") is False  # the caller sends through ASGI instead
        assert protocol.send_text_now("again") is False
    assert not wsproto.fast.on
    (record,) = caplog.records
    assert "send_text_now: AttributeError" in record.getMessage()


def test_an_untested_uvicorn_takes_no_shortcut(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="kraftsamla.live"):
        assert not FastPath("0.99.0").on
        assert FastPath(uvicorn.__version__).on  # the one installed is among the tested
    (record,) = caplog.records
    assert "uvicorn 0.99.0" in record.getMessage()


async def test_sockets_work_with_the_shortcuts_off(monkeypatch: pytest.MonkeyPatch) -> None:
    off = FastPath(uvicorn.__version__)
    off.on = False
    monkeypatch.setattr(wsproto, "fast", off)
    server, serving, port = serve(Starlette(routes=[WebSocketRoute("/ws", echo)]))
    try:
        async with connect(f"ws://127.0.0.1:{port}/ws", additional_headers={"x-asked": "yes"}) as client:
            await client.send("ping")
            assert await client.recv() == "ping:yes"
            (protocol,) = Recording.opened
            assert SEND_NOW not in protocol.scope["extensions"]
            assert protocol.request is not None  # uvicorn's own keeps it
    finally:
        server.should_exit = True
        await serving
