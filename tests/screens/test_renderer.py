"""A change rendered for many teams at once: the same frames as rendering each team's screen on its own."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from app import presence, templating
from app.db import Database, now_ms
from app.screens import COLUMN_REGIONS, Audience, Renderer
from app.services import (
    cards,
    comments,
    experts,
    people,
    phases,
    races,
    requests,
    revisions,
    roster,
    teams,
    votes,
)
from app.services.people import Viewer
from tests.helpers import REQUESTS_PHASE, VOTING_PHASE, viewer_and_token


def _viewer(db: Database, code: str, name: str, team_id: int | None = None) -> Viewer:
    return viewer_and_token(db, code, name, team_id)[0]


def test_a_phase_change_renders_each_team_as_its_own_screen_would(
    renderer: Renderer, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The running clock shows the time left to the second: renders on either side of a second's turn differ.
    frozen = now_ms()
    monkeypatch.setitem(templating.env.globals, "server_now", lambda: frozen)
    race = races.create_race(db, "Batch", lang="en", teams=5)
    codes, team_ids = race["codes"], [team["id"] for team in race["teams"]]
    members = [
        _viewer(db, codes["participant"], f"Member {n}", team_id) for n, team_id in enumerate(team_ids)
    ]
    facilitator = _viewer(db, codes["facilitator"], "Fia")
    phase_id = race["phases"][REQUESTS_PHASE]["id"]
    # The frames of the start and what came after it (a pause would change the clock alone).
    before = phases.start(db, facilitator, phase_id) - 1
    # Two teams with requests of their own, one with a locked board, two with nothing of their own.
    asked = [
        requests.ask(db, members[0], question="Hur stor marknad?", tags=["Marketing"], key=None),
        requests.ask(db, members[0], question="Vem finansierar?", tags=[], key=None),
        requests.ask(db, members[1], question="Vilken teknik?", tags=[], key=None),
    ]
    roster.set_locked(db, facilitator, team_ids[2], True)
    with db.read() as session:
        listed = experts.for_teams(session, team_ids)
        assert listed == {team_id: experts.for_team(session, team_id) for team_id in team_ids}

    keys = [Audience("participant", team_id, "en").key for team_id in team_ids]
    keys += [Audience("participant", team_ids[0], "sv").key, Audience("facilitator", 0, "en").key]
    _, together, _ = renderer.changes(members[0].race_id, before, frozenset(keys))
    for key in keys:
        _, alone, _ = renderer.changes(members[0].race_id, before, frozenset([key]))
        assert together[key] == alone[key]
    mine = together[keys[0]]
    assert f'id="team-request-{asked[0].id}"' in mine and f'id="team-request-{asked[1].id}"' in mine
    assert f'id="team-request-{asked[2].id}"' not in mine
    assert 'data-board="closed"' in together[keys[2]] and 'data-board="open"' in together[keys[3]]


def swapped(frame: str) -> list[str]:
    """Return the ids of the regions a frame swaps, in order."""
    return [tag["id"] for tag in BeautifulSoup(frame, "html.parser").find_all(attrs={"hx-swap-oob": True})]


def test_a_pause_a_resume_and_an_extension_change_the_clock_and_the_agenda_alone(
    renderer: Renderer, db: Database
) -> None:
    race = races.create_race(db, "Paus", lang="en", teams=3)
    codes, team_ids = race["codes"], [team["id"] for team in race["teams"]]
    member = _viewer(db, codes["participant"], "Member", team_ids[0])
    facilitator = _viewer(db, codes["facilitator"], "Fia")
    phase_id = race["phases"][REQUESTS_PHASE]["id"]
    phases.start(db, facilitator, phase_id)
    roster.set_locked(db, facilitator, team_ids[1], True)
    keys = [Audience("participant", team_id, "en").key for team_id in team_ids]
    keys += [Audience("facilitator", 0, "en").key, Audience("wall", 0, "en").key]
    changes = [
        lambda: phases.pause(db, facilitator, phase_id),
        lambda: phases.extend(db, facilitator, phase_id, 5),
        lambda: phases.resume(db, facilitator, phase_id),
    ]
    for change in changes:
        before = change() - 1
        _, frames, _ = renderer.changes(member.race_id, before, frozenset(keys))
        regions = {key: swapped(text) for key, text in frames.items()}
        for key in keys[:3] + keys[4:]:
            assert regions[key] == ["clock"], (key, regions[key])
        assert regions[keys[3]] == ["clock", "agenda"]
        # What the boards and the requests show is what a fresh screen shows, without being sent again.
        for key in keys[:3]:
            assert ('data-board="closed"' in renderer.snapshot(member.race_id, key)[1]) == (key == keys[1])


def test_the_wall_tiles_show_each_teams_newest_live_card(db: Database) -> None:
    race = races.create_race(db, "Tiles", lang="en", teams=4)
    codes, team_ids = race["codes"], [team["id"] for team in race["teams"]]
    members = [
        _viewer(db, codes["participant"], f"Member {n}", team_id) for n, team_id in enumerate(team_ids)
    ]
    facilitator = _viewer(db, codes["facilitator"], "Fia")
    phases.start(db, facilitator, race["phases"][0]["id"])
    for member in [members[3], *members[:3], *members[:3], members[0]]:
        cards.add(db, member, title=f"By {member.name}", body="", column="idea", key=None)
    kept = cards.add(db, members[1], title="Kept", body="", column="idea", key=None)
    removed = cards.add(db, members[1], title="Soon removed", body="", column="idea", key=None)
    revisions.remove(db, members[1], removed.id or 0, key=None)
    with db.read() as session:
        expected = {
            view.card.team_id: view for view in reversed(cards.newest(session, members[0].race_id, 100))
        }
        found = cards.newest_by_team(session, members[0].race_id)
        assert found == expected
        assert set(found) == set(team_ids[:4])
        assert found[team_ids[1]].card.id == kept.id  # the removed card is not the newest
        # A post's tile asks for its team alone.
        assert cards.newest_by_team(session, members[0].race_id, [team_ids[3]]) == {
            team_ids[3]: found[team_ids[3]]
        }


def test_snapshots_at_one_seq_share_the_race_wide_regions_but_not_who_is_online(
    renderer: Renderer, db: Database
) -> None:
    race = races.create_race(db, "Shared", lang="en", teams=2)
    member = _viewer(db, race["codes"]["participant"], "Mia", race["teams"][0]["id"])
    _viewer(db, race["codes"]["facilitator"], "Fia")
    key = Audience("facilitator", 0, "en").key
    seq, first = renderer.snapshot(member.race_id, key)
    assert "0 people online" in first
    socket = object()
    presence.registry.arrive(member.race_id, member.person_id, socket)
    try:
        again_seq, again = renderer.snapshot(member.race_id, key)
    finally:
        presence.registry.leave(member.race_id, member.person_id, socket)
    assert again_seq == seq
    assert "1 person online" in again
    assert 'class="person online"' in again and 'class="person online"' not in first
    # The regions before it are the same render.
    assert first.split('id="teams"')[0] == again.split('id="teams"')[0]


def test_a_team_snapshot_shows_each_column_as_a_change_to_it_does(renderer: Renderer, db: Database) -> None:
    race = races.create_race(db, "Columns", lang="en", teams=2)
    member = _viewer(db, race["codes"]["participant"], "Mia", race["teams"][0]["id"])
    other = _viewer(db, race["codes"]["participant"], "Ola", race["teams"][1]["id"])
    facilitator = _viewer(db, race["codes"]["facilitator"], "Fia")
    phases.start(db, facilitator, race["phases"][VOTING_PHASE]["id"])
    added = [
        cards.add(db, member, title=f"Card {n}", body="", column=column, key=None)
        for n, column in enumerate(["need", "idea", "idea", "market", "next"])
    ]
    cards.add(db, other, title="Not ours", body="", column="idea", key=None)
    votes.cast(db, member, added[1].id or 0, key=None)
    comments.add(db, member, added[2].id or 0, body="Bra idé", key=None)
    # Locking the board re-renders every column of the team, one column at a time.
    seq = roster.set_locked(db, facilitator, race["teams"][0]["id"], True)
    key = Audience("participant", race["teams"][0]["id"], "en").key
    _, changed, _ = renderer.changes(member.race_id, seq - 1, frozenset([key]))
    snapshot_seq, whole = renderer.snapshot(member.race_id, key)
    assert snapshot_seq == seq
    sections = re.findall(r'<section id="col-.*?</section>', changed[key], flags=re.S)
    assert len(sections) == len(COLUMN_REGIONS)
    for section in sections:
        assert section in whole
    assert "Bra idé" in whole and 'data-votes="1"' in whole and "Not ours" not in whole


def test_whose_screens_close_names_the_audience_a_moved_person_watches_now(
    renderer: Renderer, db: Database
) -> None:
    race = races.create_race(db, "Flytt", lang="sv", teams=2)
    codes, team_ids = race["codes"], [team["id"] for team in race["teams"]]
    facilitator = _viewer(db, codes["facilitator"], "Fia")
    chooser = _viewer(db, codes["participant"], "Alva")
    mover = _viewer(db, codes["participant"], "Bo", team_ids[0])
    leaver, leaver_token = viewer_and_token(db, codes["participant"], "Cia", team_ids[0])
    before = renderer.changes(chooser.race_id, 10**9, frozenset())[0]
    teams.choose(db, chooser, team_ids[1])
    roster.move_person(db, facilitator, mover.person_id, team_ids[1])
    people.leave(db, leaver_token)
    _, _, closing = renderer.changes(chooser.race_id, before, frozenset())
    # A screen opened on the new team after the choice or the move stays; the old team's close.
    assert closing == {
        chooser.person_id: Audience("participant", team_ids[1], "sv").key,
        mover.person_id: Audience("participant", team_ids[1], "sv").key,
        leaver.person_id: None,
    }
