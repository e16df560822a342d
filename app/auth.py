"""Who is asking: the session cookie's tokens resolved to a person of the race, or to an organiser."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from app import i18n
from app.db import Database
from app.errors import Forbidden, ServiceError
from app.passwords import Passwords
from app.services import organisers, people
from app.services.organisers import Account
from app.services.people import Viewer

SESSION_KEY = "sid"
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
    """Return the signed-in person, or None."""
    token = conn.session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    return await run_in_threadpool(people.viewer, database(conn), token)


async def require_viewer(conn: HTTPConnection, slug: str) -> Viewer:
    """Return the signed-in person of this race, or refuse."""
    viewer = await current_viewer(conn)
    if viewer is None:
        raise NotSignedIn("Join the race with your code first.")
    if viewer.slug != slug:
        raise Forbidden("You are signed in to another race.")
    return viewer


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
