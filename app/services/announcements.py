"""Announcements: a facilitator's message to every screen."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.db import Database, now_ms
from app.errors import Forbidden
from app.i18n import N_
from app.kinds import Kind
from app.models import Announcement, Person, Role
from app.services import events
from app.services.people import Viewer, clean_text

# Read in full from the back of the room: the wall shows every announcement whole (docs/screens.md).
BODY_MAX = 280


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


def latest(session: Session, race_id: int) -> AnnouncementView | None:
    """Return the race's newest announcement, if any."""
    row = session.exec(
        select(Announcement, Person)
        .join(Person, col(Person.id) == Announcement.author_id)
        .where(Announcement.race_id == race_id)
        .order_by(col(Announcement.id).desc())
    ).first()
    return AnnouncementView(row[0], row[1].name) if row is not None else None
