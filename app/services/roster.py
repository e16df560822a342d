"""The facilitator's roster: challenges, teams, who is in which, locked boards, and each team's mix."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import bindparam
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, func, select

from app import viewers
from app.db import Database, table_of
from app.errors import Conflict, Invalid, NotFound
from app.i18n import N_
from app.kinds import Kind
from app.models import (
    Background,
    Card,
    Challenge,
    ExpertRequest,
    Person,
    Race,
    RequestStatus,
    Role,
    Team,
    Vote,
)
from app.services import competences, events, teams
from app.services.agenda import require_facilitator
from app.services.people import Viewer, clean_text
from app.services.races import next_team_number, team_colour

COMPANY_MAX = 120
TITLE_MAX = 200
DESCRIPTION_MAX = 5000
TEAM_NAME_MAX = 80
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

BACKGROUND_LABELS = {
    Background.COMPANY: N_("Company"),
    Background.RESEARCH: N_("Research"),
    Background.STUDENT: N_("Student"),
    Background.BUSINESS: N_("Business development"),
    Background.OTHER: N_("Other"),
}


@dataclass
class Mix:
    """A team's spread of backgrounds, companies and competences."""

    backgrounds: Counter[str] = field(default_factory=Counter)
    companies: Counter[str] = field(default_factory=Counter)
    competences: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Activity:
    """What is happening in a team: live cards, votes, expert requests waiting."""

    cards: int = 0
    votes: int = 0
    open_requests: int = 0


def _challenge(session: Session, viewer: Viewer, challenge_id: int | None) -> Challenge | None:
    if challenge_id is None:
        return None
    challenge = session.get(Challenge, challenge_id)
    if challenge is None or challenge.race_id != viewer.race_id:
        raise NotFound("There is no such challenge in this race.")
    return challenge


def _team(session: Session, viewer: Viewer, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None or team.race_id != viewer.race_id:
        raise NotFound("There is no such team in this race.")
    return team


def _challenge_fields(company: str, title: str, description: str) -> tuple[str, str, str]:
    return (
        clean_text(company, COMPANY_MAX, field=N_("the company")),
        clean_text(title, TITLE_MAX, field=N_("the title")),
        clean_text(description, DESCRIPTION_MAX, field=N_("the description"), required=False),
    )


def _teams_of(session: Session, challenge_id: int) -> list[int]:
    return [
        team_id
        for team_id in session.exec(select(Team.id).where(Team.challenge_id == challenge_id)).all()
        if team_id is not None
    ]


def add_challenge(
    db: Database,
    viewer: Viewer,
    *,
    company: str,
    title: str,
    description: str,
    tags: list[str] | None = None,
) -> int:
    """Add a challenge to the race, with the competences it asks for."""
    require_facilitator(viewer)
    company, title, description = _challenge_fields(company, title, description)
    with db.write() as session:
        keys = competences.resolve(session, viewer.race_id, tags or [])
        challenge = Challenge(
            race_id=viewer.race_id, company=company, title=title, description=description, tags=keys
        )
        session.add(challenge)
        session.flush()
        data: dict[str, Any] = {"challenge": challenge.id, "title": title, "teams": []}
        return events.record(
            session, viewer.race_id, Kind.CHALLENGE_ADDED, data=data, person_id=viewer.person_id
        ).seq


def update_challenge(
    db: Database,
    viewer: Viewer,
    challenge_id: int,
    *,
    company: str,
    title: str,
    description: str,
    tags: list[str] | None = None,
) -> int:
    """Change a challenge's company, title, description and (when given) the competences it asks for."""
    require_facilitator(viewer)
    company, title, description = _challenge_fields(company, title, description)
    with db.write() as session:
        challenge = _challenge(session, viewer, challenge_id)
        assert challenge is not None
        challenge.company, challenge.title, challenge.description = company, title, description
        if tags is not None:
            challenge.tags = competences.resolve(session, viewer.race_id, tags)
        session.add(challenge)
        data = {"challenge": challenge_id, "title": title, "teams": _teams_of(session, challenge_id)}
        return events.record(
            session, viewer.race_id, Kind.CHALLENGE_UPDATED, data=data, person_id=viewer.person_id
        ).seq


def _team_fields(name: str, colour: str) -> tuple[str, str]:
    name = clean_text(name, TEAM_NAME_MAX, field=N_("the name"))
    colour = (colour or "").strip()
    if not COLOUR.match(colour):
        raise Invalid("Choose a colour such as #3b6ea5.")
    return name, colour.lower()


def name_key(name: str) -> str:
    """Return a team name as a reader tells names apart: case and spacing ignored."""
    return " ".join(name.casefold().split())


def team_names(session: Session, race_id: int) -> dict[str, tuple[int, str]]:
    """Return each team name's key (see name_key) -> the team's id and name."""
    rows = session.exec(select(Team.id, Team.name).where(Team.race_id == race_id)).all()
    return {name_key(name): (team_id or 0, name) for team_id, name in rows}


def _refuse_taken_name(session: Session, race_id: int, name: str, team_id: int | None = None) -> None:
    """Refuse a team name another team of the race already has (call it under the race's lock)."""
    other = team_names(session, race_id).get(name_key(name))
    if other is not None and other[0] != team_id:
        raise Conflict("There is already a team called %(name)s.", name=other[1])


def add_team(db: Database, viewer: Viewer, *, name: str, colour: str, challenge_id: int | None) -> int:
    """Add a team, working on a challenge or none yet."""
    require_facilitator(viewer)
    with db.write() as session:
        events.lock_race(session, viewer.race_id)
        number = next_team_number(session, viewer.race_id)
        name, colour = _team_fields(name, colour or team_colour(number))
        _challenge(session, viewer, challenge_id)
        _refuse_taken_name(session, viewer.race_id, name)
        team = Team(
            race_id=viewer.race_id, name=name, colour=colour, challenge_id=challenge_id, number=number
        )
        session.add(team)
        session.flush()
        return events.record(
            session,
            viewer.race_id,
            Kind.TEAM_ADDED,
            data={"name": name},
            person_id=viewer.person_id,
            team_id=team.id,
        ).seq


def update_team(
    db: Database, viewer: Viewer, team_id: int, *, name: str, colour: str, challenge_id: int | None
) -> int:
    """Rename a team, recolour it or give it another challenge."""
    require_facilitator(viewer)
    name, colour = _team_fields(name, colour)
    with db.write() as session:
        events.lock_race(session, viewer.race_id)
        team = _team(session, viewer, team_id)
        _challenge(session, viewer, challenge_id)
        _refuse_taken_name(session, viewer.race_id, name, team_id)
        team.name, team.colour, team.challenge_id = name, colour, challenge_id
        session.add(team)
        return events.record(
            session,
            viewer.race_id,
            Kind.TEAM_UPDATED,
            data={"name": name},
            person_id=viewer.person_id,
            team_id=team_id,
        ).seq


def move_person(db: Database, viewer: Viewer, person_id: int, team_id: int | None) -> int:
    """Put a participant in another team, or in none."""
    require_facilitator(viewer)
    with db.write() as session:
        race = session.get(Race, viewer.race_id)
        assert race is not None
        teams.refuse_after_end(race)
        # Locked, so that the person's own choice and this move are decided one after the other.
        person = session.exec(select(Person).where(Person.id == person_id).with_for_update()).first()
        if person is None or person.race_id != viewer.race_id:
            raise NotFound("There is no such person in this race.")
        if person.role != Role.PARTICIPANT:
            raise Conflict("Only participants belong to teams.")
        if team_id is not None:
            _team(session, viewer, team_id)
        previous = person.team_id
        if previous == team_id:
            raise Conflict("%(name)s is already there.", name=person.name)
        person.team_id = team_id
        session.add(person)
        viewers.changed(session, [person_id])
        data = {"person": person_id, "team": team_id, "previous": previous}
        return events.record(
            session, viewer.race_id, Kind.PERSON_MOVED, data=data, person_id=viewer.person_id, team_id=team_id
        ).seq


def set_locked(db: Database, viewer: Viewer, team_id: int, locked: bool) -> int:
    """Lock a team's board against changes, or open it again."""
    require_facilitator(viewer)
    with db.write() as session:
        team = _team(session, viewer, team_id)
        if team.board_locked and locked:
            raise Conflict("The board is already locked.")
        if not team.board_locked and not locked:
            raise Conflict("The board is already open.")
        team.board_locked = locked
        session.add(team)
        kind = Kind.BOARD_LOCKED if locked else Kind.BOARD_UNLOCKED
        return events.record(session, viewer.race_id, kind, person_id=viewer.person_id, team_id=team_id).seq


def set_all_locked(db: Database, viewer: Viewer, locked: bool) -> int:
    """Lock every team's board against changes, or open every one again, as one action and one event."""
    require_facilitator(viewer)
    with db.write() as session:
        events.lock_race(session, viewer.race_id)
        changing = session.exec(
            select(Team).where(Team.race_id == viewer.race_id, col(Team.board_locked).is_not(locked))
        ).all()
        if not changing:
            if locked:
                raise Conflict("Every board is already locked.")
            raise Conflict("Every board is already open.")
        for team in changing:
            team.board_locked = locked
            session.add(team)
        kind = Kind.BOARDS_LOCKED if locked else Kind.BOARDS_UNLOCKED
        data = {"teams": sorted(team.id or 0 for team in changing)}
        return events.record(session, viewer.race_id, kind, data=data, person_id=viewer.person_id).seq


def challenges(session: Session, race_id: int) -> list[Challenge]:
    """Return the race's challenges in the order they were made."""
    return list(
        session.exec(select(Challenge).where(Challenge.race_id == race_id).order_by(col(Challenge.id))).all()
    )


def unassigned(session: Session, race_id: int) -> list[Person]:
    """Return the participants who are in no team yet."""
    query = select(Person).where(
        Person.race_id == race_id, Person.role == Role.PARTICIPANT, col(Person.team_id).is_(None)
    )
    return list(session.exec(query.order_by(col(Person.name))).all())


def mixes(session: Session, race_id: int, team_ids: list[int] | None = None) -> dict[int, Mix]:
    """Return team id -> the backgrounds, companies and competences of its members (all teams or these)."""
    query = select(Person).where(Person.race_id == race_id, col(Person.team_id).is_not(None))
    if team_ids is not None:
        query = query.where(col(Person.team_id).in_(team_ids))
    found: dict[int, Mix] = {}
    for person in session.exec(query).all():
        mix = found.setdefault(person.team_id or 0, Mix())
        mix.backgrounds[person.background or Background.OTHER] += 1
        if person.company:
            mix.companies[person.company] += 1
        mix.competences.update(tag for tag in (person.competences or []) if isinstance(tag, str) and tag)
    return found


class Movable(NamedTuple):
    """A person the big roster's one move form lists: their team's name, None when they are in none."""

    id: int
    name: str
    team: str | None


_PEOPLE, _TEAMS = table_of(Person), table_of(Team)
# The roster's people: everyone in a team, and the participants in none (see `unassigned`).
_IN_ROSTER = (_PEOPLE.c.race_id == bindparam("race")) & (
    _PEOPLE.c.team_id.is_not(None) | (_PEOPLE.c.role == Role.PARTICIPANT)
)
_ROSTER_SIZE = select_columns(func.count()).select_from(_PEOPLE).where(_IN_ROSTER)
# In the roster's order: the teams in turn, each one's members by name, then the people in no team by name.
_MOVABLE = (
    select_columns(_PEOPLE.c.id, _PEOPLE.c.name, _TEAMS.c.name)
    .select_from(_PEOPLE)
    .outerjoin(_TEAMS, _TEAMS.c.id == _PEOPLE.c.team_id)
    .where(_IN_ROSTER)
    .order_by(_TEAMS.c.id.is_(None), _TEAMS.c.id, _PEOPLE.c.name)
)


def roster_size(session: Session, race_id: int) -> int:
    """Return how many people the roster lists: everyone in a team and the participants in none."""
    return int(session.connection().execute(_ROSTER_SIZE, {"race": race_id}).scalar_one())


def movable(session: Session, race_id: int) -> list[Movable]:
    """Return the people the roster lists, in its order, as plain rows (a join sends the big roster's move
    form, which lists them all: entities would cost more than the render)."""
    return [Movable._make(row) for row in session.connection().execute(_MOVABLE, {"race": race_id})]


# Built once, with parameters (see cards.py): every team, or some.
_VOTES = (
    select(Card.team_id, func.count())
    .select_from(Vote)
    .join(Card, col(Card.id) == Vote.card_id)
    .where(
        Vote.race_id == bindparam("race"), col(Vote.withdrawn_ms).is_(None), col(Card.deleted_ms).is_(None)
    )
)
_WAITING = select(ExpertRequest.team_id, func.count()).where(
    ExpertRequest.race_id == bindparam("race"),
    col(ExpertRequest.status).in_([RequestStatus.OPEN, RequestStatus.CLAIMED]),
)
_ACTIVITY = {
    False: (_VOTES.group_by(col(Card.team_id)), _WAITING.group_by(col(ExpertRequest.team_id))),
    True: (
        _VOTES.where(col(Card.team_id).in_(bindparam("teams", expanding=True))).group_by(col(Card.team_id)),
        _WAITING.where(col(ExpertRequest.team_id).in_(bindparam("teams", expanding=True))).group_by(
            col(ExpertRequest.team_id)
        ),
    ),
}


def activity(
    session: Session, race_id: int, card_counts: dict[int, int], team_ids: list[int] | None = None
) -> dict[int, Activity]:
    """Return team id -> cards, votes standing on its cards and expert requests still waiting."""
    vote_query, wait_query = _ACTIVITY[team_ids is not None]
    params = {"race": race_id} if team_ids is None else {"race": race_id, "teams": team_ids}
    # Plain rows on the session's connection (no ORM): every post renders its team's row.
    connection = session.connection()
    votes = dict(connection.execute(vote_query, params).all())
    waiting = dict(connection.execute(wait_query, params).all())
    teams = set(card_counts) | set(votes) | set(waiting)
    return {
        team: Activity(card_counts.get(team, 0), votes.get(team, 0), waiting.get(team, 0)) for team in teams
    }
