"""Announcements: a facilitator's message to every screen."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.db import Database, now_ms
from app.errors import Conflict, Forbidden, NotFound
from app.i18n import N_
from app.kinds import Kind
from app.models import Announcement, Person, Role
from app.services import events
from app.services.people import Viewer, clean_text

BODY_MAX = 2000
# The control screen's history shows this many, newest first.
HISTORY = 50


@dataclass(frozen=True)
class AnnouncementView:
    """An announcement with its author's name."""

    announcement: Announcement
    author: str


def send(db: Database, viewer: Viewer, body: str, key: str | None) -> Announcement:
    """Send a message to every screen of the race; a repeated key returns the first."""
    if viewer.role != Role.FACILITATOR:
        raise Forbidden("Only a facilitator sends announcements.")
    body = clean_text(body, BODY_MAX, field=N_("the message"))
    key = events.clean_key(key)
    with db.write() as session:
        earlier = events.replayed(session, key, viewer.person_id)
        if earlier is not None:
            found = session.get(Announcement, earlier.data["announcement"])
            assert found is not None
            return found
        announcement = Announcement(
            race_id=viewer.race_id, author_id=viewer.person_id, body=body, created_ms=now_ms()
        )
        session.add(announcement)
        session.flush()
        events.record(
            session,
            viewer.race_id,
            Kind.ANNOUNCEMENT_SENT,
            data={"announcement": announcement.id},
            person_id=viewer.person_id,
            key=key,
        )
        return announcement


def clear(db: Database, viewer: Viewer, announcement_id: int) -> Announcement:
    """Take the announcement the screen showed off every screen; a newer one is not cleared by mistake."""
    if viewer.role != Role.FACILITATOR:
        raise Forbidden("Only a facilitator clears announcements.")
    with db.write() as session:
        events.lock_race(session, viewer.race_id)
        found = session.get(Announcement, announcement_id)
        if found is None or found.race_id != viewer.race_id:
            raise NotFound("There is no such announcement in this race.")
        newest = session.exec(
            select(Announcement.id)
            .where(Announcement.race_id == viewer.race_id)
            .order_by(col(Announcement.id).desc())
        ).first()
        if newest != found.id:
            raise Conflict("A newer announcement has been sent since; it is the one every screen shows.")
        if found.cleared_ms is not None:
            raise Conflict("This announcement has already been cleared.")
        found.cleared_ms = now_ms()
        session.add(found)
        events.record(
            session,
            viewer.race_id,
            Kind.ANNOUNCEMENT_CLEARED,
            data={"announcement": found.id},
            person_id=viewer.person_id,
        )
        return found


def _views(session: Session, race_id: int, limit: int) -> list[AnnouncementView]:
    rows = session.exec(
        select(Announcement, Person)
        .join(Person, col(Person.id) == Announcement.author_id)
        .where(Announcement.race_id == race_id)
        .order_by(col(Announcement.id).desc())
        .limit(limit)
    ).all()
    return [AnnouncementView(announcement, person.name) for announcement, person in rows]


def latest(session: Session, race_id: int) -> AnnouncementView | None:
    """Return the race's newest announcement unless it was cleared."""
    found = _views(session, race_id, 1)
    return found[0] if found and found[0].announcement.cleared_ms is None else None


def history(session: Session, race_id: int) -> list[AnnouncementView]:
    """Return the race's latest announcements, newest first, cleared ones included."""
    return _views(session, race_id, HISTORY)
