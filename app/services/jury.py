"""The jury: who may score which team, the scores themselves, and revealing them."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.db import Database, now_ms
from app.errors import Conflict, Forbidden, Invalid
from app.i18n import N_
from app.kinds import Kind
from app.models import Challenge, JuryConflict, Person, Race, Role, Score, Team
from app.numbers import whole
from app.services import conflicts, criteria, events
from app.services.agenda import require_facilitator
from app.services.people import Viewer, clean_text

COMPANY_MAX = 120
REASON_MAX = conflicts.REASON_MAX
COMMENT_MAX = 2000
VALUES = range(1, 6)
FROZEN = N_("The scores are revealed, so they cannot be changed until the facilitator hides them again.")


@dataclass
class JurorTeam:
    """A team as one juror sees it: whether they may score it, and their own saved values."""

    team: Team
    challenge: Challenge | None
    reasons: list[conflicts.Reason] = field(default_factory=list)
    values: dict[int, int] = field(default_factory=dict)
    comment: str = ""

    @property
    def done(self) -> bool:
        return bool(self.values)


def require_juror(viewer: Viewer) -> None:
    """Refuse anyone but a juror."""
    if viewer.role != Role.JURY:
        raise Forbidden("Only the jury scores teams.")


def jurors(session: Session, race_id: int) -> list[Person]:
    """Return the race's jurors, by name."""
    query = select(Person).where(Person.race_id == race_id, Person.role == Role.JURY)
    return list(session.exec(query.order_by(col(Person.name), col(Person.id))).all())


def has_scored(session: Session, juror_id: int) -> bool:
    """Return whether a juror has saved a score."""
    return session.exec(select(Score.id).where(Score.juror_id == juror_id).limit(1)).first() is not None


def set_identity(
    db: Database, viewer: Viewer, *, company: str, stakes: list[int], reason: str, skip: bool = False
) -> int:
    """Save a juror's company and the teams they declare a stake in (or skip the question).

    Once they have scored, their company is fixed (only the facilitator changes it): set aside, their own
    company could no longer keep them from a team, and a score given meanwhile would count.
    """
    require_juror(viewer)
    company = clean_text(company, COMPANY_MAX, field=N_("the company name"), required=False)
    reason = clean_text(reason, REASON_MAX, field=N_("the reason"), required=False)
    with db.write() as session:
        person = conflicts.juror_in(session, viewer.race_id, viewer.person_id)
        added = []
        if not skip:
            changed = company != person.company and not conflicts.same_company(company, person.company)
            if changed and has_scored(session, viewer.person_id):
                raise Conflict(
                    "Your company cannot change once you have scored. Ask the facilitator if it is wrong."
                )
            person.company = company
            known = {
                c.team_id
                for c in session.exec(select(JuryConflict).where(JuryConflict.juror_id == person.id))
            }
            for team_id in dict.fromkeys(stakes):
                conflicts.team_in(session, viewer.race_id, team_id)
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


def set_company(db: Database, viewer: Viewer, juror_id: int, company: str) -> int:
    """Set a juror's company, as the facilitator (a juror's own is fixed once they have scored)."""
    require_facilitator(viewer)
    company = clean_text(company, COMPANY_MAX, field=N_("the company name"), required=False)
    with db.write() as session:
        person = conflicts.juror_in(session, viewer.race_id, juror_id)
        if person.company == company:
            raise Conflict("%(juror)s already has that company.", juror=person.name)
        person.company = company
        session.add(person)
        data = {"juror": juror_id, "teams": [], "company": True}
        return events.record(
            session, viewer.race_id, Kind.JUROR_UPDATED, data=data, person_id=viewer.person_id
        ).seq


def parse_values(fields: dict[str, str], criterion_ids: list[int]) -> dict[int, int]:
    """Return criterion id -> value from a scoring form; every criterion needs a value from 1 to 5."""
    values = {}
    for criterion_id in criterion_ids:
        raw = fields.get(f"c{criterion_id}", "").strip()
        if not raw:
            raise Invalid("Give every criterion a score from 1 to 5.")
        try:
            value = whole(raw)
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
        juror = conflicts.juror_in(session, viewer.race_id, viewer.person_id)
        team = conflicts.team_in(session, viewer.race_id, team_id)
        race = session.get(Race, viewer.race_id)
        assert race is not None
        if race.scores_revealed_ms is not None:
            raise Conflict(FROZEN)
        if conflicts.of_juror(session, juror).get(team_id):
            raise Forbidden("You may not score %(team)s: you have a stake in it.", team=team.name)
        found = criteria.listing(session, viewer.race_id)
        values = parse_values(fields, [item.id or 0 for item in found])
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
                revealed=False,
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
    juror = conflicts.juror_in(session, viewer.race_id, viewer.person_id)
    reasons = conflicts.of_juror(session, juror)
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
