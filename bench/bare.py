"""The bare baseline: a Starlette broadcast server with no database and no templates.

Served with the same uvicorn options and collector settings as Kraftsamla (live/collector.py);
POST /broadcast?seq=N&size=B sends one message of B bytes to every socket, awaiting each send in turn (the
plain way, as measured in shared/NOTES.md).

POST /cards does the least a durable contribution needs: it reads the form, inserts one row in its own
transaction into SQLite (WAL, synchronous=FULL; the file named by BENCH_BARE_DATABASE) in a worker thread, and
answers 201 with a small HTML fragment. No session, no rules, no event, no templates, no fan-out.
"""

from __future__ import annotations

import html
import os
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from live.collector import tune_collector

sockets: set[WebSocket] = set()


class Cards:
    """One SQLite connection, used by one worker thread at a time: a single writer, as SQLite allows."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS card (id INTEGER PRIMARY KEY, title TEXT, col TEXT, key TEXT)"
        )
        self.lock = threading.Lock()

    def add(self, title: str, column: str, key: str) -> int:
        """Insert one card in its own transaction and return its id."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                cursor = self.db.execute(
                    "INSERT INTO card (title, col, key) VALUES (?, ?, ?)", (title, column, key)
                )
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        return cursor.lastrowid or 0

    def close(self) -> None:
        self.db.close()


cards: Cards | None = None


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


async def add_card(request: Request) -> HTMLResponse:
    """Store one card and answer with its fragment."""
    assert cards is not None, "POST /cards needs BENCH_BARE_DATABASE"
    form = await request.form()
    title, column, key = (str(form.get(name, "")) for name in ("title", "column", "key"))
    card_id = await run_in_threadpool(cards.add, title, column, key)
    fragment = f'<li id="card-{card_id}" class="card">{html.escape(title)}</li>'
    return HTMLResponse(fragment, status_code=201)


async def healthz(request: Request) -> PlainTextResponse:
    """Answer that the server is up."""
    return PlainTextResponse("ok")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Open the cards' database, when the bench names one, for the server's lifetime."""
    global cards
    path = os.environ.get("BENCH_BARE_DATABASE")
    cards = Cards(path) if path else None
    try:
        yield
    finally:
        if cards is not None:
            cards.close()
            cards = None


app = Starlette(
    lifespan=lifespan,
    routes=[
        Route("/broadcast", broadcast, methods=["POST"]),
        Route("/cards", add_card, methods=["POST"]),
        Route("/healthz", healthz),
        WebSocketRoute("/live", live),
    ],
)
tune_collector()  # as app/asgi.py does
