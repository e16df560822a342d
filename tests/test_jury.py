"""The jury: criteria, who may score whom, scoring, the hidden scores and the revealed ranking."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest
from sqlmodel import col, delete, func, select

from app.db import Database
from app.models import Challenge, Criterion, Event, JuryConflict, Person, Race, Score, Team
from app.services import ranking
from tests.conftest import Join, soup
from tests.conftest import Person as Browser
from tests.helpers import juror, jury_ids, scores

SECRET = "Hemlig kommentar 7788"


def give_challenge(db: Database, race_id: int, team_id: int, company: str) -> None:
    with db.write() as session:
        challenge = Challenge(race_id=race_id, company=company, title="Mindre spill")
        session.add(challenge)
        session.flush()
        team = session.get(Team, team_id)
        assert team is not None
        team.challenge_id = challenge.id
        session.add(team)


def score_rows(db: Database) -> list[Score]:
    with db.read() as session:
        return list(session.exec(select(Score).order_by(col(Score.criterion_id))).all())


def event_count(db: Database) -> int:
    with db.read() as session:
        return int(session.exec(select(func.count()).select_from(Event)).one())


# --- criteria


def test_a_new_race_has_the_default_criteria_in_its_language(db: Database, race: dict[str, Any]) -> None:
    from app.services import races

    swedish = races.create_race(db, "Svenska racet", lang="sv", teams=1)
    with db.read() as session:
        names = {
            slug: [
                c.name
                for c in session.exec(
                    select(Criterion)
                    .join(Race, col(Race.id) == Criterion.race_id)
                    .where(Race.slug == slug)
                    .order_by(col(Criterion.position))
                )
            ]
            for slug in (race["slug"], swedish["slug"])
        }
    assert names[race["slug"]] == ["Market potential", "Technology", "Financing", "Resources", "Pitch"]
    assert names[swedish["slug"]] == ["Marknadspotential", "Teknik", "Finansiering", "Resurser", "Pitch"]


def test_a_race_without_criteria_gets_the_defaults_when_the_jury_opens(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    race_id = jury_ids(db, race)["race"]
    with db.write() as session:
        session.exec(delete(Criterion))  # type: ignore[call-overload]
    person = join("jury", "Jan")
    page = person.page()
    assert len(page.select(".profile-prompt")) == 1
    assert len(jury_ids(db, race)["criteria"]) == 5
    person.page()
    assert len(jury_ids(db, race)["criteria"]) == 5
    with db.read() as session:
        kinds = session.exec(select(Event.kind).where(Event.race_id == race_id)).all()
    assert kinds.count("criteria.defaulted") == 1


def test_the_facilitator_edits_the_criteria(join: Join, db: Database, race: dict[str, Any]) -> None:
    slug = race["slug"]
    facilitator = join("facilitator", "Fia")
    first, second = jury_ids(db, race)["criteria"][:2]
    assert (
        facilitator.post(f"/r/{slug}/jury/criteria", {"name": "Hållbarhet", "weight": "2,5"}).status_code
        == 303
    )
    assert (
        facilitator.post(f"/r/{slug}/jury/criteria/{first}", {"name": "Marknad", "weight": "2"}).status_code
        == 303
    )
    assert facilitator.post(f"/r/{slug}/jury/criteria/{second}/move", {"direction": "up"}).status_code == 303
    assert facilitator.post(f"/r/{slug}/jury/criteria/{first}/remove").status_code == 303
    with db.read() as session:
        found = session.exec(select(Criterion).order_by(col(Criterion.position))).all()
    assert [(c.name, c.weight) for c in found] == [
        ("Technology", 1.0),
        ("Financing", 1.0),
        ("Resources", 1.0),
        ("Pitch", 1.0),
        ("Hållbarhet", 2.5),
    ]
    for weight in ("0", "-1", "x", "nan", "1000"):
        refused = facilitator.post(f"/r/{slug}/jury/criteria", {"name": "Noll", "weight": weight})
        assert refused.status_code == 422
        assert soup(refused.text).select_one("#setup-error[role=alert]") is not None
    assert len(jury_ids(db, race)["criteria"]) == 5


def test_a_criterion_jurors_have_scored_on_cannot_be_removed(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    slug, known = race["slug"], jury_ids(db, race)
    facilitator, jan = join("facilitator", "Fia"), juror(join)
    saved = jan.post(f"/r/{slug}/jury/teams/{known['teams'][0]}", scores([3] * 5, criteria=known["criteria"]))
    assert saved.status_code == 303
    before = event_count(db)
    refused = facilitator.post(f"/r/{slug}/jury/criteria/{known['criteria'][0]}/remove")
    assert refused.status_code == 409
    assert "Market potential" in soup(refused.text).select_one("#setup-error").get_text()
    assert event_count(db) == before
    assert len(jury_ids(db, race)["criteria"]) == 5


# --- who may score whom


def test_a_juror_may_not_score_the_team_of_their_own_company(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    slug, known = race["slug"], jury_ids(db, race)
    give_challenge(db, known["race"], known["teams"][0], "Sågverket AB")
    jan = juror(join, company="  sågverket   ab ")
    page = jan.page()
    blocked = page.select_one(f"#jt-{known['teams'][0]}")
    assert blocked.select_one("form") is None
    assert "Your company, Sågverket AB, brought this challenge" in blocked.select_one(".jury-why").get_text()
    assert page.select_one(f"#jt-{known['teams'][1]} form") is not None
    before = event_count(db)
    refused = jan.post(
        f"/r/{slug}/jury/teams/{known['teams'][0]}", scores([5] * 5, criteria=known["criteria"])
    )
    assert refused.status_code == 403
    refused = jan.htmx(
        f"/r/{slug}/jury/teams/{known['teams'][0]}", scores([5] * 5, criteria=known["criteria"])
    )
    assert refused.status_code == 403
    answer = soup(refused.text).select_one(f"#jt-{known['teams'][0]}")
    assert answer.select_one("form") is None and "Sågverket AB" in answer.select_one(".jury-why").get_text()
    assert "Team 1" in answer.select_one("[role=alert]").get_text()
    assert score_rows(db) == [] and event_count(db) == before
    allowed = jan.post(
        f"/r/{slug}/jury/teams/{known['teams'][1]}", scores([4] * 5, criteria=known["criteria"])
    )
    assert allowed.status_code == 303 and len(score_rows(db)) == 5


def test_a_different_company_or_no_company_is_no_conflict(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    known = jury_ids(db, race)
    give_challenge(db, known["race"], known["teams"][0], "Sågverket AB")
    for name, company in (("Jan", "Sågverket"), ("Ulla", "")):
        page = juror(join, name, company).page()
        assert page.select_one(f"#jt-{known['teams'][0]} form") is not None


@pytest.mark.parametrize("how", ["now", "joined", "moved"])
def test_a_juror_may_not_score_a_team_they_were_a_member_of(
    how: str, join: Join, db: Database, race: dict[str, Any]
) -> None:
    slug, known = race["slug"], jury_ids(db, race)
    jan = juror(join)
    team = known["teams"][1]
    with db.write() as session:
        person = session.exec(select(Person).where(Person.name == "Jan")).one()
        if how == "now":
            person.team_id = team
            session.add(person)
        else:
            kind = "team.joined" if how == "joined" else "person.moved"
            data = {"team": team} if how == "joined" else {"person": person.id, "team": team}
            seq = session.exec(select(Race.seq).where(Race.id == known["race"])).one() + 1
            session.add(
                Event(race_id=known["race"], seq=seq, kind=kind, data=data, at_ms=0, person_id=person.id)
            )
            race_row = session.get(Race, known["race"])
            assert race_row is not None
            race_row.seq = seq
            session.add(race_row)
    why = jan.page().select_one(f"#jt-{team} .jury-why").get_text()
    assert "You were a member of this team" in why
    assert (
        jan.post(f"/r/{slug}/jury/teams/{team}", scores([3] * 5, criteria=known["criteria"])).status_code
        == 403
    )
    assert score_rows(db) == []


def test_a_browser_that_was_on_a_team_and_rejoins_as_juror_may_not_score_that_team(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    """Jan works on team 1 as a participant, then joins with the jury code in the same browser."""
    slug, known = race["slug"], jury_ids(db, race)
    jan = join("participant", "Jan", team=1)
    again = jan.post("/join", {"code": race["codes"]["jury"], "name": "Jan"})
    assert again.status_code == 303
    assert jan.post(f"/r/{slug}/jury/identity", {"company": "", "action": "save"}).status_code == 303
    team = known["teams"][1]
    why = jan.page().select_one(f"#jt-{team} .jury-why")
    assert why is not None and "You were a member of this team" in why.get_text()
    assert jan.page().select_one(f"#jt-{known['teams'][0]} .jury-why") is None
    refused = jan.post(f"/r/{slug}/jury/teams/{team}", scores([3] * 5, criteria=known["criteria"]))
    assert refused.status_code == 403
    assert score_rows(db) == []
    # Another browser's juror of the same name is a different person: no stake is assumed from a name.
    other = juror(join, "Jan")
    assert other.page().select_one(f"#jt-{team} .jury-why") is None


def test_declared_stakes_by_the_juror_and_the_facilitator(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    slug, known = race["slug"], jury_ids(db, race)
    first, second = known["teams"]
    facilitator = join("facilitator", "Fia")
    jan = join("jury", "Jan")
    answered = jan.post(
        f"/r/{slug}/jury/identity",
        {"company": "", "stake": str(first), "reason": "Min bror", "action": "save"},
    )
    assert answered.status_code == 303
    assert "Declared: Min bror" in jan.page().select_one(f"#jt-{first} .jury-why").get_text()
    with db.read() as session:
        jan_id = session.exec(select(Person.id).where(Person.name == "Jan")).one()
    added = facilitator.post(
        f"/r/{slug}/jury/conflicts", {"juror": str(jan_id), "team": str(second), "reason": ""}
    )
    assert added.status_code == 303
    assert "Declared as a stake" in jan.page().select_one(f"#jt-{second} .jury-why").get_text()
    again = facilitator.post(f"/r/{slug}/jury/conflicts", {"juror": str(jan_id), "team": str(second)})
    assert again.status_code == 409
    for team in (first, second):
        assert (
            jan.post(f"/r/{slug}/jury/teams/{team}", scores([2] * 5, criteria=known["criteria"])).status_code
            == 403
        )
    setup = soup(facilitator.client.get(f"/r/{slug}/jury/setup").text)
    assert "Declared: Min bror" in setup.select_one(".jury-conflicts").get_text()
    with db.read() as session:
        conflict_id = session.exec(select(JuryConflict.id).where(JuryConflict.team_id == second)).one()
    assert jan.post(f"/r/{slug}/jury/conflicts/{conflict_id}/remove").status_code == 403
    assert facilitator.post(f"/r/{slug}/jury/conflicts/{conflict_id}/remove").status_code == 303
    assert (
        jan.post(f"/r/{slug}/jury/teams/{second}", scores([2] * 5, criteria=known["criteria"])).status_code
        == 303
    )


# --- scoring


def test_saving_again_replaces_the_jurors_scores_and_a_retry_saves_once(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    slug, known = race["slug"], jury_ids(db, race)
    jan = juror(join)
    team = known["teams"][0]
    url = f"/r/{slug}/jury/teams/{team}"
    first = jan.htmx(url, scores([1, 2, 3, 4, 5], "k1", "Bra", criteria=known["criteria"]))
    assert first.status_code == 200
    fragment = soup(first.text)
    assert fragment.select_one(f"#jt-{team} input[name=c{known['criteria'][4]}][value='5']").has_attr(
        "checked"
    )
    assert jan.htmx(url, scores([1, 2, 3, 4, 5], "k1", "Bra", criteria=known["criteria"])).status_code == 200
    assert [s.value for s in score_rows(db)] == [1, 2, 3, 4, 5]
    assert (
        jan.htmx(url, scores([5, 5, 5, 5, 4], "k2", "Bättre", criteria=known["criteria"])).status_code == 200
    )
    rows = score_rows(db)
    assert [s.value for s in rows] == [5, 5, 5, 5, 4] and {s.comment for s in rows} == {"Bättre"}
    with db.read() as session:
        saved = session.exec(select(Event).where(Event.kind == "score.saved")).all()
    assert len(saved) == 2
    assert all(
        "value" not in json.dumps(event.data) and "Bra" not in json.dumps(event.data) for event in saved
    )
    page = jan.page()
    assert page.select_one(f"#jt-{team} textarea").get_text() == "Bättre"
    assert "scored" in page.select_one(f"a[href='#jt-{team}'] + .jury-flag").get_text()
    assert "1 of the 2" in page.select_one("#jury-done").get_text()


@pytest.mark.parametrize("values", [[0, 3, 3, 3, 3], [6, 3, 3, 3, 3], ["x", 3, 3, 3, 3], ["", 3, 3, 3, 3]])
def test_a_score_outside_one_to_five_is_refused(
    values: list[Any], join: Join, db: Database, race: dict[str, Any]
) -> None:
    slug, known = race["slug"], jury_ids(db, race)
    jan = juror(join)
    answer = jan.htmx(f"/r/{slug}/jury/teams/{known['teams'][0]}", scores(values, criteria=known["criteria"]))
    assert answer.status_code == 422
    assert soup(answer.text).select_one("[role=alert]") is not None
    assert score_rows(db) == []


def test_only_jurors_score(join: Join, db: Database, race: dict[str, Any]) -> None:
    slug, known = race["slug"], jury_ids(db, race)
    for role in ("participant", "expert", "facilitator", "wall"):
        person = join(role, "Ann")
        answer = person.post(
            f"/r/{slug}/jury/teams/{known['teams'][0]}", scores([3] * 5, criteria=known["criteria"])
        )
        assert answer.status_code == 403
    assert score_rows(db) == []


# --- the ranking


def mark(juror_id: int, team: int, criterion: int, value: int) -> ranking.Mark:
    return ranking.Mark(juror_id, team, criterion, value)


def test_the_ranking_weighs_per_juror_then_averages_over_jurors() -> None:
    weights = {1: 2.0, 2: 1.0}
    marks = [
        # Team 10: juror 1 (2*5 + 1*2) / 3 = 4, juror 2 (2*3 + 1*3) / 3 = 3: mean 3.5.
        mark(1, 10, 1, 5),
        mark(1, 10, 2, 2),
        mark(2, 10, 1, 3),
        mark(2, 10, 2, 3),
        # Team 20: one juror, (2*4 + 1*4) / 3 = 4.
        mark(1, 20, 1, 4),
        mark(1, 20, 2, 4),
    ]
    placings = ranking.rank([10, 20, 30], weights, marks)
    assert [(p.team_id, p.rank, p.score, p.tied) for p in placings] == [
        (20, 1, Fraction(4), False),
        (10, 2, Fraction(7, 2), False),
        (30, None, None, False),
    ]
    assert placings[1].by_criterion == {1: Fraction(4), 2: Fraction(5, 2)}
    assert placings[1].jurors == 2 and placings[1].shown == "3.50" and placings[2].shown == ""


def test_equal_scores_share_a_rank_and_are_marked_as_ties() -> None:
    weights = {1: 0.1, 2: 0.2}
    marks = [
        mark(1, 1, 1, 5),
        mark(1, 1, 2, 5),
        # 0.1 * 4 + 0.2 * 5 over 0.3 and 0.1 * 5 + 0.2 * 4.5-ish: compare exactly, not in floats.
        mark(1, 2, 1, 2),
        mark(1, 2, 2, 4),
        mark(2, 3, 1, 2),
        mark(2, 3, 2, 4),
        mark(1, 4, 1, 1),
        mark(1, 4, 2, 1),
    ]
    placings = ranking.rank([1, 2, 3, 4, 5], weights, marks)
    assert [(p.team_id, p.rank, p.tied) for p in placings] == [
        (1, 1, False),
        (2, 2, True),
        (3, 2, True),
        (4, 4, False),
        (5, None, False),
    ]


def test_a_criterion_removed_after_scoring_no_longer_counts() -> None:
    placings = ranking.rank([1], {1: 1.0}, [mark(1, 1, 1, 2), mark(1, 1, 99, 5)])
    assert placings[0].score == 2 and 99 not in placings[0].by_criterion


# --- hidden until revealed


def everything_a_facilitator_can_fetch(facilitator: Browser, slug: str) -> dict[str, str]:
    pages = {
        "control": f"/r/{slug}",
        "setup": f"/r/{slug}/jury/setup",
        "review": f"/r/{slug}/review",
        "report": f"/r/{slug}/review/report",
        "report.md": f"/r/{slug}/review/report?format=md",
        "export": f"/r/{slug}/review/export.json",
        "csv score": f"/r/{slug}/review/csv/score",
        "csv scores": f"/r/{slug}/review/csv/scores",
        "csv event": f"/r/{slug}/review/csv/event",
        "person": "",
    }
    found = {}
    for name, path in pages.items():
        if path:
            found[name] = facilitator.client.get(path).text
    return found


def test_no_one_but_the_juror_sees_a_value_before_the_reveal(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    slug, known = race["slug"], jury_ids(db, race)
    facilitator, wall = join("facilitator", "Fia"), join("wall", "")
    participant = join("participant", "Pia", team=0)
    jan = juror(join)
    with db.read() as session:
        jan_id = session.exec(select(Person.id).where(Person.name == "Jan")).one()
    with facilitator.live() as fac_socket, wall.live() as wall_socket:
        fac_socket.wait_synced()
        wall_socket.wait_synced()
        saved = jan.htmx(
            f"/r/{slug}/jury/teams/{known['teams'][0]}", scores([4] * 5, "s1", SECRET, known["criteria"])
        )
        assert saved.status_code == 200
        fac_frame, wall_frame = fac_socket.receive_text(), wall_socket.receive_text()
    progress = soup(fac_frame).select_one("#jury")
    assert progress is not None and progress.select_one("#control-ranking") is None
    assert [td.get_text() for td in progress.select(".jury-progress td")][:2] == ["1", "0"]
    ranking_region = soup(wall_frame).select_one("#wall-ranking")
    assert (
        ranking_region is not None
        and ranking_region.has_attr("hidden")
        and ranking_region.get_text().strip() == ""
    )
    seen = everything_a_facilitator_can_fetch(facilitator, slug)
    seen["person export"] = facilitator.post(f"/r/{slug}/review/people/{jan_id}/export").text
    seen["wall"] = wall.client.get(f"/r/{slug}").text
    seen["participant"] = participant.client.get(f"/r/{slug}").text
    for name, text in seen.items():
        assert SECRET not in text, name
    export = json.loads(seen["export"])
    assert "score" not in export["tables"]
    assert "score" not in json.loads(seen["person export"])["tables"]
    assert facilitator.client.get(f"/r/{slug}/review/csv/score").status_code == 409
    assert facilitator.client.get(f"/r/{slug}/review/csv/scores").status_code == 409
    assert soup(seen["control"]).select(".ranking") == [] and soup(seen["setup"]).select(".ranking") == []
    # The juror sees their own values and comment.
    mine = jan.page()
    assert mine.select_one(f"#jt-{known['teams'][0]} textarea").get_text() == SECRET
    assert jan.post(f"/r/{slug}/review/people/{jan_id}/export").status_code == 200


def test_the_reveal_shows_the_ranking_everywhere_and_can_be_undone(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    slug, known = race["slug"], jury_ids(db, race)
    facilitator, wall = join("facilitator", "Fia"), join("wall", "")
    jan, ulla = juror(join, "Jan"), juror(join, "Ulla")
    first = known["teams"][0]
    jan.post(
        f"/r/{slug}/jury/teams/{first}", scores([5, 5, 5, 5, 5], comment=SECRET, criteria=known["criteria"])
    )
    ulla.post(f"/r/{slug}/jury/teams/{first}", scores([3, 3, 3, 3, 3], criteria=known["criteria"]))
    with wall.live() as wall_socket:
        wall_socket.wait_synced()
        assert (
            facilitator.htmx(f"/r/{slug}/jury/reveal", {"reveal": "1", "back": "control"}).status_code == 200
        )
        shown = soup(wall_socket.receive_text()).select_one("#wall-ranking")
    assert shown is not None and not shown.has_attr("hidden")
    rows = [[cell.get_text(strip=True) for cell in row.select("td, th")] for row in shown.select("tbody tr")]
    assert rows == [["1", "Team 1", "4.00"], ["–", "Team 2", "not scored"]]
    control = facilitator.page().select_one("#control-ranking")
    assert control is not None and "Market potential" in control.get_text()
    setup = facilitator.client.get(f"/r/{slug}/jury/setup").text
    assert SECRET in setup
    assert SECRET in facilitator.client.get(f"/r/{slug}/review").text
    assert (
        "Team 1"
        in soup(facilitator.client.get(f"/r/{slug}/review/report").text)
        .select_one("#report-ranking")
        .get_text()
    )
    markdown = facilitator.client.get(f"/r/{slug}/review/report?format=md").text
    assert "| 1 | Team 1 | 4.00 |" in markdown
    scores_csv = facilitator.client.get(f"/r/{slug}/review/csv/scores")
    assert scores_csv.status_code == 200 and scores_csv.text.count("\n") == 11 and SECRET in scores_csv.text
    assert "score" in json.loads(facilitator.client.get(f"/r/{slug}/review/export.json").text)["tables"]
    with db.read() as session:
        assert set(session.exec(select(Score.revealed)).all()) == {True}
    assert facilitator.post(f"/r/{slug}/jury/reveal", {"reveal": "1"}).status_code == 409
    assert facilitator.post(f"/r/{slug}/jury/reveal", {"reveal": "0"}).status_code == 303
    assert SECRET not in facilitator.client.get(f"/r/{slug}/jury/setup").text
    assert wall.page().select_one("#wall-ranking").has_attr("hidden")


def test_scores_are_frozen_while_revealed_and_the_jury_page_says_so(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    slug, known = race["slug"], jury_ids(db, race)
    facilitator, jan = join("facilitator", "Fia"), juror(join)
    first = known["teams"][0]
    assert (
        jan.post(f"/r/{slug}/jury/teams/{first}", scores([5] * 5, criteria=known["criteria"])).status_code
        == 303
    )
    assert jan.page().select_one("#jury-frozen") is None
    assert facilitator.post(f"/r/{slug}/jury/reveal", {"reveal": "1"}).status_code == 303
    page = jan.page()
    assert "cannot be changed" in page.select_one("#jury-frozen").get_text()
    assert page.select_one(f"#jt-{first}-save").has_attr("disabled")
    before = event_count(db)
    for team in known["teams"]:
        refused = jan.htmx(f"/r/{slug}/jury/teams/{team}", scores([1] * 5, criteria=known["criteria"]))
        assert refused.status_code == 409
        alert = soup(refused.text).select_one(f"#jt-{team} [role=alert]")
        assert alert is not None and "cannot be changed until the facilitator hides them" in alert.get_text()
    assert event_count(db) == before and [s.value for s in score_rows(db)] == [5] * 5
    assert facilitator.post(f"/r/{slug}/jury/reveal", {"reveal": "0"}).status_code == 303
    assert (
        jan.post(f"/r/{slug}/jury/teams/{first}", scores([2] * 5, criteria=known["criteria"])).status_code
        == 303
    )
    assert [s.value for s in score_rows(db)] == [2] * 5
