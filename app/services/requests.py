"""Expert requests: a team asks, an expert claims (or is assigned), notes, resolves; the team rates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from app.db import Database, now_ms
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.i18n import N_
from app.kinds import Kind
from app.models import ExpertRequest, Person, Race, RequestStatus, Role
from app.numbers import whole
from app.services import competences, ending, events, phases
from app.services.people import Viewer, clean_text, require_team

QUESTION_MAX = 2000
NOTE_MAX = 2000
WORD_MAX = 200


def ask(db: Database, viewer: Viewer, *, question: str, tags: list[str], key: str | None) -> ExpertRequest:
    """Open a request for the viewer's team while the phase takes requests; a repeated key returns it."""
    if viewer.role != Role.PARTICIPANT:
        raise Forbidden("Only team members call an expert.")
    if viewer.team_id is None:
        raise Conflict("Choose a team before you call an expert.")
    question = clean_text(question, QUESTION_MAX, field=N_("the question"))
    key = events.clean_key(key)
    with db.write() as session:
        earlier = events.replayed(session, key, viewer.person_id)
        if earlier is not None:
            found = session.get(ExpertRequest, earlier.data["request"])
            assert found is not None
            return found
        require_team(session, viewer)
        race = session.get(Race, viewer.race_id)
        assert race is not None
        ending.refuse_ended(race)
        phase = phases.open_phase(session, race)
        if phase is None or not phase.requests_open:
            raise Conflict("Experts can only be called while the phase takes requests.")
        tags = competences.resolve(session, viewer.race_id, tags)
        request = ExpertRequest(
            race_id=viewer.race_id,
            team_id=viewer.team_id,
            asked_by=viewer.person_id,
            question=question,
            tags=tags,
            created_ms=now_ms(),
        )
        session.add(request)
        session.flush()
        _record(session, request, Kind.REQUEST_OPENED, viewer, key=key, extra={"tags": tags})
        return request


def parse_rating(value: str) -> int:
    """Return a rating 1-5 or refuse it."""
    try:
        rating = whole(value)
    except ValueError:
        rating = 0
    if not 1 <= rating <= 5:
        raise Invalid("Rate the help from 1 to 5.")
    return rating


def claim(db: Database, viewer: Viewer, request_id: int) -> ExpertRequest:
    """Claim an open request; when two experts claim at once exactly one wins."""
    if viewer.role != Role.EXPERT:
        raise Forbidden("Only experts claim requests.")
    with db.write() as session:
        request = _load(session, viewer, request_id)
        _refuse_ended(session, viewer)
        now = now_ms()
        # The status test inside the UPDATE is what decides a race between two experts.
        won = session.exec(
            update(ExpertRequest)
            .where(col(ExpertRequest.id) == request_id, col(ExpertRequest.status) == RequestStatus.OPEN)
            .values(status=RequestStatus.CLAIMED, claimed_by=viewer.person_id, claimed_ms=now)
        ).rowcount
        if won != 1:
            raise Conflict("Another expert has already claimed this request.")
        session.refresh(request)
        _record(session, request, Kind.REQUEST_CLAIMED, viewer)
        return request


def assign(db: Database, viewer: Viewer, request_id: int, expert_id: int) -> ExpertRequest:
    """Give an open or claimed request to an expert of the race (facilitators)."""
    if viewer.role != Role.FACILITATOR:
        raise Forbidden("Only a facilitator assigns experts.")
    with db.write() as session:
        request = _load(session, viewer, request_id)
        _refuse_ended(session, viewer)
        expert = session.get(Person, expert_id)
        if expert is None or expert.race_id != viewer.race_id or expert.role != Role.EXPERT:
            raise NotFound("There is no such expert in this race.")
        previous = request.claimed_by
        now = now_ms()
        won = session.exec(
            update(ExpertRequest)
            .where(
                col(ExpertRequest.id) == request_id,
                col(ExpertRequest.status).in_([RequestStatus.OPEN, RequestStatus.CLAIMED]),
            )
            .values(status=RequestStatus.CLAIMED, claimed_by=expert_id, claimed_ms=now)
        ).rowcount
        if won != 1:
            raise Conflict("This request is already closed.")
        session.refresh(request)
        _record(session, request, Kind.REQUEST_ASSIGNED, viewer, extra={"previous": previous})
        return request


def add_note(db: Database, viewer: Viewer, request_id: int, note: str) -> ExpertRequest:
    """Keep the claiming expert's note on a request."""
    note = clean_text(note, NOTE_MAX, field=N_("the note"))
    with db.write() as session:
        request = _mine(session, viewer, request_id, RequestStatus.CLAIMED, RequestStatus.RESOLVED)
        request.note = note
        session.add(request)
        _record(session, request, Kind.REQUEST_NOTED, viewer)
        return request


def resolve(db: Database, viewer: Viewer, request_id: int, note: str | None = None) -> ExpertRequest:
    """Mark the viewer's claimed request as resolved, keeping the note typed with it (if any)."""
    note = clean_text(note or "", NOTE_MAX, field=N_("the note"), required=False)
    with db.write() as session:
        request = _mine(session, viewer, request_id, RequestStatus.CLAIMED)
        if note and note != request.note:
            # Typed and never saved on its own: it goes with the resolution, in the same transaction.
            request.note = note
            _record(session, request, Kind.REQUEST_NOTED, viewer)
        request.status = RequestStatus.RESOLVED
        request.resolved_ms = now_ms()
        session.add(request)
        _record(session, request, Kind.REQUEST_RESOLVED, viewer)
        return request


def cancel(db: Database, viewer: Viewer, request_id: int) -> ExpertRequest:
    """Withdraw the team's open or claimed request."""
    with db.write() as session:
        request = _team_request(session, viewer, request_id)
        if request.status not in (RequestStatus.OPEN, RequestStatus.CLAIMED):
            raise Conflict("This request is already closed.")
        request.status = RequestStatus.CANCELLED
        request.cancelled_ms = now_ms()
        session.add(request)
        _record(session, request, Kind.REQUEST_CANCELLED, viewer)
        return request


def rate(db: Database, viewer: Viewer, request_id: int, rating: int, word: str) -> ExpertRequest:
    """Let the team rate the help 1-5, once, after the request is resolved."""
    if not 1 <= rating <= 5:
        raise Invalid("Rate the help from 1 to 5.")
    word = clean_text(word, WORD_MAX, field=N_("the comment"), required=False)
    with db.write() as session:
        request = _team_request(session, viewer, request_id)
        if request.status != RequestStatus.RESOLVED:
            raise Conflict("The help can be rated once the request is resolved.")
        if request.rating is not None:
            raise Conflict("Your team has already rated this help.")
        request.rating = rating
        request.rating_word = word
        session.add(request)
        _record(session, request, Kind.REQUEST_RATED, viewer, extra={"rating": rating})
        return request


def _refuse_ended(session: Session, viewer: Viewer) -> None:
    race = session.get(Race, viewer.race_id)
    assert race is not None
    ending.refuse_ended(race)


def _load(session: Session, viewer: Viewer, request_id: int) -> ExpertRequest:
    request = session.get(ExpertRequest, request_id)
    if request is None or request.race_id != viewer.race_id:
        raise NotFound("There is no such request in this race.")
    return request


def _mine(session: Session, viewer: Viewer, request_id: int, *statuses: str) -> ExpertRequest:
    request = _load(session, viewer, request_id)
    if viewer.role != Role.EXPERT or request.claimed_by != viewer.person_id:
        raise Forbidden("Only the expert who has the request can do this.")
    if request.status not in statuses:
        raise Conflict("This request is already closed.")
    return request


def _team_request(session: Session, viewer: Viewer, request_id: int) -> ExpertRequest:
    request = _load(session, viewer, request_id)
    if viewer.role == Role.PARTICIPANT:
        require_team(session, viewer)
    if viewer.role != Role.PARTICIPANT or request.team_id != viewer.team_id:
        raise Forbidden("Only the team that asked can do this.")
    return request


def _record(
    session: Session,
    request: ExpertRequest,
    kind: Kind,
    viewer: Viewer,
    *,
    key: str | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    events.record(
        session,
        request.race_id,
        kind,
        data={"request": request.id, "status": request.status, "expert": request.claimed_by, **(extra or {})},
        person_id=viewer.person_id,
        team_id=request.team_id,
        key=key,
    )
