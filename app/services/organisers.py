"""Organiser accounts: made by the command line or another organiser, signed in with e-mail and password."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.db import Database, now_ms
from app.errors import Conflict, Invalid, ServiceError
from app.i18n import N_
from app.models import Organiser, OrganiserSession
from app.passwords import Passwords
from app.services.people import clean_text

EMAIL_MAX = 254
NAME_MAX = 80
PASSWORD_MIN = 10
PASSWORD_MAX = 200
# One "@", something on each side, a dot in the domain, no spaces: the address is checked by use, not here.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class WrongPassword(ServiceError):
    status = 401


@dataclass(frozen=True)
class Account:
    """The signed-in organiser."""

    organiser_id: int
    email: str
    name: str


def clean_email(value: str) -> str:
    """Return an e-mail address as it is stored (trimmed, case-folded), or refuse it."""
    email = clean_text(value, EMAIL_MAX, field=N_("the e-mail address")).casefold()
    if not EMAIL.fullmatch(email):
        raise Invalid("Enter an e-mail address, such as name@example.se.")
    return email


def check_password(password: str) -> str:
    """Return a password that is long enough (and not absurdly long), or refuse it."""
    if len(password) < PASSWORD_MIN:
        raise Invalid("A password has at least %(limit)s characters.", limit=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        raise Invalid("A password has at most %(limit)s characters.", limit=PASSWORD_MAX)
    return password


def _account(row: Organiser) -> Account:
    assert row.id is not None
    return Account(row.id, row.email, row.name)


def create(db: Database, passwords: Passwords, email: str, password: str, name: str = "") -> Account:
    """Make an organiser account; its name defaults to the part of the e-mail before the "@"."""
    email = clean_email(email)
    name = (
        clean_text(name, NAME_MAX, field=N_("the name"), required=False) or email.partition("@")[0][:NAME_MAX]
    )
    hashed = passwords.hash(check_password(password))
    with db.write() as session:
        if session.exec(select(Organiser.id).where(Organiser.email == email)).first() is not None:
            raise Conflict("There is already an organiser with this e-mail address.")
        now = now_ms()
        row = Organiser(email=email, name=name, password_hash=hashed, created_ms=now, password_ms=now)
        session.add(row)
        session.flush()
        return _account(row)


def find(session: Session, email: str) -> Organiser | None:
    """Return the organiser with this e-mail address, if any."""
    return session.exec(select(Organiser).where(Organiser.email == email.strip().casefold())).first()


def sign_in(db: Database, passwords: Passwords, email: str, password: str) -> str:
    """Check an e-mail and password; return a new session token, or raise WrongPassword."""
    with db.read() as session:
        row = find(session, email[:EMAIL_MAX])
    # An unknown address (or an overlong password) is checked against a decoy: as slow, and the same answer.
    stored = row.password_hash if row is not None and len(password) <= PASSWORD_MAX else None
    if not passwords.verify(stored, password[:PASSWORD_MAX]) or row is None:
        raise WrongPassword(N_("The e-mail address or the password is wrong."))
    token = secrets.token_urlsafe(32)
    rehashed = passwords.hash(password) if passwords.outdated(row.password_hash) else None
    with db.write() as session:
        session.add(OrganiserSession(token=token, organiser_id=row.id or 0, created_ms=now_ms()))
        if rehashed is not None:
            session.execute(
                update(Organiser)
                .where(col(Organiser.id) == row.id, col(Organiser.password_hash) == row.password_hash)
                .values(password_hash=rehashed)
            )
    return token


def account(db: Database, token: str | None) -> Account | None:
    """Return the organiser a session token belongs to, or None when it is unknown or ended."""
    if not token:
        return None
    with db.read() as session:
        row = session.exec(
            select(Organiser)
            .join(OrganiserSession, col(OrganiserSession.organiser_id) == Organiser.id)
            .where(OrganiserSession.token == token, col(OrganiserSession.ended_ms).is_(None))
        ).first()
    return None if row is None else _account(row)


def sign_out(db: Database, token: str) -> None:
    """End an organiser's session."""
    with db.write() as session:
        row = session.get(OrganiserSession, token)
        if row is not None and row.ended_ms is None:
            row.ended_ms = now_ms()
            session.add(row)


def change_password(
    db: Database, passwords: Passwords, who: Account, token: str, current: str, new: str
) -> None:
    """Set a new password after checking the current one; every other session of the account ends."""
    check_password(new)
    with db.read() as session:
        row = session.get(Organiser, who.organiser_id)
    assert row is not None
    if not passwords.verify(row.password_hash, current[:PASSWORD_MAX]):
        raise WrongPassword(N_("The current password is wrong."))
    hashed = passwords.hash(new)
    with db.write() as session:
        # Named on the hash it checked: of two changes at once, the second finds it changed.
        changed = session.exec(
            update(Organiser)
            .where(col(Organiser.id) == row.id, col(Organiser.password_hash) == row.password_hash)
            .values(password_hash=hashed, password_ms=now_ms())
        ).rowcount
        if not changed:
            raise Conflict("The password was changed meanwhile. Sign in again with the new one.")
        session.execute(
            update(OrganiserSession)
            .where(
                col(OrganiserSession.organiser_id) == row.id,
                col(OrganiserSession.token) != token,
                col(OrganiserSession.ended_ms).is_(None),
            )
            .values(ended_ms=now_ms())
        )
