"""Replay: a team board and the wall as they were after any event, rebuilt from the log and the rows."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import Any

from sqlmodel import Session, col, or_, select

from app.kinds import Kind
from app.models import (
    Announcement,
    Card,
    CardColumn,
    CardRevision,
    Event,
    ExpertRequest,
    Person,
    Phase,
    PhaseState,
    Race,
    RequestStatus,
    Team,
    Vote,
)
from app.services import comments, teams
from app.services.announcements import AnnouncementView
from app.services.board import CardExtras
from app.services.cards import CardView
from app.services.experts import RequestView
from app.services.teams import TeamView


@dataclass(frozen=True)
class Moment:
    """A point in the race: just after the event with this seq."""

    seq: int
    at_ms: int
    kind: str
    first_seq: int
    last_seq: int


def moment(session: Session, race: Race, seq: int | None) -> Moment:
    """Return the moment after an event (the newest when no seq is given, clamped to the race's range)."""
    bounds = session.exec(
        select(Event.seq).where(Event.race_id == race.id).order_by(col(Event.seq)).limit(1)
    ).first()
    first = bounds or 0
    last = race.seq
    wanted = last if seq is None else max(first, min(seq, last))
    event = session.exec(
        select(Event)
        .where(Event.race_id == race.id, col(Event.seq) <= wanted)
        .order_by(col(Event.seq).desc())
        .limit(1)
    ).first()
    if event is None:
        return Moment(0, race.created_ms, "", first, last)
    return Moment(event.seq, event.at_ms, event.kind, first, last)


def cards_at(session: Session, race_id: int, at_ms: int, team_id: int | None = None) -> list[CardView]:
    """Return the live cards as of a time: each card's newest revision then, tombstones dropped."""
    query = (
        select(CardRevision, Card, Person, Team)
        .join(Card, col(Card.id) == CardRevision.card_id)
        .join(Person, col(Person.id) == Card.author_id)
        .join(Team, col(Team.id) == Card.team_id)
        .where(Card.race_id == race_id, col(CardRevision.created_ms) <= at_ms)
        .order_by(col(Card.id), col(CardRevision.rev))
    )
    if team_id is not None:
        query = query.where(Card.team_id == team_id)
    newest: dict[int, tuple[CardRevision, Card, Person, Team]] = {}
    for revision, card, person, team in session.exec(query).all():
        newest[card.id or 0] = (revision, card, person, team)
    views = []
    for revision, card, person, team in newest.values():
        if revision.deleted:
            continue
        then = Card(
            id=card.id,
            race_id=card.race_id,
            team_id=card.team_id,
            author_id=card.author_id,
            column=revision.column,
            title=revision.title,
            body=revision.body,
            rev=revision.rev,
            created_ms=card.created_ms,
            updated_ms=revision.created_ms,
        )
        views.append(CardView(then, person.name, team.name, team.colour))
    return views


def board_at(session: Session, race_id: int, team_id: int, at_ms: int) -> dict[str, list[CardView]]:
    """Return a team's board as of a time, column by column, oldest card first."""
    columns: dict[str, list[CardView]] = {name.value: [] for name in CardColumn}
    for view in cards_at(session, race_id, at_ms, team_id):
        columns.setdefault(view.card.column, []).append(view)
    return columns


def teams_at(session: Session, race_id: int, seq: int) -> list[TeamView]:
    """Return every team with the members it had just after an event (from the `team.joined` events)."""
    placed: dict[int, int] = {}
    joined = select(Event).where(
        Event.race_id == race_id, Event.kind == Kind.TEAM_JOINED, col(Event.seq) <= seq
    )
    for event in session.exec(joined.order_by(col(Event.seq))):
        if event.person_id is not None and event.team_id is not None:
            placed[event.person_id] = event.team_id
    views = teams.listing(session, race_id)
    people = session.exec(select(Person).where(col(Person.id).in_(list(placed))).order_by(col(Person.name)))
    members: dict[int, list[Person]] = {}
    for person in people:
        members.setdefault(placed[person.id or 0], []).append(person)
    return [TeamView(view.team, view.challenge, members.get(view.team.id or 0, [])) for view in views]


def wall_at(session: Session, race: Race, at: Moment) -> dict[str, Any]:
    """Return what the wall showed at a moment: teams, newest ideas, clock, announcement, spotlight, queue."""
    race_id = race.id or 0
    views = cards_at(session, race_id, at.at_ms)
    counts: dict[int, int] = {}
    newest_by_team: dict[int, CardView] = {}
    for view in views:
        counts[view.card.team_id] = counts.get(view.card.team_id, 0) + 1
        newest_by_team[view.card.team_id] = view
    active, median_wait = queue_at(session, race_id, at)
    return {
        "card_counts": counts,
        "newest_by_team": newest_by_team,
        "feed": sorted(views, key=lambda view: view.card.id or 0, reverse=True)[:8],
        "team_views": teams_at(session, race_id, at.seq),
        "clock_then": clock_at(session, race, at),
        "announcement": announcement_at(session, race_id, at.seq),
        "spotlit": spotlight_at(session, race_id, at.seq, views),
        "active_requests": active,
        "median_wait": median_wait,
    }


# --- the wall as it was: clock, announcement, spotlight and queue, read from the log up to the moment


def _upto(session: Session, race_id: int, seq: int, *prefixes: str) -> list[Event]:
    """Return the race's events of these kinds up to a seq, oldest first."""
    kinds = or_(*(col(Event.kind).startswith(prefix) for prefix in prefixes))
    query = select(Event).where(Event.race_id == race_id, col(Event.seq) <= seq, kinds)
    return list(session.exec(query.order_by(col(Event.seq))).all())


@dataclass(frozen=True)
class ClockThen:
    """The clock as every screen showed it at a moment: its phase, state and the time left then."""

    phase: Phase | None
    next_phase: Phase | None
    state: str
    left_ms: int | None


def clock_at(session: Session, race: Race, at: Moment) -> ClockThen:
    """Return the clock at a moment, from the events that carry a phase's clock state."""
    agenda = list(session.exec(select(Phase).where(Phase.race_id == race.id).order_by(col(Phase.position))))
    current: int | None = None
    state, deadline, remaining = "idle", None, None
    for event in _upto(session, race.id or 0, at.seq, "phase."):
        if "state" not in event.data:
            continue  # an agenda edit, not the clock
        current, state = event.data.get("phase"), event.data["state"]
        if event.data.get("deadline_ms") is not None:
            deadline = event.data["deadline_ms"]
        if state == PhaseState.PAUSED:
            # Events written before the time left was logged: it was the deadline's distance at the pause.
            remaining = event.data.get("remaining_ms", max(0, (deadline or event.at_ms) - event.at_ms))
    phase = next((item for item in agenda if item.id == current), None)
    if phase is None:
        return ClockThen(None, agenda[0] if agenda else None, "idle", None)
    later = [item for item in agenda if item.position > phase.position]
    left = None
    if state == PhaseState.RUNNING and deadline is not None:
        left = max(0, deadline - at.at_ms)
    elif state == PhaseState.PAUSED:
        left = remaining
    return ClockThen(phase, later[0] if later else None, state, left)


def announcement_at(session: Session, race_id: int, seq: int) -> AnnouncementView | None:
    """Return the announcement every screen showed at a moment (none after it was cleared)."""
    found = _upto(session, race_id, seq, "announcement.")
    if not found or found[-1].kind != Kind.ANNOUNCEMENT_SENT:
        return None
    row = session.exec(
        select(Announcement, Person)
        .join(Person, col(Person.id) == Announcement.author_id)
        .where(Announcement.id == found[-1].data.get("announcement"))
    ).first()
    return AnnouncementView(row[0], row[1].name) if row is not None else None


def spotlight_at(session: Session, race_id: int, seq: int, views: list[CardView]) -> CardView | None:
    """Return the spotlit card as it was at a moment, given the cards then (none once it was cleared)."""
    found = _upto(session, race_id, seq, "spotlight.")
    if not found or found[-1].kind != Kind.SPOTLIGHT_SET:
        return None
    return next((view for view in views if view.card.id == found[-1].data.get("card")), None)


def queue_at(session: Session, race_id: int, at: Moment) -> tuple[list[RequestView], int | None]:
    """Return the open and claimed requests at a moment, oldest first, and the median wait then."""
    status: dict[int, tuple[str, int | None]] = {}
    claimed: dict[int, int] = {}
    for event in _upto(session, race_id, at.seq, "request."):
        request_id = event.data.get("request")
        if isinstance(request_id, int) and "status" in event.data:
            status[request_id] = (event.data["status"], event.data.get("expert"))
            if event.data["status"] == RequestStatus.CLAIMED:
                claimed.setdefault(request_id, event.at_ms)
    if not status:
        return [], None
    rows = session.exec(
        select(ExpertRequest, Team)
        .join(Team, col(Team.id) == ExpertRequest.team_id)
        .where(col(ExpertRequest.id).in_(list(status)))
        .order_by(col(ExpertRequest.created_ms), col(ExpertRequest.id))
    ).all()
    names = {
        person.id: person.name
        for person in session.exec(select(Person).where(Person.race_id == race_id)).all()
    }
    active, waits = [], []
    for request, team in rows:
        then, expert = status[request.id or 0]
        if then != RequestStatus.CANCELLED:
            waits.append(claimed.get(request.id or 0, at.at_ms) - request.created_ms)
        if then in (RequestStatus.OPEN, RequestStatus.CLAIMED):
            copy = ExpertRequest.model_validate(request.model_dump())
            copy.status, copy.claimed_by = then, expert
            copy.claimed_ms = claimed.get(request.id or 0)
            asker, helper = names.get(request.asked_by, ""), names.get(expert or 0, "")
            active.append(RequestView(copy, team, asker, helper))
    return active, int(median(waits)) if waits else None


def extras_at(session: Session, race_id: int, seq: int, views: list[CardView]) -> dict[int, CardExtras]:
    """Return card id -> its standing votes and its comments as they were at a moment."""
    standing: set[int] = set()
    said: set[int] = set()
    for event in _upto(session, race_id, seq, "vote.", "comment."):
        vote, comment = event.data.get("vote"), event.data.get("comment")
        if event.kind == Kind.VOTE_CAST and isinstance(vote, int):
            standing.add(vote)
        elif event.kind == Kind.VOTE_WITHDRAWN and isinstance(vote, int):
            standing.discard(vote)
        elif event.kind == Kind.COMMENT_ADDED and isinstance(comment, int):
            said.add(comment)
    ids = [view.card.id or 0 for view in views]
    voters: dict[int, list[int]] = {}
    query = select(Vote).where(col(Vote.id).in_(standing))
    for vote in session.exec(query.order_by(col(Vote.id))):
        voters.setdefault(vote.card_id, []).append(vote.person_id)
    comments_then = {
        card_id: [view for view in found if view.comment.id in said]
        for card_id, found in comments.under(session, ids).items()
    }
    return {card_id: CardExtras(voters.get(card_id, []), comments_then.get(card_id, [])) for card_id in ids}
