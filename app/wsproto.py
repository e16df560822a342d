"""uvicorn's websockets-sansio protocol, lighter per open socket: it lets go of the handshake once accepted.

uvicorn keeps the parsed upgrade request and the 101 response for the socket's whole life, though it reads
them only until the socket is accepted, and websockets' parser keeps the request too (a local of its parsing
generator), kilobytes per screen (docs/performance.md). The ASGI scope keeps
its own copy of the headers, which is what Starlette reads.

It also leaves out, before they are made, the log lines that every socket writes (see app/logs.py).

And it lets the app send a text frame at once, without a coroutine (see `send_text_now`): the hub writes one
frame to hundreds of sockets in a row, and waking a writer task for each, then passing the frame down through
Starlette's send and its middlewares' wrappers, cost more than framing and writing it.

All three reach into uvicorn's private attributes. On a uvicorn it was not tested with, or at the first
unexpected attribute or exception, they turn themselves off for the process (one warning) and every socket
goes through uvicorn's own protocol as it is: slower, never broken.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.types import Scope
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.http11 import Request

from app.logs import quiet_sockets

log = logging.getLogger("kraftsamla.live")

# The uvicorn releases whose private attributes this was tested against (pyproject.toml pins the same).
TESTED = ("0.54.", "0.55.")

# The name `kraftsamla serve` gives uvicorn (an import string, so that several workers can load it too).
PROTOCOL = "app.wsproto:LeanWebSocketProtocol"

# The scope's extension that holds a socket's `send_text_now` (a server without it: send through ASGI).
SEND_NOW = "kraftsamla.send_text_now"
SendNow = Callable[[str], bool]


def send_now_of(scope: Scope) -> SendNow | None:
    """Return the socket's immediate text send, when its server offers one."""
    found: SendNow | None = scope.get("extensions", {}).get(SEND_NOW)
    return found


class FastPath:
    """Whether this process still takes the shortcuts into uvicorn's internals; off at the first surprise."""

    def __init__(self, version: str = uvicorn.__version__) -> None:
        self.version = version
        self.on = True
        if not version.startswith(TESTED):
            self.off(f"it was tested with uvicorn {', '.join(v + 'x' for v in TESTED)} only")

    def off(self, reason: str) -> None:
        """Turn the shortcuts off for good, saying why once."""
        if self.on:
            self.on = False
            log.warning(
                "uvicorn %s: lighter sockets are off (%s); sockets use uvicorn's own", self.version, reason
            )

    def failed(self, where: str, error: BaseException) -> None:
        """Turn the shortcuts off after an unexpected exception in one of them."""
        self.off(f"{where}: {type(error).__name__}: {error}")


fast = FastPath()


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    """websockets-sansio, unchanged on the wire; the handshake is dropped once it is done."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not fast.on:
            return
        try:
            # uvicorn's "accepted" line and websockets' "connection open" and "connection closed". Stand-ins
            # with the methods uvicorn and websockets call, not Loggers; both are Loggers to begin with.
            self.logger = quiet_sockets(self.logger)  # type: ignore[assignment]
            self.conn.logger = quiet_sockets(self.conn.logger)  # type: ignore[assignment, arg-type]
        except Exception as error:
            fast.failed("quiet loggers", error)

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        if fast.on:
            try:
                # ASGI types every extension as a dict; this one is a function, as send_now_of reads it.
                self.scope["extensions"][SEND_NOW] = self.send_text_now  # type: ignore[assignment]
            except Exception as error:
                fast.failed("offering send_text_now", error)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        scope = getattr(self, "scope", None)
        if isinstance(scope, dict):
            scope.get("extensions", {}).pop(SEND_NOW, None)  # the bound method would keep this protocol alive

    def send_text_now(self, text: str) -> bool:
        """Write a text frame now, as `send` does for websocket.send; False when only `send` may.

        `send` first waits while the socket's write buffer is full, and raises or refuses once the socket is
        closing or closed: in each of those cases this writes nothing and returns False, and the caller
        sends through ASGI (which waits, or raises as it always did). Call it only after the accept.
        """
        if not fast.on:
            return False
        try:
            if (
                not self.writable.is_set()
                or self.disconnected
                or self.close_sent
                or not self.handshake_complete
                or self.initial_response is not None
                or self.transport.is_closing()
            ):
                return False
            self.conn.send_text(text.encode())
            self.transport.write(b"".join(self.conn.data_to_send()))
        except (InvalidState, RuntimeError):  # closed meanwhile: `send` raises what it always did
            return False
        except Exception as error:
            fast.failed("send_text_now", error)
            return False
        return True

    async def send(self, message: Any) -> None:
        await super().send(message)
        if not fast.on:
            return
        try:
            if self.handshake_complete and getattr(self, "request", None) is not None:
                # Only the handshake reads them (handle_connect, then the accept in send). The parser holds
                # the same request until the socket ends: empty its headers, it no longer reads them.
                self.request.headers.clear()
                # Dropped for the socket's life, which the types do not foresee.
                self.request = None  # type: ignore[assignment]
                self.response = None  # type: ignore[assignment]
        except Exception as error:
            fast.failed("letting go of the handshake", error)
