"""The bare baseline: a Starlette broadcast server with no database and no templates.

Served with the same uvicorn options and collector settings as Kraftsamla (live/collector.py);
POST /broadcast?seq=N&size=B sends one message of B bytes to every socket, awaiting each send in turn (the
plain way, as measured in shared/NOTES.md).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from live.collector import tune_collector

sockets: set[WebSocket] = set()


async def live(websocket: WebSocket) -> None:
    """Hold a socket until it closes."""
    await websocket.accept()
    sockets.add(websocket)
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        sockets.discard(websocket)


async def broadcast(request: Request) -> PlainTextResponse:
    """Send one message to every socket."""
    seq = int(request.query_params["seq"])
    size = int(request.query_params.get("size", "900"))
    header = f"<!--seq {seq}-->\n"
    message = header + "x" * max(0, size - len(header))
    for socket in list(sockets):
        try:
            await socket.send_text(message)
        except Exception:
            sockets.discard(socket)
    return PlainTextResponse(str(len(sockets)))


async def healthz(request: Request) -> PlainTextResponse:
    """Answer that the server is up."""
    return PlainTextResponse("ok")


app = Starlette(
    routes=[
        Route("/broadcast", broadcast, methods=["POST"]),
        Route("/healthz", healthz),
        WebSocketRoute("/live", live),
    ]
)
tune_collector()  # as app/asgi.py does
