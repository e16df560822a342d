"""An organiser's home: races made in the browser, their state, codes, templates, archive and delete."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import SQLModel, col, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from app.db import Database
from app.models import AgendaTemplate, AuditRecord, Criterion, Person, Phase, Race, RaceCode, Team
from app.services import archive, races
from tests.conftest import ORIGIN, SignIn, soup

NEW = {"lang": "sv", "teams": "3", "source": "default", "timezone": "Europe/Stockholm"}


def make_race(client: TestClient, name: str, **fields: str) -> str:
    """Make a race through the form; return its slug."""
    answer = client.post(
        "/home/races", data={**NEW, "name": name, "key": f"k-{name}", **fields}, follow_redirects=False
    )
    assert answer.status_code == 303, soup(answer.text).select_one("#race-error")
    return answer.headers["location"].rsplit("#race-", 1)[1]


def shown_races(client: TestClient) -> list[str]:
    return [link.get_text() for link in soup(client.get("/home").text).select(".glance-name")]


def race_row(db: Database, slug: str) -> Race:
    with db.read() as session:
        return races.get_race(session, slug)


def test_each_organiser_sees_their_own_races_and_no_other(organiser: SignIn) -> None:
    anna, bo = organiser("anna@example.se"), organiser("bo@example.se")
    make_race(anna, "Annas första")
    make_race(anna, "Annas andra")
    make_race(bo, "Bos race")
    assert sorted(shown_races(anna)) == ["Annas andra", "Annas första"]
    assert shown_races(bo) == ["Bos race"]
    status = soup(bo.get("/home/status").text)
    assert [link.get_text() for link in status.select(".glance-name")] == ["Bos race"]


def test_a_race_from_the_browser_gets_codes_named_teams_a_planned_start_and_its_organiser(
    organiser: SignIn, db: Database
) -> None:
    anna = organiser()
    day = dt.date(dt.date.today().year + 1, 3, 14)
    slug = make_race(
        anna, "Vårracet", team_names="Röd\nBlå\n\n Grön ", start_date=day.isoformat(), start_time="09:00"
    )
    race = race_row(db, slug)
    assert race.planned_start_ms is not None and race.timezone == "Europe/Stockholm"
    with db.read() as session:
        teams = session.exec(select(Team.name).where(Team.race_id == race.id).order_by(col(Team.id))).all()
        codes = session.exec(select(RaceCode.role).where(RaceCode.race_id == race.id)).all()
        facilitators = session.exec(
            select(Person.name).where(Person.race_id == race.id, Person.role == "facilitator")
        ).all()
    assert teams == ["Röd", "Blå", "Grön"]
    assert sorted(codes) == ["expert", "facilitator", "jury", "participant", "wall"]
    assert facilitators == ["Anna"]
    # 09:00 in Stockholm in March (winter time) is 08:00 UTC.
    assert race.planned_start_ms == int(dt.datetime.combine(day, dt.time(8), dt.UTC).timestamp() * 1000)


def test_a_retried_post_makes_one_race(organiser: SignIn, db: Database) -> None:
    anna = organiser()
    first = make_race(anna, "Dubbelklick")
    again = make_race(anna, "Dubbelklick")
    assert first == again
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Race)).one() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"name": ""},
        {"teams": "-3"},
        {"teams": "tre"},
        {"team_names": "Lag\nlag"},
        {"start_date": "2020-01-01", "start_time": "09:00"},
        {"start_date": "i morgon", "start_time": "09:00"},
        {"timezone": "Mars/Olympus"},
        {"source": "race:someone-elses"},
        {"source": "template:99"},
        {"lang": "xx"},
    ],
)
def test_a_bad_form_makes_no_race_and_says_why(
    organiser: SignIn, db: Database, fields: dict[str, str]
) -> None:
    anna = organiser()
    answer = anna.post("/home/races", data={**NEW, "name": "Racet", **fields}, follow_redirects=False)
    if fields == {"lang": "xx"}:
        assert answer.status_code == 303  # an unknown language falls back to the default
        return
    assert 400 <= answer.status_code < 500
    assert soup(answer.text).select_one("#race-error") is not None
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Race)).one() == 0


def agenda_of(db: Database, slug: str) -> list[tuple[Any, ...]]:
    with db.read() as session:
        race = races.get_race(session, slug)
        phases = session.exec(
            select(Phase).where(Phase.race_id == race.id).order_by(col(Phase.position))
        ).all()
        criteria = session.exec(
            select(Criterion.name, Criterion.weight).where(Criterion.race_id == race.id)
        ).all()
    return [
        *(
            (p.name, p.planned_minutes, p.board_open, p.voting_open, p.requests_open, p.vote_budget)
            for p in phases
        ),
        *criteria,
    ]


def test_a_race_copies_an_earlier_race_of_theirs_and_a_saved_template(
    organiser: SignIn, db: Database, app_client: TestClient
) -> None:
    anna = organiser()
    first = make_race(anna, "Förlagan")
    # The first race's agenda changes on its control screen: one phase shorter, one removed.
    assert anna.post(f"/home/races/{first}/open", data={"to": "control"}).status_code == 200
    phases = race_row(db, first)
    with db.read() as session:
        ids = session.exec(
            select(Phase.id).where(Phase.race_id == phases.id).order_by(col(Phase.position))
        ).all()
    anna.post(f"/r/{first}/agenda/{ids[0]}", data={"name": "Start", "minutes": "15", "vote_budget": "3"})
    anna.post(f"/r/{first}/agenda/{ids[-1]}/remove")
    copy = make_race(anna, "Kopian", source=f"race:{first}")
    assert agenda_of(db, copy) == agenda_of(db, first)
    assert agenda_of(db, copy)[0] == ("Start", 15, False, False, False, 3)
    # Saved as a template, edited there, then used.
    assert anna.post(f"/home/races/{first}/template", data={"name": "Vår mall"}).status_code == 200
    with db.read() as session:
        template = session.exec(select(AgendaTemplate)).one()
    edit = {"rev": "1", "name": "Vår mall", "competences": "AI, Svetsning"}
    for number, phase in enumerate(template.phases):
        edit |= {f"phase-{number}-name": phase["name"], f"phase-{number}-minutes": str(phase["minutes"])}
        edit |= {f"phase-{number}-budget": str(phase["budget"])}
    edit |= {"phase-1-remove": "1", "phase-99-name": "Fika", "phase-99-minutes": "20", "phase-99-board": "1"}
    edit |= {"criterion-0-name": "Mod", "criterion-0-weight": "2"}
    assert anna.post(f"/home/templates/{template.id}", data=edit, follow_redirects=False).status_code == 303
    stale = anna.post(f"/home/templates/{template.id}", data=edit, follow_redirects=False)
    assert stale.status_code == 409
    made = make_race(anna, "Från mallen", source=f"template:{template.id}")
    agenda = agenda_of(db, made)
    assert ("Fika", 20, True, False, False, 5) in agenda
    # Fifteen phases less the one removed, with Fika; the one criterion the form still named.
    assert [row for row in agenda if len(row) == 2] == [("Mod", 2.0)]
    assert len(agenda) == 15 + 1
    assert race_row(db, made).competences == ["AI", "Svetsning"]


def test_another_organisers_template_or_race_cannot_be_used_or_changed(
    organiser: SignIn, db: Database
) -> None:
    anna, bo = organiser("anna@example.se"), organiser("bo@example.se")
    annas = make_race(anna, "Annas")
    anna.post(f"/home/races/{annas}/template", data={"name": "Annas mall"})
    with db.read() as session:
        template = session.exec(select(AgendaTemplate)).one()
    assert bo.get(f"/home/templates/{template.id}").status_code == 404
    assert bo.post(f"/home/templates/{template.id}/remove", data={"rev": "1"}).status_code == 404
    assert bo.post(f"/home/races/{annas}/open", data={"to": "control"}).status_code == 404
    refused = bo.post("/home/races", data={**NEW, "name": "Kopia", "source": f"race:{annas}"})
    assert refused.status_code == 404


def test_a_replaced_code_stops_working_at_once_and_people_already_in_stay(
    organiser: SignIn, db: Database, app: Starlette, app_client: TestClient
) -> None:
    anna = organiser()
    slug = make_race(anna, "Kodracet")
    with db.read() as session:
        race = races.get_race(session, slug)
        old = races.codes(session, race.id or 0)["participant"]

    def browser() -> TestClient:
        client = TestClient(app, headers={"origin": ORIGIN})
        client.portal = app_client.portal
        return client

    inside = browser()
    assert inside.post("/join", data={"code": old, "name": "Alva"}, follow_redirects=False).status_code == 303
    answer = anna.post(f"/home/races/{slug}/codes/participant", data={"code": old}, follow_redirects=False)
    assert answer.status_code == 303
    again = anna.post(f"/home/races/{slug}/codes/participant", data={"code": old}, follow_redirects=False)
    assert again.status_code == 409
    with db.read() as session:
        new = races.codes(session, race.id or 0)["participant"]
        audit = session.exec(select(AuditRecord.action)).all()
    assert new != old and audit == ["code.replaced"]
    assert (
        browser().post("/join", data={"code": old, "name": "Bo"}, follow_redirects=False).status_code == 422
    )
    assert (
        browser().post("/join", data={"code": new, "name": "Bo"}, follow_redirects=False).status_code == 303
    )
    assert inside.get(f"/r/{slug}").status_code == 200


def test_the_wall_and_the_control_screen_get_a_replaced_code_live(
    organiser: SignIn, db: Database, app: Starlette, app_client: TestClient
) -> None:
    anna = organiser()
    slug = make_race(anna, "Väggracet")
    with db.read() as session:
        codes = races.codes(session, races.get_race(session, slug).id or 0)
    wall = TestClient(app, headers={"origin": ORIGIN})
    wall.portal = app_client.portal
    wall.post("/join", data={"code": codes["wall"], "name": ""})
    with wall.websocket_connect(f"/r/{slug}/live", headers={"origin": ORIGIN}) as socket:
        while not socket.receive_text().startswith('{"type": "synced"'):
            pass
        anna.post(f"/home/races/{slug}/codes/participant", data={"code": codes["participant"]})
        frame = soup(socket.receive_text())
    with db.read() as session:
        new = races.codes(session, races.get_race(session, slug).id or 0)["participant"]
    assert frame.select_one("#wall-join .wall-code").get_text() == new
    assert new in frame.select_one("#wall-join img")["src"]


def test_only_an_ended_race_is_archived_and_then_nothing_in_it_changes(
    organiser: SignIn, db: Database
) -> None:
    anna = organiser()
    slug = make_race(anna, "Arkivracet")
    assert anna.post(f"/home/races/{slug}/archive", follow_redirects=False).status_code == 409
    anna.post(f"/home/races/{slug}/open", data={"to": "control"})
    assert anna.post(f"/r/{slug}/end", follow_redirects=False).status_code == 303
    assert anna.post(f"/home/races/{slug}/archive", follow_redirects=False).status_code == 303
    before = race_row(db, slug).seq
    refused = anna.post(f"/r/{slug}/agenda", data={"name": "Fika", "minutes": "10", "vote_budget": "5"})
    assert refused.status_code == 409
    assert race_row(db, slug).seq == before
    # Still readable: the control screen and the review.
    assert anna.get(f"/r/{slug}").status_code == 200
    assert anna.get(f"/r/{slug}/review").status_code == 200
    assert [
        link.get_text() for link in soup(anna.get("/home").text).select("#glance .glance-archived th")
    ] == ["Arkivracet"]
    assert anna.post(f"/home/races/{slug}/unarchive", follow_redirects=False).status_code == 303
    assert (
        anna.post(f"/r/{slug}/agenda", data={"name": "Fika", "minutes": "10", "vote_budget": "5"}).status_code
        == 200
    )
    with db.read() as session:
        actions = session.exec(select(AuditRecord.action).order_by(col(AuditRecord.id))).all()
    assert actions == ["race.archived", "race.unarchived"]


def test_deleting_a_race_needs_its_name_and_removes_all_its_data(
    organiser: SignIn, db: Database, app: Starlette, app_client: TestClient
) -> None:
    anna = organiser()
    kept = make_race(anna, "Behålls")
    slug = make_race(anna, "Raderas")
    with db.read() as session:
        race = races.get_race(session, slug)
        code = races.codes(session, race.id or 0)["participant"]
    person = TestClient(app, headers={"origin": ORIGIN})
    person.portal = app_client.portal
    person.post("/join", data={"code": code, "name": "Alva"})
    person.post(f"/r/{slug}/cards", data={"title": "Ett kort", "column": "idea", "key": "c1"})
    page = soup(anna.get(f"/home/races/{slug}/delete").text)
    assert "Raderas" in page.select_one(".warning").get_text()
    wrong = anna.post(f"/home/races/{slug}/delete", data={"name": "Behålls"}, follow_redirects=False)
    assert wrong.status_code == 422
    assert race_row(db, slug).deleted_ms is None
    done = anna.post(f"/home/races/{slug}/delete", data={"name": " Raderas "}, follow_redirects=False)
    assert done.status_code == 303
    with db.read() as session:
        for table in SQLModel.metadata.sorted_tables:
            if "race_id" in table.c and table.name not in archive.KEPT:
                left = session.execute(
                    select(func.count()).select_from(table).where(table.c.race_id == race.id)
                )
                assert left.scalar_one() == 0, table.name
        actions = session.exec(select(AuditRecord.action, AuditRecord.detail)).all()
    assert ("race.deleted", f"Raderas ({slug})") in actions
    assert shown_races(anna) == ["Behålls"]
    assert [item["data-action"] for item in soup(anna.get("/home").text).select("#audit li")] == [
        "race.deleted"
    ]
    assert person.get(f"/r/{slug}", follow_redirects=False).status_code == 303
    joined = person.post("/join", data={"code": code, "name": "Bo"}, follow_redirects=False)
    assert joined.status_code == 422
    assert race_row(db, kept).deleted_ms is None


def test_an_organisers_race_moves_to_another_database_without_its_organisers(
    organiser: SignIn, db: Database, tmp_path: Any
) -> None:
    from app.migrate import upgrade
    from app.services import exports

    anna = organiser()
    slug = make_race(anna, "Flyttracet")
    anna.post(f"/home/races/{slug}/open", data={"to": "control"})
    with db.read() as session:
        first = session.exec(select(Phase.id).where(Phase.race_id == race_row(db, slug).id)).first()
    anna.post(f"/r/{slug}/phases/{first}/start")
    anna.post(f"/r/{slug}/gallery/open", data={"phase": str(first)})
    document = exports.export_race(db, slug)
    assert "raceorganiser" not in document["tables"]
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(other_url)
    other = Database(other_url)
    try:
        races.create_race(other, "Ett annat race", teams=5)
        exports.import_race(other, document)
        with other.read() as session:
            moved = races.get_race(session, slug)
            assert moved.gallery_phase_id == moved.current_phase_id is not None
    finally:
        other.dispose()


def test_a_refused_template_edit_keeps_what_was_typed(organiser: SignIn, db: Database) -> None:
    anna = organiser()
    assert anna.post("/home/templates", data={"name": "Kort mall", "lang": "sv"}).status_code == 200
    with db.read() as session:
        template = session.exec(select(AgendaTemplate)).one()
    typed = {"rev": "1", "name": "Nytt namn", "phase-0-name": "Välkomna", "phase-0-minutes": "tio"}
    refused = anna.post(f"/home/templates/{template.id}", data={**typed, "criterion-0-name": "Mod"})
    assert refused.status_code == 422
    page = soup(refused.text)
    assert page.select_one("#template-error") is not None
    assert page.select_one("#template-name")["value"] == "Nytt namn"
    assert page.select_one("input[name='phase-0-minutes']")["value"] == "tio"
    with db.read() as session:
        assert session.exec(select(AgendaTemplate.name)).one() == "Kort mall"
