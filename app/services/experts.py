"""Expert requests as the screens show them: the queue, matching, history and waiting times."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from app.db import now_ms
from app.models import ExpertRequest, Person, RequestStatus, Role, Team

ACTIVE = (RequestStatus.OPEN, RequestStatus.CLAIMED)


@dataclass(frozen=True)
class RequestView:
    """A request with its team, the names around it, and whether it matches an expert."""

    request: ExpertRequest
    team: Team
    asker: str
    expert: str
    matching: tuple[str, ...] = ()


def _views(
    session: Session, *where: ColumnElement[bool] | bool, newest_first: bool = False
) -> list[RequestView]:
    order = col(ExpertRequest.created_ms).desc() if newest_first else col(ExpertRequest.created_ms)
    query = (
        select(ExpertRequest, Team)
        .join(Team, col(Team.id) == ExpertRequest.team_id)
        .where(*where)
        .order_by(order, col(ExpertRequest.id))
    )
    rows = session.exec(query).all()
    ids = {r.asked_by for r, _ in rows} | {r.claimed_by for r, _ in rows if r.claimed_by}
    names = {
        person.id: person.name for person in session.exec(select(Person).where(col(Person.id).in_(ids))).all()
    }
    return [
        RequestView(request, team, names.get(request.asked_by, ""), names.get(request.claimed_by or 0, ""))
        for request, team in rows
    ]


def open_requests(session: Session, race_id: int) -> list[RequestView]:
    """Return the race's open and claimed requests, oldest first."""
    return _views(session, ExpertRequest.race_id == race_id, col(ExpertRequest.status).in_(ACTIVE))


def matches(tags: list[str], competences: list[str]) -> tuple[str, ...]:
    """Return the request's competence keys that an expert's competences cover."""
    known = set(competences)
    return tuple(tag for tag in tags if tag in known)


def queue(session: Session, race_id: int, expert_id: int) -> list[RequestView]:
    """Return the open requests for one expert: matching their competences first, then oldest first."""
    expert = session.get(Person, expert_id)
    competences = expert.competences if expert is not None else []
    views = _views(session, ExpertRequest.race_id == race_id, ExpertRequest.status == RequestStatus.OPEN)
    marked = [
        RequestView(view.request, view.team, view.asker, view.expert, matches(view.request.tags, competences))
        for view in views
    ]
    return sorted(marked, key=lambda view: not view.matching)


def claimed_by(session: Session, expert_id: int) -> list[RequestView]:
    """Return the requests an expert has now, oldest first."""
    return _views(
        session, ExpertRequest.claimed_by == expert_id, ExpertRequest.status == RequestStatus.CLAIMED
    )


def history(session: Session, expert_id: int) -> list[RequestView]:
    """Return the requests an expert has resolved, newest first."""
    return _views(
        session,
        ExpertRequest.claimed_by == expert_id,
        ExpertRequest.status == RequestStatus.RESOLVED,
        newest_first=True,
    )


def for_team(session: Session, team_id: int, limit: int = 20) -> list[RequestView]:
    """Return a team's requests, newest first."""
    return _views(session, ExpertRequest.team_id == team_id, newest_first=True)[:limit]


def for_teams(session: Session, team_ids: list[int], limit: int = 20) -> dict[int, list[RequestView]]:
    """Return team id -> its requests, newest first, like `for_team` but in one query for all the teams."""
    found: dict[int, list[RequestView]] = {team_id: [] for team_id in team_ids}
    for view in _views(session, col(ExpertRequest.team_id).in_(team_ids), newest_first=True):
        listed = found[view.request.team_id]
        if len(listed) < limit:
            listed.append(view)
    return found


def experts(session: Session, race_id: int) -> list[Person]:
    """Return the race's experts by name."""
    query = select(Person).where(Person.race_id == race_id, Person.role == Role.EXPERT)
    return list(session.exec(query.order_by(col(Person.name), col(Person.id))).all())


def median_wait_ms(session: Session, race_id: int, now: int | None = None) -> int | None:
    """Return the median time requests waited for an expert; those still open count as waiting until now."""
    now = now if now is not None else now_ms()
    query = select(ExpertRequest).where(
        ExpertRequest.race_id == race_id, ExpertRequest.status != RequestStatus.CANCELLED
    )
    waits = [
        (request.claimed_ms if request.claimed_ms is not None else now) - request.created_ms
        for request in session.exec(query).all()
        if request.claimed_ms is not None or request.status == RequestStatus.OPEN
    ]
    return int(median(waits)) if waits else None
