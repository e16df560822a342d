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

from app.wsproto import PROTOCOL, LeanWebSocketProtocol

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


async def test_a_socket_works_and_keeps_no_handshake_once_accepted() -> None:
    app = Starlette(routes=[WebSocketRoute("/ws", echo)])
    # Bound and listening before uvicorn serves it: the client's connection waits in the backlog.
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    port = listening.getsockname()[1]
    config = uvicorn.Config(app, ws=Recording, ws_max_size=64 * 1024, ws_per_message_deflate=False,
                            log_level="warning", lifespan="off")  # fmt: skip
    server = uvicorn.Server(config)
    serving = asyncio.get_running_loop().create_task(server.serve(sockets=[listening]))
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


def test_the_name_serve_gives_uvicorn_is_this_protocol() -> None:
    assert import_from_string(PROTOCOL) is LeanWebSocketProtocol
