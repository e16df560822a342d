"""Jury conflicts of interest: the teams each juror may not score, and why.

A juror has a stake in a team whose challenge comes from their company, in every team they (or anyone who
joined from the same browser, or whom that browser was before in the race) were ever a member of, and in every
team declared by them or the facilitator. The rules are worked out for every juror of a race at once, from a
few queries, and a score by a juror with a stake in its team never counts, whenever the stake became known.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.db import Database, now_ms
from app.errors import Conflict, NotFound
from app.i18n import N_
from app.kinds import Kind
from app.models import Challenge, Event, JuryConflict, Person, Role, Team
from app.services import events
from app.services.agenda import require_facilitator
from app.services.people import Viewer, clean_text

REASON_MAX = 200
# A person whose membership of a team shows in these events was in it at some point.
MEMBERSHIP_KINDS = (Kind.TEAM_JOINED, Kind.PERSON_MOVED)


@dataclass(frozen=True)
class Reason:
    """Why a juror may not score a team, as a translatable message and its parameter."""

    message: str
    value: str = ""


COMPANY = N_("Your company, %(value)s, brought this challenge")
MEMBER = N_("You were a member of this team")
DECLARED = N_("Declared: %(value)s")
DECLARED_BARE = N_("Declared as a stake in this team")

# juror id -> team id -> why they may not score it (teams they may score are absent).
Stakes = dict[int, dict[int, list[Reason]]]


def same_company(first: str, second: str) -> bool:
    """Return whether two company names are the same, ignoring case and spacing."""
    a, b = (" ".join((name or "").split()).casefold() for name in (first, second))
    return bool(a) and a == b


def of_race(session: Session, race_id: int) -> Stakes:
    """Return, for every juror of a race, the teams they may not score and why."""
    jurors = list(session.exec(select(Person).where(Person.race_id == race_id, Person.role == Role.JURY)))
    if not jurors:
        return {}
    people = list(session.exec(select(Person).where(Person.race_id == race_id)))
    found: Stakes = {juror.id or 0: {} for juror in jurors}
    rows = session.exec(
        select(Team, Challenge)
        .join(Challenge, col(Challenge.id) == Team.challenge_id, isouter=True)
        .where(Team.race_id == race_id)
        .order_by(col(Team.id))
    ).all()
    for juror in jurors:
        for team, challenge in rows:
            if challenge is not None and same_company(juror.company, challenge.company):
                found[juror.id or 0].setdefault(team.id or 0, []).append(Reason(COMPANY, challenge.company))
    members = _memberships(session, race_id, people)
    aliases = _aliases(session, race_id, people)
    for juror in jurors:
        teams = set().union(*(members.get(person, set()) for person in aliases.get(juror.id or 0, set())))
        for team_id in sorted(teams):
            found[juror.id or 0].setdefault(team_id, []).append(Reason(MEMBER))
    declared = session.exec(
        select(JuryConflict).where(JuryConflict.race_id == race_id).order_by(col(JuryConflict.id))
    )
    for conflict in declared:
        reason = Reason(DECLARED, conflict.reason) if conflict.reason else Reason(DECLARED_BARE)
        found.setdefault(conflict.juror_id, {}).setdefault(conflict.team_id, []).append(reason)
    return found


def of_juror(session: Session, juror: Person) -> dict[int, list[Reason]]:
    """Return team id -> why this juror may not score it (teams they may score are absent)."""
    return of_race(session, juror.race_id).get(juror.id or 0, {})


def pairs(stakes: Stakes) -> set[tuple[int, int]]:
    """Return the (juror, team) pairs whose scores never count."""
    return {(juror, team) for juror, teams in stakes.items() for team in teams}


def _memberships(session: Session, race_id: int, people: list[Person]) -> dict[int, set[int]]:
    """Return person id -> every team they were ever a member of (now, or by the log)."""
    found: dict[int, set[int]] = {}
    for person in people:
        if person.team_id:
            found.setdefault(person.id or 0, set()).add(person.team_id)
    query = select(Event.kind, Event.person_id, Event.data).where(
        Event.race_id == race_id, col(Event.kind).in_(MEMBERSHIP_KINDS)
    )
    for kind, person_id, data in session.exec(query):
        who = person_id if kind == Kind.TEAM_JOINED else data.get("person")
        team = data.get("team")
        if isinstance(who, int) and isinstance(team, int):
            found.setdefault(who, set()).add(team)
    return found


def _aliases(session: Session, race_id: int, people: list[Person]) -> dict[int, set[int]]:
    """Return person id -> the people they are, as far as the race can tell: themselves, everyone who joined
    from the same device, and whom their browser's earlier session was (`was` on person.joined)."""
    was: dict[int, int] = {}
    query = select(Event.person_id, Event.data).where(
        Event.race_id == race_id, Event.kind == Kind.PERSON_JOINED
    )
    for person_id, data in session.exec(query):
        if isinstance(person_id, int) and isinstance(earlier := data.get("was"), int):
            was[person_id] = earlier
    by_device: dict[str, set[int]] = {}
    for person in people:
        if person.device:
            by_device.setdefault(person.device, set()).add(person.id or 0)
    linked: dict[int, set[int]] = {person.id or 0: {person.id or 0} for person in people}
    for group in by_device.values():
        for person_id in group:
            linked[person_id] |= group
    for person_id, earlier in was.items():
        linked.setdefault(person_id, {person_id}).add(earlier)
        linked.setdefault(earlier, {earlier}).add(person_id)
    return {person_id: _reach(linked, person_id) for person_id in linked}


def _reach(linked: dict[int, set[int]], start: int) -> set[int]:
    """Return everyone linked to a person, directly or through others."""
    seen, todo = {start}, [start]
    while todo:
        for other in linked.get(todo.pop(), set()) - seen:
            seen.add(other)
            todo.append(other)
    return seen


def juror_in(session: Session, race_id: int, person_id: int) -> Person:
    """Return a juror of the race, or refuse (404)."""
    person = session.get(Person, person_id)
    if person is None or person.race_id != race_id or person.role != Role.JURY:
        raise NotFound("There is no such juror in this race.")
    return person


def team_in(session: Session, race_id: int, team_id: int) -> Team:
    """Return a team of the race, or refuse (404)."""
    team = session.get(Team, team_id)
    if team is None or team.race_id != race_id:
        raise NotFound("There is no such team in this race.")
    return team


def add(db: Database, viewer: Viewer, *, juror_id: int, team_id: int, reason: str) -> int:
    """Declare, as the facilitator, that a juror may not score a team."""
    require_facilitator(viewer)
    reason = clean_text(reason, REASON_MAX, field=N_("the reason"), required=False)
    with db.write() as session:
        juror = juror_in(session, viewer.race_id, juror_id)
        team = team_in(session, viewer.race_id, team_id)
        exists = session.exec(
            select(JuryConflict).where(JuryConflict.juror_id == juror_id, JuryConflict.team_id == team_id)
        ).first()
        if exists is not None:
            raise Conflict("%(juror)s is already kept from %(team)s.", juror=juror.name, team=team.name)
        conflict = JuryConflict(
            race_id=viewer.race_id, juror_id=juror_id, team_id=team_id, reason=reason, created_ms=now_ms()
        )
        session.add(conflict)
        session.flush()
        data = {"conflict": conflict.id, "juror": juror_id, "team": team_id}
        return events.record(
            session, viewer.race_id, Kind.CONFLICT_ADDED, data=data, person_id=viewer.person_id
        ).seq


def remove(db: Database, viewer: Viewer, conflict_id: int) -> int:
    """Take back a declared conflict (the facilitator only; company and membership cannot be undone)."""
    require_facilitator(viewer)
    with db.write() as session:
        conflict = session.get(JuryConflict, conflict_id)
        if conflict is None or conflict.race_id != viewer.race_id:
            raise NotFound("There is no such conflict in this race.")
        data = {"juror": conflict.juror_id, "team": conflict.team_id}
        session.delete(conflict)
        return events.record(
            session, viewer.race_id, Kind.CONFLICT_REMOVED, data=data, person_id=viewer.person_id
        ).seq
