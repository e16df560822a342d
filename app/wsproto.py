"""uvicorn's websockets-sansio protocol, lighter per open socket: it lets go of the handshake once accepted.

uvicorn keeps the parsed upgrade request and the 101 response for the socket's whole life, though it reads
them only until the socket is accepted, and websockets' parser keeps the request too (a local of its parsing
generator): about 5 KB per screen with the bench's few headers, more with a browser's. The ASGI scope keeps
its own copy of the headers, which is what Starlette reads.

It also leaves out, before they are made, the log lines that every socket writes (see app/logs.py).
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from app.logs import quiet_sockets

# The name `kraftsamla serve` gives uvicorn (an import string, so that several workers can load it too).
PROTOCOL = "app.wsproto:LeanWebSocketProtocol"


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    """websockets-sansio, unchanged on the wire; the handshake is dropped once it is done."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # uvicorn's "accepted" line and websockets' "connection open" and "connection closed".
        self.logger = quiet_sockets(self.logger)  # type: ignore[assignment]
        self.conn.logger = quiet_sockets(self.conn.logger)

    async def send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete and getattr(self, "request", None) is not None:
            # Only the handshake reads them (uvicorn 0.54: handle_connect, then the accept in send). The
            # parser holds the same request until the socket ends: empty its headers, it no longer reads them.
            self.request.headers.clear()
            self.request = None  # type: ignore[assignment]
            self.response = None  # type: ignore[assignment]
