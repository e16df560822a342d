"""Who is asking: the session cookie's token resolved to a person of the race in the path."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from app.db import Database
from app.errors import Forbidden, ServiceError
from app.services import people
from app.services.people import Viewer

SESSION_KEY = "sid"
VIEWER_KEY = "kraftsamla.viewer"  # in the request's state: (token, the person it names or None)


class NotSignedIn(ServiceError):
    status = 401


def database(conn: HTTPConnection) -> Database:
    """Return the app's database."""
    db: Database = conn.app.state.db
    return db


async def current_viewer(conn: HTTPConnection) -> Viewer | None:
    """Return the signed-in person, or None; looked up once per request (the rate limit asks first)."""
    token = conn.session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    state = conn.scope.setdefault("state", {})
    known = state.get(VIEWER_KEY)
    if known is not None and known[0] == token:
        viewer: Viewer | None = known[1]
        return viewer
    viewer = await run_in_threadpool(people.viewer, database(conn), token)
    state[VIEWER_KEY] = (token, viewer)
    return viewer


async def require_viewer(conn: HTTPConnection, slug: str) -> Viewer:
    """Return the signed-in person of this race, or refuse."""
    viewer = await current_viewer(conn)
    if viewer is None:
        raise NotSignedIn("Join the race with your code first.")
    if viewer.slug != slug:
        raise Forbidden("You are signed in to another race.")
    return viewer
