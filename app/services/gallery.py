"""The gallery walk: in a phase, the facilitator lets participants read (never change) every team's board.

The gallery belongs to the phase it was opened in (`race.gallery_phase_id`): it closes when the facilitator
closes it or when another phase starts.
"""

from __future__ import annotations

from sqlmodel import Session

from app.db import Database
from app.errors import Conflict
from app.kinds import Kind
from app.models import Race, Role
from app.services import events, phases
from app.services.agenda import require_facilitator
from app.services.people import Viewer


def is_open(race: Race) -> bool:
    """Return whether the gallery is open now (opened in the phase that is current)."""
    return race.gallery_phase_id is not None and race.gallery_phase_id == race.current_phase_id


def lets_read(session: Session, viewer: Viewer, team_id: int) -> bool:
    """Return whether the gallery lets this participant read another team's board now."""
    if viewer.role != Role.PARTICIPANT or team_id == viewer.team_id:
        return False
    race = session.get(Race, viewer.race_id)
    return race is not None and is_open(race)


def _set(db: Database, viewer: Viewer, shown_phase: int, opening: bool) -> int:
    require_facilitator(viewer)
    with db.write() as session:
        events.lock_race(session, viewer.race_id)
        race = session.get(Race, viewer.race_id)
        assert race is not None
        session.refresh(race)
        current = phases.open_phase(session, race)
        if current is None or current.id != shown_phase:
            raise Conflict("The phase has changed meanwhile; the control screen shows it now.")
        if is_open(race) and opening:
            raise Conflict("The gallery is open already.")
        if not is_open(race) and not opening:
            raise Conflict("The gallery is closed already.")
        race.gallery_phase_id = current.id if opening else None
        session.add(race)
        kind = Kind.GALLERY_OPENED if opening else Kind.GALLERY_CLOSED
        return events.record(
            session, race.id or 0, kind, data={"phase": current.id}, person_id=viewer.person_id
        ).seq


def open_gallery(db: Database, viewer: Viewer, shown_phase: int) -> int:
    """Open the gallery in the current phase (the one the control screen showed)."""
    return _set(db, viewer, shown_phase, True)


def close_gallery(db: Database, viewer: Viewer, shown_phase: int) -> int:
    """Close the gallery: every participant's view of other boards goes at once."""
    return _set(db, viewer, shown_phase, False)
