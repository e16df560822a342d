"""What the jury's screens show: the juror's teams, progress before the reveal, the ranking after it."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from app.db import Database
from app.models import Criterion, JuryConflict, Person, Race, Role, Score, Team
from app.services import criteria, jury, ranking, teams
from app.services.agenda import require_facilitator
from app.services.people import Viewer


@dataclass
class Progress:
    """Who has scored how much, without a single value: per team the jurors, per juror the teams.

    A juror's line is (name, teams scored, teams they may score): only the teams they may score count.
    """

    teams: list[tuple[Team, int]]
    jurors: list[tuple[str, int, int]]
    team_count: int


@dataclass
class Comment:
    juror: str
    body: str


@dataclass
class Results:
    """The revealed ranking, each team's averages per criterion and the jurors' comments."""

    criteria: list[Criterion]
    placings: list[tuple[ranking.Placing, Team]]
    comments: dict[int, list[Comment]] = field(default_factory=dict)


def is_revealed(race: Race) -> bool:
    """Return whether the facilitator has revealed the scores."""
    return race.scores_revealed_ms is not None


def _teams(session: Session, race_id: int) -> list[Team]:
    return list(session.exec(select(Team).where(Team.race_id == race_id).order_by(col(Team.id))).all())


def progress(session: Session, race: Race) -> Progress:
    """Return how many jurors scored each team and, per juror, the teams scored of those they may score."""
    pairs = set(
        session.exec(select(Score.juror_id, Score.team_id).where(Score.race_id == race.id).distinct()).all()
    )
    per_team = Counter(team for _juror, team in pairs)
    teams = _teams(session, race.id or 0)
    lines = []
    for person in jury.jurors(session, race.id or 0):
        allowed = may_score(session, person, teams)
        done = sum(1 for juror, team in pairs if juror == person.id and team in allowed)
        lines.append((person.name, done, len(allowed)))
    return Progress([(team, per_team.get(team.id or 0, 0)) for team in teams], lines, len(teams))


def may_score(session: Session, juror: Person, teams: list[Team] | None = None) -> set[int]:
    """Return the ids of the teams a juror may score: those jury.conflicts gives no reason against."""
    reasons = jury.conflicts(session, juror)
    found = teams if teams is not None else _teams(session, juror.race_id)
    return {team.id or 0 for team in found if not reasons.get(team.id or 0)}


def juror_teams(session: Session, race: Race, juror_id: int) -> list[jury.JurorTeam]:
    """Return every team as one juror sees it (the juror's live progress region)."""
    viewer = Viewer(juror_id, "", Role.JURY, race.id or 0, race.slug, None, race.lang)
    return jury.juror_view(session, viewer)


def results(session: Session, race: Race) -> Results | None:
    """Return the ranking with averages and comments, or None while the scores are hidden."""
    if not is_revealed(race):
        return None
    race_id = race.id or 0
    found = criteria.listing(session, race_id)
    weights = {item.id or 0: item.weight for item in found}
    teams = {team.id or 0: team for team in _teams(session, race_id)}
    scores = list(session.exec(select(Score).where(Score.race_id == race_id).order_by(col(Score.id))).all())
    marks = [ranking.Mark(s.juror_id, s.team_id, s.criterion_id, s.value) for s in scores]
    placings = ranking.rank(list(teams), weights, marks)
    names = {person.id: person.name for person in jury.jurors(session, race_id)}
    comments: dict[int, list[Comment]] = {}
    seen: set[tuple[int, int]] = set()
    for score in scores:
        if score.comment and (score.juror_id, score.team_id) not in seen:
            seen.add((score.juror_id, score.team_id))
            comments.setdefault(score.team_id, []).append(
                Comment(names.get(score.juror_id, ""), score.comment)
            )
    return Results(found, [(placing, teams[placing.team_id]) for placing in placings], comments)


def jury_context(session: Session, race: Race) -> dict[str, Any]:
    """Return what the facilitators' jury region and the setup page show."""
    return {
        "jury_progress": progress(session, race),
        "jury_results": results(session, race),
        "jury_revealed": is_revealed(race),
    }


def score_rows(session: Session, race: Race) -> list[dict[str, Any]]:
    """Return one row per juror, team and criterion with names, for the scores CSV (revealed races only)."""
    if not is_revealed(race):
        return []
    race_id = race.id or 0
    teams = {team.id: team.name for team in _teams(session, race_id)}
    names = {person.id: person.name for person in jury.jurors(session, race_id)}
    found = {item.id: item for item in criteria.listing(session, race_id)}
    rows = []
    query = select(Score).where(Score.race_id == race_id).order_by(col(Score.team_id), col(Score.juror_id))
    for score in session.exec(query.order_by(col(Score.criterion_id))):
        criterion = found.get(score.criterion_id)
        rows.append(
            {
                "team": teams.get(score.team_id, ""),
                "juror": names.get(score.juror_id, ""),
                "criterion": criterion.name if criterion else "",
                "weight": criterion.weight if criterion else "",
                "value": score.value,
                "comment": score.comment,
            }
        )
    return rows


def screen(db: Database, viewer: Viewer) -> dict[str, Any]:
    """Return what the juror's screen shows: their company question, the criteria and every team."""
    criteria.ensure(db, viewer.race_id)
    with db.read() as session:
        person = session.get(Person, viewer.person_id)
        declared = select(JuryConflict.team_id).where(JuryConflict.juror_id == viewer.person_id)
        return {
            "juror": person,
            "identity_pending": person is not None and person.profile_ms is None,
            "criteria_list": criteria.listing(session, viewer.race_id),
            "juror_teams": jury.juror_view(session, viewer),
            "stakes": set(session.exec(declared).all()),
            "new_key": lambda: uuid.uuid4().hex,
        }


def one_team(db: Database, viewer: Viewer, team_id: int) -> dict[str, Any]:
    """Return the juror's screen narrowed to one team, for the answer to a save."""
    context = screen(db, viewer)
    found = [view for view in context["juror_teams"] if view.team.id == team_id]
    with db.read() as session:
        race = session.get(Race, viewer.race_id)
    return {**context, "race": race, "view": found[0] if found else None}


def setup(db: Database, viewer: Viewer) -> dict[str, Any]:
    """Return the facilitator's jury page: criteria, jurors with their conflicts, progress or results."""
    require_facilitator(viewer)
    criteria.ensure(db, viewer.race_id)
    with db.read() as session:
        race = session.get(Race, viewer.race_id)
        assert race is not None
        people = jury.jurors(session, viewer.race_id)
        team_list = [view.team for view in teams.listing(session, viewer.race_id)]
        query = select(JuryConflict).where(JuryConflict.race_id == viewer.race_id)
        return {
            "race": race,
            "viewer": viewer,
            "criteria_list": criteria.listing(session, viewer.race_id),
            "jurors": [(person, jury.conflicts(session, person)) for person in people],
            "declared": list(session.exec(query.order_by(col(JuryConflict.id))).all()),
            "team_list": team_list,
            "team_names": {team.id: team.name for team in team_list},
            "juror_names": {person.id: person.name for person in people},
            **jury_context(session, race),
        }
