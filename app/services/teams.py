"""Teams: who is in which, and what each works on."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app.db import Database, once_per_render
from app.errors import Forbidden, NotFound
from app.models import Challenge, Person, Role, Team
from app.services import events
from app.services.people import Viewer


@dataclass
class TeamView:
    """A team with its challenge and members, as the screens show it."""

    team: Team
    challenge: Challenge | None
    members: list[Person] = field(default_factory=list)


def listing(session: Session, race_id: int) -> list[TeamView]:
    """Return every team of a race with its challenge and members."""
    return once_per_render(session, ("teams.listing", race_id), lambda: _listing(session, race_id))


def _listing(session: Session, race_id: int) -> list[TeamView]:
    teams = session.exec(select(Team).where(Team.race_id == race_id).order_by(col(Team.id))).all()
    challenges = {
        challenge.id: challenge
        for challenge in session.exec(select(Challenge).where(Challenge.race_id == race_id)).all()
    }
    people = session.exec(
        select(Person)
        .where(Person.race_id == race_id, col(Person.team_id).is_not(None))
        .order_by(col(Person.name))
    ).all()
    views = {team.id: TeamView(team, challenges.get(team.challenge_id)) for team in teams}
    for person in people:
        if person.team_id in views:
            views[person.team_id].members.append(person)
    return list(views.values())


def get_team(session: Session, race_id: int, team_id: int) -> TeamView:
    """Return one team of the race or raise NotFound."""
    for view in listing(session, race_id):
        if view.team.id == team_id:
            return view
    raise NotFound("There is no such team in this race.")


def choose(db: Database, viewer: Viewer, team_id: int) -> int:
    """Put a participant in a team of their race."""
    if viewer.role != Role.PARTICIPANT:
        raise Forbidden("Only participants choose a team.")
    with db.write() as session:
        team = session.get(Team, team_id)
        if team is None or team.race_id != viewer.race_id:
            raise NotFound("There is no such team in this race.")
        person = session.get(Person, viewer.person_id)
        assert person is not None
        previous = person.team_id
        person.team_id = team_id
        session.add(person)
        return events.record(
            session,
            viewer.race_id,
            "team.joined",
            data={"team": team_id, "previous": previous},
            person_id=viewer.person_id,
            team_id=team_id,
        ).seq
