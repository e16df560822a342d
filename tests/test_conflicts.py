"""A fair jury: a stake keeps a juror's score out of the ranking and the progress, whenever known."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, func, select

from app.db import Database
from app.models import Challenge, Criterion, Event, JuryConflict, Person, Race, Team
from tests.conftest import Join, soup
from tests.conftest import Person as Browser


def criteria_of(db: Database, race: dict[str, Any]) -> list[int]:
    with db.read() as session:
        race_id = session.exec(select(Race.id).where(Race.slug == race["slug"])).one()
        found = session.exec(
            select(Criterion.id).where(Criterion.race_id == race_id).order_by(col(Criterion.position))
        ).all()
    return list(found)


def juror(join: Join, name: str = "Jan", company: str = "") -> Browser:
    person = join("jury", name)
    answer = person.post(f"/r/{person.slug}/jury/identity", {"company": company, "action": "save"})
    assert answer.status_code == 303, answer.text
    return person


def score(person: Browser, race: dict[str, Any], criteria: list[int], team: int, value: int = 4) -> int:
    form = {f"c{criterion}": str(value) for criterion in criteria}
    return int(person.post(f"/r/{race['slug']}/jury/teams/{team}", form).status_code)


def person_id(db: Database, name: str) -> int:
    with db.read() as session:
        return int(session.exec(select(Person.id).where(Person.name == name)).one())


def events(db: Database) -> int:
    with db.read() as session:
        return int(session.exec(select(func.count()).select_from(Event)).one())


def progress(facilitator: Browser) -> tuple[list[str], list[str]]:
    """Return the control screen's jurors per team and teams per juror."""
    tables = facilitator.page().select("#jury .jury-progress")
    return [td.get_text() for td in tables[0].select("td")], [td.get_text() for td in tables[1].select("td")]


def ranking(facilitator: Browser) -> list[list[str]]:
    shown = facilitator.page().select_one("#control-ranking")
    return [
        [cell.get_text(strip=True) for cell in row.select("td, th")][:3] for row in shown.select("tbody tr")
    ]


def test_a_stake_declared_after_the_score_keeps_it_out_of_progress_and_ranking(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator, criteria = join("facilitator", "Fia"), criteria_of(db, race)
    jan = juror(join)
    first = race["teams"][0]["id"]
    assert score(jan, race, criteria, first) == 303
    assert progress(facilitator) == (["1", "0"], ["1 of 2"])
    declared = facilitator.post(
        f"/r/{race['slug']}/jury/conflicts", {"juror": str(person_id(db, "Jan")), "team": str(first)}
    )
    assert declared.status_code == 303
    # Progress counts only scores that count, out of the teams the juror may judge.
    assert progress(facilitator) == (["0", "0"], ["0 of 1"])
    flagged = facilitator.page().select_one("#control-set-aside")
    assert flagged is not None and "Jan" in flagged.get_text() and "Team 1" in flagged.get_text()
    setup = soup(facilitator.client.get(f"/r/{race['slug']}/jury/setup").text)
    assert "Team 1" in setup.select_one("#setup-set-aside").get_text()
    assert facilitator.post(f"/r/{race['slug']}/jury/reveal", {"reveal": "1"}).status_code == 303
    assert ranking(facilitator) == [["–", "Team 1", "not scored"], ["–", "Team 2", "not scored"]]
    scores_csv = facilitator.client.get(f"/r/{race['slug']}/review/csv/scores").text.splitlines()
    assert scores_csv[0].endswith(",counted") and all(line.endswith(",no") for line in scores_csv[1:])
    # Taken back by the facilitator, the score counts again.
    with db.read() as session:
        conflict_id = session.exec(select(JuryConflict.id)).one()
    assert facilitator.post(f"/r/{race['slug']}/jury/conflicts/{conflict_id}/remove").status_code == 303
    assert ranking(facilitator) == [["1", "Team 1", "4.00"], ["–", "Team 2", "not scored"]]


def test_a_company_that_turns_out_to_be_the_teams_keeps_the_score_out(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator, criteria = join("facilitator", "Fia"), criteria_of(db, race)
    first = race["teams"][0]["id"]
    with db.write() as session:
        race_id = session.exec(select(Race.id).where(Race.slug == race["slug"])).one()
        challenge = Challenge(race_id=race_id, company="Sågverket AB", title="Spill")
        session.add(challenge)
        session.flush()
        team = session.get(Team, first)
        assert team is not None
        team.challenge_id = challenge.id
        session.add(team)
    jan = juror(join)  # no company given
    assert score(jan, race, criteria, first) == 303
    # The juror cannot set their company now: it is fixed once they have scored.
    before = events(db)
    answer = jan.post(f"/r/{race['slug']}/jury/identity", {"company": "Sågverket AB", "action": "save"})
    assert answer.status_code == 409
    assert "cannot change once you have scored" in soup(answer.text).get_text()
    assert events(db) == before
    page = jan.page()
    assert page.select_one("#juror-company").has_attr("readonly")
    # The facilitator can; the score no longer counts.
    path = f"/r/{race['slug']}/jury/jurors/{person_id(db, 'Jan')}/company"
    assert facilitator.post(path, {"company": "sågverket  ab"}).status_code == 303
    assert facilitator.post(path, {"company": "sågverket  ab"}).status_code == 409
    assert progress(facilitator) == (["0", "0"], ["0 of 1"])
    assert "brought this challenge" in facilitator.page().select_one("#control-set-aside").get_text()


def test_every_team_of_anyone_who_joined_from_the_same_browser_is_a_stake(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    """Jan is on team 2, is moved to team 1, signs out and comes back with the jury code: both are stakes."""
    facilitator, criteria = join("facilitator", "Fia"), criteria_of(db, race)
    first, second = (team["id"] for team in race["teams"])
    jan = join("participant", "Jan", team=1)
    moved = facilitator.htmx(f"/r/{race['slug']}/people/{person_id(db, 'Jan')}/team", {"team": str(first)})
    assert moved.status_code == 200
    assert jan.post("/leave").status_code == 303
    again = jan.post("/join", {"code": race["codes"]["jury"], "name": "Jan J"})
    assert again.status_code == 303
    assert jan.post(f"/r/{race['slug']}/jury/identity", {"company": "", "action": "save"}).status_code == 303
    page = jan.page()
    for team in (first, second):
        why = page.select_one(f"#jt-{team} .jury-why")
        assert why is not None and "You were a member of this team" in why.get_text()
        assert score(jan, race, criteria, team) == 403


def test_a_membership_that_comes_after_the_score_keeps_it_out(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    """A juror scores team 1, then joins from the same browser as a participant and takes a seat on it."""
    facilitator, criteria = join("facilitator", "Fia"), criteria_of(db, race)
    first = race["teams"][0]["id"]
    jan = juror(join)
    assert score(jan, race, criteria, first) == 303
    assert jan.post("/join", {"code": race["codes"]["participant"], "name": "Jan"}).status_code == 303
    assert jan.post(f"/r/{race['slug']}/team", {"team": str(first)}).status_code == 303
    assert progress(facilitator) == (["0", "0"], ["0 of 1"])
