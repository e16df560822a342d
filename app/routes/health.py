"""What an operator's tools read: the server's health and its metrics."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.auth import database
from app.db import Database
from app.errors import Forbidden
from app.metrics import CONTENT_TYPE, Metrics
from app.routes import page


def database_state(db: Database) -> dict[str, bool]:
    """Return whether the database answers a read, and takes a write (made, then rolled back)."""
    try:
        readable = db.ping()
    except Exception:
        return {"readable": False, "writable": False}
    try:
        writable = db.can_write()
    except Exception:
        writable = False
    return {"readable": readable, "writable": writable}


async def healthz(request: Request) -> Response:
    """Answer 200 when the database reads and writes and, on PostgreSQL, this process hears the others."""
    report: dict[str, bool] = await run_in_threadpool(database_state, database(request))
    listener = getattr(request.app.state, "listener", None)
    if listener is not None:
        report["listener"] = listener.connected.is_set()
    ok = all(report.values())
    return JSONResponse({"ok": ok, **report}, status_code=200 if ok else 503)


async def metrics(request: Request) -> Response:
    """Answer the metrics to loopback and the allowed addresses (the address uvicorn verified, no header)."""
    found: Metrics = request.app.state.metrics
    if not found.allows(request.client.host if request.client else None):
        raise Forbidden("This is not allowed.")
    return Response(found.text(), media_type=CONTENT_TYPE)


ROUTES = [
    page("/healthz", healthz, "healthz"),
    page("/metrics", metrics, "metrics"),
]
