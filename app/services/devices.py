"""Devices: the browser a person joined from, so that joining again gives the same person back.

The browser keeps a random token in a signed, long-lived cookie (see app/auth.py); the database keeps only its
digest, on each person who joined with it. A new browser, or one that dropped its cookies, is a new device.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from app.models import Person


def new_token() -> str:
    """Return a fresh device token for a browser that has none."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """Return what the database keeps of a device token (the token itself is a credential)."""
    return hashlib.sha256(token.encode()).hexdigest()


_SHARED = (
    select(Person)
    .where(
        Person.race_id == bindparam("race"),
        col(Person.device).is_not(None),
        col(Person.erased_ms).is_(None),
    )
    .order_by(col(Person.id))
)


def shared(session: Session, race_id: int) -> dict[int, list[Person]]:
    """Return person id -> the race's other people who joined from the same device, for those who have any."""
    by_device: dict[str, list[Person]] = {}
    for person in session.exec(_SHARED, params={"race": race_id}):  # type: ignore[call-overload]
        by_device.setdefault(person.device, []).append(person)
    found: dict[int, list[Person]] = {}
    for group in by_device.values():
        if len(group) > 1:
            for person in group:
                found[person.id or 0] = [other for other in group if other.id != person.id]
    return found
