"""Who is asking: the session cookie's tokens resolved to a person of the race in the path or an organiser."""

from __future__ import annotations

from itsdangerous import BadSignature, Signer
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.responses import Response

from app import i18n, settings
from app.db import Database
from app.errors import Forbidden, ServiceError
from app.passwords import Passwords
from app.services import organisers, people
from app.services.organisers import Account
from app.services.people import Viewer
from app.viewers import ViewerCache

SESSION_KEY = "sid"
VIEWER_KEY = "kraftsamla.viewer"  # in the request's state: (token, the person it names or None)
# The browser's own identity: kept across sign-out, so that joining again gives the same person back.
DEVICE_COOKIE = "kraftsamla_device"
DEVICE_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (Chrome caps there)
# An organiser's session token: kept beside a race's (an organiser is a facilitator of the races they run).
ORGANISER_KEY = "org"


class NotSignedIn(ServiceError):
    status = 401


class OrganiserNotSignedIn(NotSignedIn):
    """The page needs an organiser's sign-in."""


def database(conn: HTTPConnection) -> Database:
    """Return the app's database."""
    db: Database = conn.app.state.db
    return db


async def current_viewer(conn: HTTPConnection) -> Viewer | None:
    """Return the signed-in person, or None; read once per session while it holds (app/viewers.py)."""
    token = conn.session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    state = conn.scope.setdefault("state", {})
    known = state.get(VIEWER_KEY)
    if known is not None and known[0] == token:
        viewer: Viewer | None = known[1]
        return viewer
    cache: ViewerCache = conn.app.state.viewers
    viewer = cache.get(token)
    if viewer is None:
        # Looked up once per request (the rate limit asks first) and kept while nothing changes it.
        mark = cache.reading()
        viewer = await run_in_threadpool(people.viewer, database(conn), token)
        if viewer is not None:
            cache.put(token, viewer, mark)
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


def device_signer(secret: str) -> Signer:
    """Return the signer of device cookies (the app keeps one, made with the site's secret)."""
    return Signer(secret, salt="kraftsamla.device")


def _signer(conn: HTTPConnection) -> Signer:
    signer: Signer = conn.app.state.device_signer
    return signer


def device_token(conn: HTTPConnection) -> str | None:
    """Return the device token this browser's cookie carries, if its signature holds."""
    value = conn.cookies.get(DEVICE_COOKIE)
    if not value:
        return None
    try:
        return _signer(conn).unsign(value).decode()
    except (BadSignature, UnicodeDecodeError):
        return None


def remember_device(conn: HTTPConnection, response: Response, token: str) -> None:
    """Keep (or renew) the browser's device cookie: signed, HttpOnly, SameSite=Lax, Secure when configured."""
    response.set_cookie(
        DEVICE_COOKIE,
        _signer(conn).sign(token).decode(),
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.COOKIE_SECURE,
    )


def passwords(conn: HTTPConnection) -> Passwords:
    """Return the app's password hasher."""
    found: Passwords = conn.app.state.passwords
    return found


async def current_account(conn: HTTPConnection) -> Account | None:
    """Return the signed-in organiser, or None."""
    token = conn.session.get(ORGANISER_KEY)
    if not isinstance(token, str):
        return None
    return await run_in_threadpool(organisers.account, database(conn), token)


async def require_account(conn: HTTPConnection) -> Account:
    """Return the signed-in organiser, or refuse."""
    who = await current_account(conn)
    if who is None:
        raise OrganiserNotSignedIn(i18n.N_("Sign in as an organiser first."))
    return who
