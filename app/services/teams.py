"""Teams: who is in which, and what each works on."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, case
from sqlmodel import Session, col, func, select

from app import memo, viewers
from app.db import Database
from app.errors import Conflict, Forbidden, NotFound
from app.i18n import N_
from app.kinds import Kind
from app.models import Challenge, Event, Person, Race, Role, Team
from app.services import ending, events
from app.services.agenda import require_facilitator
from app.services.people import Viewer, clean_text

PLACE_MAX = 80


@dataclass
class TeamView:
    """A team with its challenge and members, as the screens show it."""

    team: Team
    challenge: Challenge | None
    members: list[Person] = field(default_factory=list)


def listing(session: Session, race_id: int, team_ids: list[int] | None = None) -> list[TeamView]:
    """Return every team of a race (or these teams) with its challenge and members."""
    key = ("teams.listing", race_id, None if team_ids is None else tuple(team_ids))
    return memo.once(key, lambda: _listing(session, race_id, team_ids))


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
    # From every team's listing when this render read it (many teams' screens at once), else this team alone.
    views = memo.known(("teams.listing", race_id, None)) or listing(session, race_id, [team_id])
    for view in views:
        if view.team.id == team_id:
            return view
    raise NotFound("There is no such team in this race.")


def heads(session: Session, race_id: int, team_ids: list[int] | None = None) -> list[Team]:
    """Return every team of the race (or these), in order, without members (read once per render)."""
    views = memo.known(("teams.listing", race_id, None))
    if views is not None:
        return [view.team for view in views if team_ids is None or view.team.id in team_ids]
    params = {"race": race_id} if team_ids is None else {"race": race_id, "teams": team_ids}
    query = _TEAMS if team_ids is None else _SOME_TEAMS
    key = ("teams.heads", race_id, None if team_ids is None else tuple(team_ids))
    return memo.once(key, lambda: list(session.exec(query, params=params)))


def started(session: Session, race_id: int) -> bool:
    """Return whether a phase of the race has ever started (the log keeps it, whatever the agenda is now)."""
    return memo.once(
        ("teams.started", race_id), lambda: (session.execute(_STARTED, {"race": race_id}).scalar() or 0) > 0
    )


# Starts less undone starts (each undo takes back one start): an undone first start leaves none.
_STARTED = select(func.sum(case((col(Event.kind) == Kind.PHASE_STARTED, 1), else_=-1))).where(
    Event.race_id == bindparam("race"), col(Event.kind).in_((Kind.PHASE_STARTED, Kind.PHASE_UNDONE))
)


def choice_open(session: Session, race: Race) -> bool:
    """Return whether participants who have a team may choose another one now."""
    if ending.is_ended(race):
        return False
    if race.team_choice_open is not None:
        return race.team_choice_open
    return not started(session, race.id or 0)


def refuse_after_end(race: Race) -> None:
    """Refuse any change of team once the race has ended."""
    if ending.is_ended(race):
        raise Forbidden("The race has ended: nobody changes team any more.")


def choose(db: Database, viewer: Viewer, team_id: int) -> int | None:
    """Put a participant in a team of their race, when the rules let them; None when they are in it already.

    A participant with no team chooses one; one who has a team changes only while team choice is open.
    """
    if viewer.role != Role.PARTICIPANT:
        raise Forbidden("Only participants choose a team.")
    with db.write() as session:
        race = session.get(Race, viewer.race_id)
        assert race is not None
        refuse_after_end(race)
        team = session.get(Team, team_id)
        if team is None or team.race_id != viewer.race_id:
            raise NotFound("There is no such team in this race.")
        # Locked, so that a facilitator's move and this choice are decided one after the other.
        person = session.exec(select(Person).where(Person.id == viewer.person_id).with_for_update()).one()
        previous = person.team_id
        if previous == team_id:
            return None
        if previous is not None and not choice_open(session, race):
            raise Forbidden("Team choice is closed, so you stay in your team. A facilitator can move you.")
        person.team_id = team_id
        session.add(person)
        viewers.changed(session, [person.id or 0])
        return events.record(
            session,
            viewer.race_id,
            Kind.TEAM_JOINED,
            data={"team": team_id, "previous": previous},
            person_id=viewer.person_id,
            team_id=team_id,
        ).seq


def set_place(db: Database, viewer: Viewer, team_id: int, place: str, was: str | None = None) -> Team:
    """Say where a team sits (members or facilitators); `was`, the place the form showed, must be current."""
    if not (
        viewer.role == Role.FACILITATOR or (viewer.role == Role.PARTICIPANT and viewer.team_id == team_id)
    ):
        raise Forbidden("Only the team and the facilitators can say where the team sits.")
    place = clean_text(place, PLACE_MAX, field=N_("the place"), required=False)
    with db.write() as session:
        team = session.get(Team, team_id)
        if team is None or team.race_id != viewer.race_id:
            raise NotFound("There is no such team in this race.")
        if place == team.place:
            return team  # already so (a retried post): nothing to change
        if was is not None and was.strip() != team.place:
            raise Conflict("Someone else changed the place meanwhile: check it and save again.")
        team.place = place
        session.add(team)
        events.record(
            session,
            viewer.race_id,
            Kind.TEAM_PLACED,
            data={"team": team_id, "place": place},
            person_id=viewer.person_id,
            team_id=team_id,
        )
        return team


def read_team(db: Database, viewer: Viewer, team_id: int) -> Team:
    """Return a team of the viewer's race or raise NotFound."""
    with db.read() as session:
        team = session.get(Team, team_id)
        if team is None or team.race_id != viewer.race_id:
            raise NotFound("There is no such team in this race.")
        return team


def set_choice(db: Database, viewer: Viewer, open_: bool) -> int:
    """Open or close team choice for participants who have a team (the facilitator only)."""
    require_facilitator(viewer)
    with db.write() as session:
        race = session.get(Race, viewer.race_id)
        assert race is not None
        refuse_after_end(race)
        if choice_open(session, race) == open_:
            if open_:
                raise Conflict("Team choice is already open.")
            raise Conflict("Team choice is already closed.")
        # Opened again before the first phase: it closes at the first start, as it would have.
        race.team_choice_open = None if open_ and not started(session, race.id or 0) else open_
        session.add(race)
        kind = Kind.TEAM_CHOICE_OPENED if open_ else Kind.TEAM_CHOICE_CLOSED
        return events.record(session, viewer.race_id, kind, person_id=viewer.person_id).seq


@dataclass(frozen=True)
class Choice:
    """What a team member's screen says about changing team: whether they may, and to which teams."""

    open: bool
    others: list[Team]


def choice(session: Session, race: Race, team_id: int) -> Choice:
    """Return whether a member of a team may change team now, and the other teams of the race."""
    if not choice_open(session, race):
        return Choice(False, [])
    return Choice(True, [team for team in heads(session, race.id or 0) if team.id != team_id])
