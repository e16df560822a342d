"""Expert requests: the queue experts and facilitators watch."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.models import ExpertRequest, RequestStatus, Team


def open_requests(session: Session, race_id: int) -> list[tuple[ExpertRequest, Team]]:
    """Return the race's open and claimed requests, oldest first."""
    query = (
        select(ExpertRequest, Team)
        .join(Team, col(Team.id) == ExpertRequest.team_id)
        .where(
            ExpertRequest.race_id == race_id,
            col(ExpertRequest.status).in_([RequestStatus.OPEN, RequestStatus.CLAIMED]),
        )
        .order_by(col(ExpertRequest.created_ms))
    )
    return [(request, team) for request, team in session.exec(query).all()]
