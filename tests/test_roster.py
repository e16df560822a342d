"""Challenges, teams, moving people and locking boards: rules, refusals and who sees the change."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select

from app.db import Database
from app.models import Challenge, Event, Person, Race, Team
from app.screens import contexts
from app.services import races
from tests.conftest import Join, LiveSession, oob_ids, soup
from tests.helpers import reload_arrives

CHALLENGE = {
    "company": "Sågverket AB",
    "title": "Mindre spill",
    "description": "Hyvelspån blir <i>pellets</i>?",
}


def seq(db: Database, race: dict[str, Any]) -> int:
    with db.read() as session:
        return session.exec(select(Race.seq).where(Race.slug == race["slug"])).one()


def person_named(db: Database, name: str) -> Person:
    with db.read() as session:
        person = session.exec(select(Person).where(Person.name == name)).one()
        return person


def team(db: Database, team_id: int) -> Team:
    with db.read() as session:
        found = session.get(Team, team_id)
        assert found is not None
        return found


def test_a_challenge_is_created_and_edited(join: Join, db: Database, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fia")
    assert facilitator.htmx(f"/r/{race['slug']}/challenges", CHALLENGE).status_code == 200
    with db.read() as session:
        challenge = session.exec(select(Challenge)).one()
    assert (challenge.company, challenge.title) == ("Sågverket AB", "Mindre spill")
    response = facilitator.htmx(
        f"/r/{race['slug']}/challenges/{challenge.id}", {**CHALLENGE, "title": "Noll spill"}
    )
    assert response.status_code == 200
    page = facilitator.page()
    shown = page.select_one(f"#challenge-{challenge.id}").get_text()
    assert "Noll spill" in shown
    assert page.select_one(f"#challenge-{challenge.id} i") is None  # the description is escaped


def test_editing_a_challenge_reaches_the_teams_working_on_it(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator", "Fia")
    facilitator.htmx(f"/r/{race['slug']}/challenges", CHALLENGE)
    with db.read() as session:
        challenge_id = session.exec(select(Challenge.id)).one()
    team_id = race["teams"][0]["id"]
    facilitator.htmx(
        f"/r/{race['slug']}/teams/{team_id}",
        {"name": "Lag Ek", "colour": "#2e86c1", "challenge": challenge_id},
    )
    mine, other = join("participant", "Alva", team=0), join("participant", "Bo", team=1)
    with mine.live() as s_mine, other.live() as s_other, join("wall", "Vägg").live() as s_wall:
        for socket in (s_mine, s_other, s_wall):
            socket.receive_text()
        facilitator.htmx(f"/r/{race['slug']}/challenges/{challenge_id}", {**CHALLENGE, "title": "Noll spill"})
        frame = s_mine.receive_text()
        assert "Noll spill" in soup(frame).select_one("#team").get_text()
        assert "wall-teams" in oob_ids(s_wall.receive_text())
        # The other team's next frame is the next change that concerns it.
        facilitator.post(f"/r/{race['slug']}/announcements", {"body": "Fika", "key": "fika"})
        ids = oob_ids(s_other.receive_text())
        assert "announcement" in ids and "team" not in ids


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"company": ""}, 422),
        ({"title": " "}, 422),
        ({"title": "x" * 201}, 422),
        ({"description": "x" * 5001}, 422),
    ],
)
def test_a_bad_challenge_is_refused(
    join: Join, db: Database, race: dict[str, Any], fields: dict[str, str], status: int
) -> None:
    facilitator = join("facilitator", "Fia")
    before = seq(db, race)
    response = facilitator.htmx(f"/r/{race['slug']}/challenges", {**CHALLENGE, **fields})
    assert response.status_code == status
    assert soup(response.text).select_one(".error") is not None
    assert seq(db, race) == before


def test_a_team_is_created_and_reaches_the_pickers_and_the_wall(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator", "Fia")
    newcomer = join("participant", "Nina")
    with newcomer.live() as s_new, join("wall", "Vägg").live() as s_wall, facilitator.live() as s_fac:
        for socket in (s_new, s_wall, s_fac):
            socket.receive_text()
        response = facilitator.htmx(f"/r/{race['slug']}/teams", {"name": "Lag <Björk>", "colour": "#27AE60"})
        assert response.status_code == 200
        assert "Lag <Björk>" in soup(s_new.receive_text()).select_one("#teampick").get_text()
        assert "Lag <Björk>" in soup(s_wall.receive_text()).select_one("#wall-teams").get_text()
        assert {"roster", "teams"} <= oob_ids(s_fac.receive_text())
    with db.read() as session:
        made = session.exec(select(Team).order_by(col(Team.id).desc())).first()
    assert made is not None and (made.name, made.colour, made.challenge_id) == (
        "Lag <Björk>",
        "#27ae60",
        None,
    )


@pytest.mark.parametrize(
    "fields",
    [{"name": ""}, {"name": "x" * 81}, {"colour": "red"}, {"colour": "#12345"}, {"challenge": "999"}],
)
def test_a_bad_team_is_refused(
    join: Join, db: Database, race: dict[str, Any], fields: dict[str, str]
) -> None:
    facilitator = join("facilitator", "Fia")
    before = seq(db, race)
    team_id = race["teams"][0]["id"]
    for path in (f"/r/{race['slug']}/teams", f"/r/{race['slug']}/teams/{team_id}"):
        response = facilitator.htmx(path, {"name": "Lag", "colour": "#123456", **fields})
        assert response.status_code in (404, 422)
        assert soup(response.text).select_one(".error") is not None
    assert seq(db, race) == before
    assert team(db, team_id).name == race["teams"][0]["name"]


def test_renaming_a_team_reaches_its_members(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fia")
    member = join("participant", team=0)
    with member.live() as socket:
        socket.receive_text()
        facilitator.htmx(
            f"/r/{race['slug']}/teams/{race['teams'][0]['id']}", {"name": "Lag Ek", "colour": "#c0392b"}
        )
        assert soup(socket.receive_text()).select_one("#team h1").get_text() == "Lag Ek"


def test_moving_a_person_changes_their_team_screen_live(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator", "Fia")
    moved = join("participant", "Alva", team=0)
    stayer = join("participant", "Bo", team=0)
    newmate = join("participant", "Cia", team=1)
    alva = person_named(db, "Alva")
    with (
        moved.live() as s_moved,
        stayer.live() as s_stay,
        newmate.live() as s_new,
        join("wall", "Vägg").live() as s_wall,
    ):
        for socket in (s_moved, s_stay, s_new, s_wall):
            socket.receive_text()
        response = facilitator.htmx(
            f"/r/{race['slug']}/people/{alva.id}/team", {"team": race["teams"][1]["id"]}
        )
        assert response.status_code == 200
        # The moved person's screen is told to load itself again, with the new team.
        assert reload_arrives(s_moved)
        assert "Alva" not in soup(s_stay.receive_text()).select_one("#team").get_text()
        new_frame = soup(s_new.receive_text())
        assert "Alva" in new_frame.select_one("#team").get_text()
        assert "wall-teams" in oob_ids(s_wall.receive_text())
    assert person_named(db, "Alva").team_id == race["teams"][1]["id"]
    page = moved.page()
    assert page.select_one("#team h1").get_text() == race["teams"][1]["name"]


def test_a_screen_that_was_away_catches_up_on_its_new_team(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator", "Fia")
    moved = join("participant", "Alva", team=0)
    author = join("participant", "Cia", team=1)
    author.htmx(
        f"/r/{race['slug']}/cards", {"title": "Spånpellets", "body": "", "column": "idea", "key": "k1"}
    )
    with moved.live() as socket:
        socket.receive_text()
        since = socket.wait_synced()
    alva = person_named(db, "Alva")
    facilitator.htmx(f"/r/{race['slug']}/people/{alva.id}/team", {"team": race["teams"][1]["id"]})
    with moved.live(since=since) as socket:
        frame = socket.receive_text()
    assert "Spånpellets" in soup(frame).select_one("#col-idea").get_text()


def test_a_person_can_be_taken_out_of_every_team(join: Join, db: Database, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fia")
    join("participant", "Alva", team=0)
    alva = person_named(db, "Alva")
    assert facilitator.htmx(f"/r/{race['slug']}/people/{alva.id}/team", {"team": ""}).status_code == 200
    assert person_named(db, "Alva").team_id is None
    names = [el.get_text() for el in facilitator.page().select("#roster-free .members .person-name")]
    assert names == ["Alva"]


def test_moving_is_refused_with_reasons(join: Join, db: Database, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fia")
    join("participant", "Alva", team=0)
    join("expert", "Ebba")
    alva, ebba = person_named(db, "Alva"), person_named(db, "Ebba")
    other = races.create_race(db, "Annat race", lang="en", teams=1)
    before = seq(db, race)
    path = f"/r/{race['slug']}/people/{alva.id}/team"
    assert facilitator.htmx(path, {"team": race["teams"][0]["id"]}).status_code == 409  # already there
    assert facilitator.htmx(path, {"team": other["teams"][0]["id"]}).status_code == 404
    expert_path = f"/r/{race['slug']}/people/{ebba.id}/team"
    assert facilitator.htmx(expert_path, {"team": race["teams"][0]["id"]}).status_code == 409
    assert facilitator.htmx(f"/r/{race['slug']}/people/99999/team", {"team": ""}).status_code == 404
    assert seq(db, race) == before
    assert person_named(db, "Alva").team_id == race["teams"][0]["id"]


def test_a_person_of_another_race_cannot_be_moved(join: Join, db: Database, race: dict[str, Any]) -> None:
    other = races.create_race(db, "Annat race", lang="en", teams=1)
    with db.write() as session:
        race_id = session.exec(select(Race.id).where(Race.slug == other["slug"])).one()
        stranger = Person(race_id=race_id, name="Främling", role="participant", created_ms=0)
        session.add(stranger)
        session.flush()
        stranger_id = stranger.id
    response = join("facilitator", "Fia").htmx(
        f"/r/{race['slug']}/people/{stranger_id}/team", {"team": race["teams"][0]["id"]}
    )
    assert response.status_code == 404
    assert person_named(db, "Främling").team_id is None


def test_locking_a_board_stops_its_cards_and_tells_the_team(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator", "Fia")
    member = join("participant", team=0)
    other = join("participant", "Bo", team=1)
    team_id = race["teams"][0]["id"]
    card = {"title": "Idé", "body": "", "column": "idea"}
    with member.live() as socket:
        socket.receive_text()
        assert facilitator.htmx(f"/r/{race['slug']}/teams/{team_id}/lock", {"locked": "1"}).status_code == 200
        assert soup(socket.receive_text()).select_one("#team .locked-note") is not None
        assert team(db, team_id).board_locked
        assert member.htmx(f"/r/{race['slug']}/cards", {**card, "key": "a"}).status_code == 409
        assert other.htmx(f"/r/{race['slug']}/cards", {**card, "key": "b"}).status_code == 201
        assert facilitator.htmx(f"/r/{race['slug']}/teams/{team_id}/lock", {"locked": "1"}).status_code == 409
        assert facilitator.htmx(f"/r/{race['slug']}/teams/{team_id}/lock", {"locked": "0"}).status_code == 200
        assert soup(socket.receive_text()).select_one("#team .locked-note") is None
    assert member.htmx(f"/r/{race['slug']}/cards", {**card, "key": "c"}).status_code == 201


@pytest.mark.parametrize("role", ["participant", "expert", "wall", "jury"])
def test_only_facilitators_change_teams(join: Join, db: Database, race: dict[str, Any], role: str) -> None:
    person = join(role, "Olle", team=0 if role == "participant" else None)
    target = join("participant", "Bo", team=1)
    assert target is not None
    bo = person_named(db, "Bo")
    team_id = race["teams"][0]["id"]
    before = seq(db, race)
    for path, data in (
        (f"/r/{race['slug']}/challenges", CHALLENGE),
        (f"/r/{race['slug']}/teams", {"name": "Mitt lag", "colour": "#123456"}),
        (f"/r/{race['slug']}/teams/{team_id}", {"name": "Mitt lag", "colour": "#123456"}),
        (f"/r/{race['slug']}/teams/{team_id}/lock", {"locked": "1"}),
        (f"/r/{race['slug']}/people/{bo.id}/team", {"team": team_id}),
    ):
        assert person.htmx(path, data).status_code == 403
    assert seq(db, race) == before
    assert not team(db, team_id).board_locked


def test_another_races_team_is_not_found(join: Join, db: Database, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fia")
    other = races.create_race(db, "Annat race", lang="en", teams=1)
    foreign = other["teams"][0]["id"]
    assert facilitator.htmx(f"/r/{race['slug']}/teams/{foreign}/lock", {"locked": "1"}).status_code == 404
    response = facilitator.htmx(f"/r/{race['slug']}/teams/{foreign}", {"name": "Kapat", "colour": "#123456"})
    assert response.status_code == 404
    assert team(db, foreign).name == other["teams"][0]["name"] and not team(db, foreign).board_locked


def test_each_team_shows_its_mix_of_backgrounds_and_competences(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator", "Fia")
    for name, background, company, competences in (
        ("Alva", "research", "", ["AI", "material"]),
        ("Bo", "company", "Sågverket AB", ["material"]),
        ("Cia", "student", "", []),
    ):
        join("participant", name, team=0)
        with db.write() as session:
            person = session.exec(select(Person).where(Person.name == name)).one()
            person.background, person.company, person.competences = background, company, competences
            session.add(person)
    mix = facilitator.page().select_one(f"#team-{race['teams'][0]['id']} .mix")
    backgrounds = {tag["data-background"]: tag.get_text() for tag in mix.select("[data-background]")}
    assert backgrounds == {"company": "Company 1", "research": "Research 1", "student": "Student 1"}
    text = mix.get_text(" ")
    assert "Sågverket AB" in text and "material 2" in text and "AI" in text
    empty = facilitator.page().select_one(f"#team-{race['teams'][1]['id']} .mix")
    assert "nobody yet" in empty.get_text()


def test_roster_shows_people_without_a_team(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fia")
    with facilitator.live() as socket:
        socket.receive_text()
        join("participant", "Nina")
        frame = _next_with(socket, "roster-free")
    names = [el.get_text() for el in soup(frame).select("#roster-free .members .person-name")]
    assert names == ["Nina"]


def test_a_team_choice_sends_the_roster_parts_it_changed_alone(join: Join, race: dict[str, Any]) -> None:
    # At kick-off hundreds choose a team: each choice sends the team's entry, the people in no team and the
    # move form, not the whole roster of every team.
    facilitator = join("facilitator", "Fia")
    nina = join("participant", "Nina")
    join("participant", "Ola", team=1)
    chosen, other = race["teams"][0]["id"], race["teams"][1]["id"]
    with facilitator.live() as socket:
        socket.receive_text()
        assert nina.post(f"/r/{race['slug']}/team", {"team": chosen}).status_code == 303
        frame = _next_with(socket, f"team-{chosen}")
    ids = oob_ids(frame)
    assert {f"team-{chosen}", "roster-free", "move-one-slot", f"overview-{chosen}"} <= ids
    assert "roster" not in ids and f"team-{other}" not in ids and "teams" not in ids
    assert [el.get_text() for el in soup(frame).select(f"#team-{chosen} .person-name")] == ["Nina"]
    assert soup(frame).select("#roster-free .person-name") == []
    assert soup(frame).select_one(f"#team-{chosen}")["hx-swap-oob"] == "outerMorph"


def test_each_persons_move_select_offers_every_team_and_marks_their_own(
    join: Join, race: dict[str, Any]
) -> None:
    # The options are rendered once per roster, each select marks its own (100,000 options at 1,000 people).
    join("participant", "Ada", team=0)
    join("participant", "Bea", team=1)
    join("participant", "Cid")
    facilitator = join("facilitator", "Fia")
    form = {"name": '<b>"Lag" & co</b>', "colour": "#aa0000"}
    response = facilitator.htmx(f"/r/{race['slug']}/teams", form)
    assert response.status_code == 200
    page = facilitator.page()
    team_ids = [str(t["id"]) for t in race["teams"]]
    chosen = {}
    moves = {f.select_one(".person-name").get_text(): f for f in page.select("#roster form.move")}
    for name in ("Ada", "Bea", "Cid"):
        options = moves[name].select("select option")
        assert [o["value"] for o in options][: len(team_ids)] == team_ids
        assert options[-1]["value"] == ""  # no team
        assert '<b>"Lag" & co</b>' in [o.get_text() for o in options]
        chosen[name] = [o["value"] for o in options if o.has_attr("selected")]
    assert chosen == {"Ada": [team_ids[0]], "Bea": [team_ids[1]], "Cid": [""]}


def _next_with(socket: LiveSession, region: str) -> str:
    while True:
        frame = socket.receive_text()
        if region in oob_ids(frame):
            return frame


def test_a_big_roster_has_one_move_form_instead_of_one_per_person(
    join: Join, race: dict[str, Any], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A select per person lists every team: past a size (people x teams options) the roster has one form.
    monkeypatch.setattr(contexts, "MOVE_SELECT_OPTIONS", 4)
    join("participant", "Ada", team=0)
    join("participant", "Bea <b>", team=1)
    facilitator = join("facilitator", "Fia")
    page = facilitator.page()
    assert page.select("#roster form.move") == []
    form = page.select_one("#roster form#move-one")
    people = {o.get_text(): o["value"] for o in form.select("select[name=person] option") if o["value"]}
    names = [team["name"] for team in race["teams"]]
    assert set(people) == {f"Ada ({names[0]})", f"Bea <b> ({names[1]})"}
    assert form.select_one("select[name=person] b") is None  # the name arrived as text
    teams = [o["value"] for o in form.select("select[name=team] option")]
    assert teams == [*(str(team["id"]) for team in race["teams"]), ""]
    ada = person_named(db, "Ada")
    path = f"/r/{race['slug']}/people/team"
    assert (
        facilitator.htmx(path, {"person": str(ada.id), "team": str(race["teams"][1]["id"])}).status_code
        == 200
    )
    assert person_named(db, "Ada").team_id == race["teams"][1]["id"]
    # No person chosen, or one from elsewhere: a clear refusal and nothing moved.
    assert facilitator.htmx(path, {"person": "", "team": ""}).status_code == 422
    assert facilitator.htmx(path, {"person": "99999", "team": ""}).status_code == 404
    assert person_named(db, "Ada").team_id == race["teams"][1]["id"]


def test_a_big_rosters_move_form_follows_joins_and_team_choices_live(
    join: Join, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A join or a team choice sends the one move form alone, read on its own: it lists the same people in the
    # same order as the whole roster does, the newcomer included, with names as text.
    monkeypatch.setattr(contexts, "MOVE_SELECT_OPTIONS", 4)
    join("participant", "Ada", team=1)
    join("participant", "Bea", team=0)
    facilitator = join("facilitator", "Fia")
    names = [team["name"] for team in race["teams"]]

    def listed(html: str) -> list[str]:
        options = soup(html).select("#move-one select[name=person] option")
        return [option.get_text() for option in options if option["value"]]

    with facilitator.live() as socket:
        socket.receive_text()
        nina = join("participant", "Nina <i>")
        frame = _next_with(socket, "move-one-slot")
        assert listed(frame) == [f"Bea ({names[0]})", f"Ada ({names[1]})", "Nina <i> (No team)"]
        assert nina.post(f"/r/{race['slug']}/team", {"team": race["teams"][0]["id"]}).status_code == 303
        frame = _next_with(socket, f"team-{race['teams'][0]['id']}")
    assert listed(frame) == [f"Bea ({names[0]})", f"Nina <i> ({names[0]})", f"Ada ({names[1]})"]
    assert listed(frame) == listed(str(facilitator.page()))
    entry = soup(frame).select_one(f"#team-{race['teams'][0]['id']}")
    assert [name.get_text() for name in entry.select(".person-name")] == ["Bea", "Nina <i>"]
    assert entry.select("form.move") == [] and entry.select_one("i") is None


@pytest.mark.parametrize("name", ["team 2", "  TEAM   2 ", "Team\t2"])
def test_a_team_name_another_team_has_is_refused(
    join: Join, db: Database, race: dict[str, Any], name: str
) -> None:
    facilitator = join("facilitator", "Fia")
    before = seq(db, race)
    first = race["teams"][0]["id"]
    for path in (f"/r/{race['slug']}/teams", f"/r/{race['slug']}/teams/{first}"):
        response = facilitator.htmx(path, {"name": name, "colour": "#123456"})
        assert response.status_code == 409
        assert "Team 2" in soup(response.text).select_one(".error").get_text()
    assert seq(db, race) == before
    assert team(db, first).name == "Team 1"
    # A team keeps its own name when it is saved again, in another case.
    assert (
        facilitator.htmx(
            f"/r/{race['slug']}/teams/{first}", {"name": "TEAM 1", "colour": "#123456"}
        ).status_code
        == 200
    )


def test_teams_are_numbered_in_the_order_they_are_made(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator", "Fia")
    assert facilitator.htmx(f"/r/{race['slug']}/teams", {"name": "Lag Ek", "colour": ""}).status_code == 200
    with db.read() as session:
        found = select(Team).join(Race, col(Race.id) == Team.race_id).where(Race.slug == race["slug"])
        rows = session.exec(found.order_by(col(Team.id))).all()
    assert [row.number for row in rows] == [1, 2, 3]
    assert rows[2].colour == races.team_colour(3)
    # The wall marks each team's tile with its number.
    tiles = soup(join("wall", "").client.get(f"/r/{race['slug']}").text).select(".team-tile h2")
    assert [tile["data-mark"] for tile in tiles] == ["1", "2", "3"]


def test_thirty_teams_get_thirty_colours() -> None:
    assert len({races.team_colour(number) for number in range(1, 31)}) == 30


def test_every_board_locks_and_opens_at_once_live_with_one_event(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator", "Fia")
    first, second = join("participant", "Alva", team=0), join("participant", "Bo", team=1)
    slug = race["slug"]
    card = {"title": "Idé", "body": "", "column": "idea"}
    # One board is locked already: locking every board changes the other, in one event.
    assert (
        facilitator.htmx(f"/r/{slug}/teams/{race['teams'][0]['id']}/lock", {"locked": "1"}).status_code == 200
    )
    before = seq(db, race)
    with first.live() as s_first, second.live() as s_second:
        s_first.receive_text()
        s_second.receive_text()
        answer = facilitator.htmx(f"/r/{slug}/boards/lock", {"locked": "1"})
        assert answer.status_code == 200 and soup(answer.text).select_one(".notice") is not None
        closed = soup(s_second.receive_text())
        assert closed.select_one("#board-state")["data-board"] == "closed"
        assert closed.select_one("#team .locked-note") is not None
        assert second.htmx(f"/r/{slug}/cards", {**card, "key": "a"}).status_code == 409
        # Pressed twice (two facilitators at once): the second is refused and changes nothing.
        again = facilitator.htmx(f"/r/{slug}/boards/lock", {"locked": "1"})
        assert again.status_code == 409 and "already locked" in soup(again.text).get_text()
        assert seq(db, race) == before + 1
        with db.read() as session:
            event = session.exec(select(Event).where(Event.kind == "boards.locked")).one()
        assert event.data == {"teams": [race["teams"][1]["id"]]}
        # Opening every board opens both, and both teams' screens hear it.
        assert facilitator.htmx(f"/r/{slug}/boards/lock", {"locked": "0"}).status_code == 200
        for socket in (s_first, s_second):
            assert soup(socket.receive_text()).select_one("#board-state")["data-board"] == "open"
    assert (
        not team(db, race["teams"][0]["id"]).board_locked
        and not team(db, race["teams"][1]["id"]).board_locked
    )
    assert first.htmx(f"/r/{slug}/cards", {**card, "key": "b"}).status_code == 201
