"""Teams: who is in which, and what each works on."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from app.db import Database, once_per_render
from app.errors import Forbidden, NotFound
from app.kinds import Kind
from app.models import Challenge, Person, Role, Team
from app.services import events
from app.services.people import Viewer


@dataclass
class TeamView:
    """A team with its challenge and members, as the screens show it."""

    team: Team
    challenge: Challenge | None
    members: list[Person] = field(default_factory=list)


def listing(session: Session, race_id: int, team_ids: list[int] | None = None) -> list[TeamView]:
    """Return every team of a race (or these teams) with its challenge and members."""
    key = ("teams.listing", race_id, None if team_ids is None else tuple(team_ids))
    return once_per_render(session, key, lambda: _listing(session, race_id, team_ids))


# Built once, with parameters (see cards.py): every team, or some.
_TEAMS = select(Team).where(Team.race_id == bindparam("race")).order_by(col(Team.id))
_SOME_TEAMS = _TEAMS.where(col(Team.id).in_(bindparam("teams", expanding=True)))
_CHALLENGES = select(Challenge).where(Challenge.race_id == bindparam("race"))
_MEMBERS = (
    select(Person)
    .where(Person.race_id == bindparam("race"), col(Person.team_id).is_not(None))
    .order_by(col(Person.name))
)
_SOME_MEMBERS = _MEMBERS.where(col(Person.team_id).in_(bindparam("teams", expanding=True)))


def _listing(session: Session, race_id: int, team_ids: list[int] | None) -> list[TeamView]:
    params = {"race": race_id} if team_ids is None else {"race": race_id, "teams": team_ids}
    teams = session.exec(_TEAMS if team_ids is None else _SOME_TEAMS, params=params)
    challenges = {challenge.id: challenge for challenge in session.exec(_CHALLENGES, params=params)}
    people = session.exec(_MEMBERS if team_ids is None else _SOME_MEMBERS, params=params)
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
            Kind.TEAM_JOINED,
            data={"team": team_id, "previous": previous},
            person_id=viewer.person_id,
            team_id=team_id,
        ).seq
