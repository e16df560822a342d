"""The jury: who may score which team, the scores themselves, and revealing them."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, update
from sqlmodel import Session, col, or_, select

from app.db import Database, now_ms
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.i18n import N_
from app.kinds import Kind
from app.models import Challenge, Event, JuryConflict, Person, Race, Role, Score, Team
from app.services import criteria, events
from app.services.agenda import require_facilitator
from app.services.people import Viewer, clean_text

COMPANY_MAX = 120
REASON_MAX = 200
COMMENT_MAX = 2000
VALUES = range(1, 6)
# A juror whose membership of a team shows in these events was in it at some point.
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


@dataclass
class JurorTeam:
    """A team as one juror sees it: whether they may score it, and their own saved values."""

    team: Team
    challenge: Challenge | None
    reasons: list[Reason] = field(default_factory=list)
    values: dict[int, int] = field(default_factory=dict)
    comment: str = ""

    @property
    def done(self) -> bool:
        return bool(self.values)


def require_juror(viewer: Viewer) -> None:
    """Refuse anyone but a juror."""
    if viewer.role != Role.JURY:
        raise Forbidden("Only the jury scores teams.")


def same_company(first: str, second: str) -> bool:
    """Return whether two company names are the same, ignoring case and spacing."""
    a, b = (" ".join((name or "").split()).casefold() for name in (first, second))
    return bool(a) and a == b


def _same_people(session: Session, person: Person) -> set[int]:
    """Return the person's id and those this browser held earlier in the race (`was` on person.joined)."""
    found = {person.id or 0}
    joined = dict(
        session.exec(
            select(Event.person_id, Event.data).where(
                Event.race_id == person.race_id, Event.kind == Kind.PERSON_JOINED
            )
        ).all()
    )
    current = person.id
    while current in joined and isinstance(was := joined[current].get("was"), int) and was not in found:
        found.add(was)
        current = was
    return found


def _member_of(session: Session, juror: Person) -> set[int]:
    """Return every team the person was ever a member of, as this person or as who this browser was before."""
    people = _same_people(session, juror)
    found = {juror.team_id} if juror.team_id else set()
    for person_id in people - {juror.id}:
        earlier = session.get(Person, person_id)
        if earlier is not None and earlier.team_id:
            found.add(earlier.team_id)
    query = select(Event).where(
        Event.race_id == juror.race_id,
        col(Event.kind).in_(MEMBERSHIP_KINDS),
        or_(col(Event.person_id).in_(people), col(Event.kind) == Kind.PERSON_MOVED),
    )
    for event in session.exec(query):
        joined = event.kind == Kind.TEAM_JOINED and event.person_id in people
        if joined or (event.kind == Kind.PERSON_MOVED and event.data.get("person") in people):
            found.add(event.data.get("team"))
    return {team for team in found if isinstance(team, int)}


def conflicts(session: Session, juror: Person) -> dict[int, list[Reason]]:
    """Return team id -> why this juror may not score it (teams they may score are absent)."""
    race_id = juror.race_id
    found: dict[int, list[Reason]] = {}
    rows = session.exec(
        select(Team, Challenge)
        .join(Challenge, col(Challenge.id) == Team.challenge_id, isouter=True)
        .where(Team.race_id == race_id)
    ).all()
    for team, challenge in rows:
        if challenge is not None and same_company(juror.company, challenge.company):
            found.setdefault(team.id or 0, []).append(Reason(COMPANY, challenge.company))
    for team_id in sorted(_member_of(session, juror)):
        found.setdefault(team_id, []).append(Reason(MEMBER))
    declared = session.exec(
        select(JuryConflict).where(JuryConflict.race_id == race_id, JuryConflict.juror_id == juror.id)
    )
    for conflict in declared:
        reason = Reason(DECLARED, conflict.reason) if conflict.reason else Reason(DECLARED_BARE)
        found.setdefault(conflict.team_id, []).append(reason)
    return found


def _juror(session: Session, race_id: int, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.race_id != race_id or person.role != Role.JURY:
        raise NotFound("There is no such juror in this race.")
    return person


def _team(session: Session, race_id: int, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None or team.race_id != race_id:
        raise NotFound("There is no such team in this race.")
    return team


def jurors(session: Session, race_id: int) -> list[Person]:
    """Return the race's jurors, by name."""
    query = select(Person).where(Person.race_id == race_id, Person.role == Role.JURY)
    return list(session.exec(query.order_by(col(Person.name), col(Person.id))).all())


def set_identity(
    db: Database, viewer: Viewer, *, company: str, stakes: list[int], reason: str, skip: bool = False
) -> int:
    """Save a juror's company and the teams they declare a stake in (or skip the question)."""
    require_juror(viewer)
    company = clean_text(company, COMPANY_MAX, field=N_("the company name"), required=False)
    reason = clean_text(reason, REASON_MAX, field=N_("the reason"), required=False)
    with db.write() as session:
        person = _juror(session, viewer.race_id, viewer.person_id)
        added = []
        if not skip:
            person.company = company
            known = {
                c.team_id
                for c in session.exec(select(JuryConflict).where(JuryConflict.juror_id == person.id))
            }
            for team_id in dict.fromkeys(stakes):
                _team(session, viewer.race_id, team_id)
                if team_id not in known:
                    session.add(
                        JuryConflict(
                            race_id=viewer.race_id,
                            juror_id=viewer.person_id,
                            team_id=team_id,
                            reason=reason,
                            created_ms=now_ms(),
                        )
                    )
                    added.append(team_id)
        person.profile_ms = now_ms()
        session.add(person)
        data = {"juror": viewer.person_id, "teams": added, "skipped": skip}
        return events.record(
            session, viewer.race_id, Kind.JUROR_UPDATED, data=data, person_id=viewer.person_id
        ).seq


def add_conflict(db: Database, viewer: Viewer, *, juror_id: int, team_id: int, reason: str) -> int:
    """Declare, as the facilitator, that a juror may not score a team."""
    require_facilitator(viewer)
    reason = clean_text(reason, REASON_MAX, field=N_("the reason"), required=False)
    with db.write() as session:
        juror = _juror(session, viewer.race_id, juror_id)
        team = _team(session, viewer.race_id, team_id)
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


def remove_conflict(db: Database, viewer: Viewer, conflict_id: int) -> int:
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


def parse_values(fields: dict[str, str], criterion_ids: list[int]) -> dict[int, int]:
    """Return criterion id -> value from a scoring form; every criterion needs a value from 1 to 5."""
    values = {}
    for criterion_id in criterion_ids:
        raw = fields.get(f"c{criterion_id}", "").strip()
        if not raw:
            raise Invalid("Give every criterion a score from 1 to 5.")
        try:
            value = int(raw)
        except ValueError:
            raise Invalid("A score is a whole number from 1 to 5.") from None
        if value not in VALUES:
            raise Invalid("A score is a whole number from 1 to 5.")
        values[criterion_id] = value
    return values


def save(
    db: Database, viewer: Viewer, team_id: int, *, fields: dict[str, str], comment: str, key: str | None
) -> int:
    """Save a juror's scores and comment for one team, replacing what they saved before."""
    require_juror(viewer)
    key = events.clean_key(key)
    comment = clean_text(comment, COMMENT_MAX, field=N_("the comment"), required=False)
    with db.write() as session:
        earlier = events.replayed(session, key, viewer.person_id)
        if earlier is not None:
            return earlier.seq
        juror = _juror(session, viewer.race_id, viewer.person_id)
        team = _team(session, viewer.race_id, team_id)
        reasons = conflicts(session, juror).get(team_id)
        if reasons:
            raise Forbidden("You may not score %(team)s: you have a stake in it.", team=team.name)
        found = criteria.listing(session, viewer.race_id)
        values = parse_values(fields, [item.id or 0 for item in found])
        race = session.get(Race, viewer.race_id)
        assert race is not None
        session.execute(
            delete(Score).where(col(Score.juror_id) == viewer.person_id, col(Score.team_id) == team_id)
        )
        at = now_ms()
        session.add_all(
            Score(
                race_id=viewer.race_id,
                juror_id=viewer.person_id,
                team_id=team_id,
                criterion_id=criterion_id,
                value=value,
                comment=comment,
                revealed=race.scores_revealed_ms is not None,
                created_ms=at,
            )
            for criterion_id, value in values.items()
        )
        # The values stay out of the event: the log is read by the review before the scores are revealed.
        data = {"team": team_id, "juror": viewer.person_id, "criteria": len(values)}
        return events.record(
            session, viewer.race_id, Kind.SCORE_SAVED, data=data, person_id=viewer.person_id, key=key
        ).seq


def set_revealed(db: Database, viewer: Viewer, revealed: bool) -> int:
    """Reveal the jury's scores to the facilitators and the wall, or hide them again."""
    require_facilitator(viewer)
    with db.write() as session:
        race = session.get(Race, viewer.race_id)
        assert race is not None
        if revealed and race.scores_revealed_ms is not None:
            raise Conflict("The scores are already revealed.")
        if not revealed and race.scores_revealed_ms is None:
            raise Conflict("The scores are already hidden.")
        race.scores_revealed_ms = now_ms() if revealed else None
        session.add(race)
        session.execute(update(Score).where(col(Score.race_id) == race.id).values(revealed=revealed))
        kind = Kind.SCORES_REVEALED if revealed else Kind.SCORES_HIDDEN
        return events.record(session, viewer.race_id, kind, person_id=viewer.person_id).seq


def juror_view(session: Session, viewer: Viewer) -> list[JurorTeam]:
    """Return every team as this juror sees it: may they score it, and what they saved."""
    juror = _juror(session, viewer.race_id, viewer.person_id)
    reasons = conflicts(session, juror)
    rows = session.exec(
        select(Team, Challenge)
        .join(Challenge, col(Challenge.id) == Team.challenge_id, isouter=True)
        .where(Team.race_id == viewer.race_id)
        .order_by(col(Team.id))
    ).all()
    views = {
        team.id or 0: JurorTeam(team, challenge, reasons.get(team.id or 0, [])) for team, challenge in rows
    }
    for score in session.exec(select(Score).where(Score.juror_id == viewer.person_id)):
        view = views.get(score.team_id)
        if view is not None:
            view.values[score.criterion_id] = score.value
            view.comment = score.comment
    return list(views.values())
