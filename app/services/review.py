"""After the race: who may review, the race's end, and the timeline, cards, requests and votes read back."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from app.errors import Forbidden, Invalid
from app.i18n import N_
from app.kinds import Kind
from app.models import (
    Card,
    CardRevision,
    Comment,
    Event,
    ExpertRequest,
    Person,
    Phase,
    Race,
    Role,
    Team,
    Vote,
)
from app.numbers import whole
from app.services import events, races
from app.services.people import Viewer

FORMER = N_("Former participant")


@dataclass(frozen=True)
class Scope:
    """What a reviewer may see: the whole race, or one team."""

    race: Race
    team_id: int | None  # None: every team (facilitators)


@dataclass
class TimelineItem:
    event: Event
    person: str
    team: str
    phase: str


@dataclass
class CardHistory:
    card: Card
    team: str
    author: str
    revisions: list[tuple[CardRevision, str]]
    votes: int
    comments: list[tuple[Comment, str]] = field(default_factory=list)


@dataclass
class RequestTimes:
    request: ExpertRequest
    team: str
    asked_by: str
    claimed_by: str
    waiting_ms: int | None
    handling_ms: int | None


@dataclass
class Filters:
    team: int | None = None
    phase: int | None = None
    person: int | None = None
    kind: str = ""


def scope(session: Session, viewer: Viewer) -> Scope:
    """Return what the viewer may review, or refuse."""
    race = races.get_race(session, viewer.slug)
    if viewer.role == Role.FACILITATOR:
        return Scope(race, None)
    if viewer.role == Role.PARTICIPANT and viewer.team_id is not None:
        if race.ended_ms is None:
            raise Forbidden("The review opens to teams when the race has ended.")
        return Scope(race, viewer.team_id)
    raise Forbidden("Only facilitators and the race's teams review the race.")


def require_facilitator(viewer: Viewer) -> None:
    """Refuse anyone but a facilitator."""
    if viewer.role != Role.FACILITATOR:
        raise Forbidden("Only a facilitator can do this.")


def names(session: Session, race_id: int) -> dict[int, str]:
    """Return person id -> the name to show ("" for someone erased, shown as a former participant)."""
    people = session.exec(select(Person).where(Person.race_id == race_id)).all()
    return {person.id or 0: person.name for person in people}


def team_names(session: Session, race_id: int) -> dict[int, str]:
    """Return team id -> name."""
    return {
        team.id or 0: team.name for team in session.exec(select(Team).where(Team.race_id == race_id)).all()
    }


def race_events(session: Session, race_id: int) -> list[Event]:
    """Return every event of the race, oldest first, read once per session."""
    cache: dict[int, list[Event]] = session.info.setdefault("review_events", {})
    if race_id not in cache:
        cache[race_id] = events.since(session, race_id, 0, limit=10**9)
    return cache[race_id]


def phase_at(session: Session, race_id: int) -> dict[int, int | None]:
    """Return seq -> id of the phase that had been started last when the event happened."""
    cache: dict[int, dict[int, int | None]] = session.info.setdefault("review_phases", {})
    if race_id in cache:
        return cache[race_id]
    current: int | None = None
    found: dict[int, int | None] = {}
    cache[race_id] = found
    for event in race_events(session, race_id):
        if event.kind in (Kind.PHASE_STARTED, Kind.PHASE_UNDONE):
            # An undone start makes the phase it replaced current again (data "phase" names it).
            current = event.data.get("phase")
        found[event.seq] = current
    return found


def timeline(session: Session, scope_: Scope, filters: Filters, limit: int = 2000) -> list[TimelineItem]:
    """Return the race's events, oldest first, narrowed by team, phase, person and kind."""
    race_id = scope_.race.id or 0
    people = names(session, race_id)
    teams_ = team_names(session, race_id)
    phases = {phase.id: phase.name for phase in session.exec(select(Phase).where(Phase.race_id == race_id))}
    phase_of = phase_at(session, race_id)
    team = scope_.team_id if scope_.team_id is not None else filters.team
    items = []
    for event in race_events(session, race_id):
        if team is not None and event.team_id != team:
            continue
        if filters.person is not None and event.person_id != filters.person:
            continue
        if filters.kind and event.kind != filters.kind:
            continue
        phase_id = phase_of.get(event.seq)
        if filters.phase is not None and phase_id != filters.phase:
            continue
        items.append(
            TimelineItem(
                event,
                people.get(event.person_id or 0, ""),
                teams_.get(event.team_id or 0, ""),
                phases.get(phase_id, "") if phase_id else "",
            )
        )
        if len(items) >= limit:
            break
    return items


def kinds(session: Session, race_id: int) -> list[str]:
    """Return every event kind the race has, for the filter."""
    query = select(Event.kind).where(Event.race_id == race_id).distinct()
    return sorted(session.exec(query).all())


def card_histories(session: Session, scope_: Scope) -> list[CardHistory]:
    """Return each card with its revisions, its votes and its comments, by team and then age."""
    race_id = scope_.race.id or 0
    people = names(session, race_id)
    teams_ = team_names(session, race_id)
    query = select(Card).where(Card.race_id == race_id)
    if scope_.team_id is not None:
        query = query.where(Card.team_id == scope_.team_id)
    found = list(session.exec(query.order_by(col(Card.team_id), col(Card.id))).all())
    ids = [card.id for card in found]
    revisions: dict[int, list[tuple[CardRevision, str]]] = {}
    for revision in session.exec(
        select(CardRevision).where(col(CardRevision.card_id).in_(ids)).order_by(col(CardRevision.rev))
    ):
        revisions.setdefault(revision.card_id, []).append((revision, people.get(revision.author_id, "")))
    votes = votes_per_card(session, ids)
    comments: dict[int, list[tuple[Comment, str]]] = {}
    for comment in session.exec(
        select(Comment).where(col(Comment.card_id).in_(ids)).order_by(col(Comment.id))
    ):
        comments.setdefault(comment.card_id, []).append((comment, people.get(comment.author_id, "")))
    return [
        CardHistory(
            card,
            teams_.get(card.team_id, ""),
            people.get(card.author_id, ""),
            revisions.get(card.id or 0, []),
            votes.get(card.id or 0, 0),
            comments.get(card.id or 0, []),
        )
        for card in found
    ]


def votes_per_card(session: Session, card_ids: list[Any]) -> Counter[int]:
    """Return card id -> votes that were not withdrawn."""
    query = select(Vote.card_id).where(col(Vote.card_id).in_(card_ids), col(Vote.withdrawn_ms).is_(None))
    return Counter(session.exec(query).all())


def request_times(session: Session, scope_: Scope) -> list[RequestTimes]:
    """Return each expert request with how long it waited for an expert and how long the help took."""
    race_id = scope_.race.id or 0
    people = names(session, race_id)
    teams_ = team_names(session, race_id)
    query = select(ExpertRequest).where(ExpertRequest.race_id == race_id)
    if scope_.team_id is not None:
        query = query.where(ExpertRequest.team_id == scope_.team_id)
    result = []
    for request in session.exec(query.order_by(col(ExpertRequest.created_ms), col(ExpertRequest.id))):
        waiting = request.claimed_ms - request.created_ms if request.claimed_ms is not None else None
        handling = (
            request.resolved_ms - request.claimed_ms
            if request.resolved_ms is not None and request.claimed_ms is not None
            else None
        )
        result.append(
            RequestTimes(
                request,
                teams_.get(request.team_id, ""),
                people.get(request.asked_by, ""),
                people.get(request.claimed_by or 0, ""),
                waiting,
                handling,
            )
        )
    return result


def optional_int(value: str) -> int | None:
    """Read an optional id from a query string."""
    if not value:
        return None
    try:
        return whole(value)
    except ValueError:
        raise Invalid("The form is malformed.") from None
