"""Devices: the browser a person joined from, so that joining again gives the same person back.

The browser keeps a random token in a signed, long-lived cookie (see app/auth.py); the database keeps only its
digest, on each person who joined with it. A new browser, or one that dropped its cookies, is a new device.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from app.models import Person


def new_token() -> str:
    """Return a fresh device token for a browser that has none."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """Return what the database keeps of a device token (the token itself is a credential)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Peer:
    """Someone else who joined from the same device: as the roster names them."""

    name: str
    role: str


# Columns, not entities: the roster asks on every render, and every person of the race has a device.
_SHARED = (
    select(Person.id, Person.device, Person.name, Person.role)
    .where(
        Person.race_id == bindparam("race"),
        col(Person.device).is_not(None),
        col(Person.erased_ms).is_(None),
    )
    .order_by(col(Person.id))
)


def shared(session: Session, race_id: int) -> dict[int, list[Peer]]:
    """Return person id -> the race's other people who joined from the same device, for those who have any."""
    by_device: dict[str, list[tuple[int, Peer]]] = {}
    for person_id, device, name, role in session.execute(_SHARED, {"race": race_id}):
        by_device.setdefault(device, []).append((person_id, Peer(name, role)))
    found: dict[int, list[Peer]] = {}
    for group in by_device.values():
        if len(group) > 1:
            for person_id, _peer in group:
                found[person_id] = [peer for other, peer in group if other != person_id]
    return found
