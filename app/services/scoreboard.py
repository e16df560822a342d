"""What the jury's screens show: the juror's teams, progress before the reveal, the ranking after it."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from app.db import Database
from app.models import Criterion, JuryConflict, Person, Race, Role, Score, Team
from app.services import conflicts, criteria, devices, jury, ranking, teams
from app.services.agenda import require_facilitator
from app.services.people import ROLE_LABELS, Viewer


@dataclass
class Progress:
    """Who has scored how much, without a single value: per team the jurors, per juror the teams.

    Only scores that count are counted: none by a juror with a stake in the team. Per juror: (name, teams
    scored, teams they may score).
    """

    teams: list[tuple[Team, int]]
    jurors: list[tuple[str, int, int]]
    team_count: int
    # Scores that do not count, for the facilitator: (juror, team, why), values never shown.
    set_aside: list[tuple[str, str, list[conflicts.Reason]]] = field(default_factory=list)


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


def progress(session: Session, race: Race, stakes: conflicts.Stakes | None = None) -> Progress:
    """Return how many jurors scored each team and how many teams each juror scored, counting only the
    scores that count, and the scores set aside for a stake."""
    stakes = conflicts.of_race(session, race.id or 0) if stakes is None else stakes
    scored = set(
        session.exec(select(Score.juror_id, Score.team_id).where(Score.race_id == race.id).distinct()).all()
    )
    aside = conflicts.pairs(stakes)
    counted = scored - aside
    per_team = Counter(team for _juror, team in counted)
    per_juror = Counter(juror for juror, _team in counted)
    teams = _teams(session, race.id or 0)
    people = jury.jurors(session, race.id or 0)
    names = {person.id: person.name for person in people}
    team_names = {team.id: team.name for team in teams}
    return Progress(
        [(team, per_team.get(team.id or 0, 0)) for team in teams],
        [
            (person.name, per_juror.get(person.id or 0, 0), len(teams) - len(stakes.get(person.id or 0, {})))
            for person in people
        ],
        len(teams),
        [
            (names.get(juror, ""), team_names.get(team, ""), stakes[juror][team])
            for juror, team in sorted(scored & aside)
        ],
    )


def juror_teams(session: Session, race: Race, juror_id: int) -> list[jury.JurorTeam]:
    """Return every team as one juror sees it (the juror's live progress region)."""
    viewer = Viewer(juror_id, "", Role.JURY, race.id or 0, race.slug, None, race.lang)
    return jury.juror_view(session, viewer)


def results(session: Session, race: Race, stakes: conflicts.Stakes | None = None) -> Results | None:
    """Return the ranking with averages and comments from the scores that count, or None while hidden."""
    if not is_revealed(race):
        return None
    race_id = race.id or 0
    found = criteria.listing(session, race_id)
    weights = {item.id or 0: item.weight for item in found}
    teams = {team.id or 0: team for team in _teams(session, race_id)}
    scores = _counted(session, race_id, stakes)
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


def _counted(session: Session, race_id: int, stakes: conflicts.Stakes | None = None) -> list[Score]:
    """Return the race's scores that count: none by a juror with a stake in the team, known when it may."""
    aside = conflicts.pairs(conflicts.of_race(session, race_id) if stakes is None else stakes)
    scores = session.exec(select(Score).where(Score.race_id == race_id).order_by(col(Score.id))).all()
    return [score for score in scores if (score.juror_id, score.team_id) not in aside]


def jury_context(session: Session, race: Race) -> dict[str, Any]:
    """Return what the facilitators' jury region and the setup page show."""
    stakes = conflicts.of_race(session, race.id or 0)
    return {
        "jury_progress": progress(session, race, stakes),
        "jury_results": results(session, race, stakes),
        "jury_revealed": is_revealed(race),
    }


def score_rows(session: Session, race: Race) -> list[dict[str, Any]]:
    """Return one row per juror, team and criterion with names, for the scores CSV (revealed races only);
    `counted` says whether the score counts (not when the juror has a stake in the team)."""
    if not is_revealed(race):
        return []
    race_id = race.id or 0
    aside = conflicts.pairs(conflicts.of_race(session, race_id))
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
                "counted": "no" if (score.juror_id, score.team_id) in aside else "yes",
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
            "juror_scored": jury.has_scored(session, viewer.person_id),
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
        stakes = conflicts.of_race(session, viewer.race_id)
        return {
            "race": race,
            "viewer": viewer,
            "criteria_list": criteria.listing(session, viewer.race_id),
            "jurors": [(person, stakes.get(person.id or 0, {})) for person in people],
            "same_device": devices.shared(session, viewer.race_id),
            "role_labels": ROLE_LABELS,
            "declared": list(session.exec(query.order_by(col(JuryConflict.id))).all()),
            "team_list": team_list,
            "team_names": {team.id: team.name for team in team_list},
            "juror_names": {person.id: person.name for person in people},
            **jury_context(session, race),
        }
