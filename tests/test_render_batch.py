"""A change rendered for many teams at once: the same frames as rendering each team's screen on its own."""

from __future__ import annotations

from app.db import Database
from app.screens import Audience, render_changes
from app.services import experts, people, phases, races, requests, roster, teams
from app.services.people import Viewer

REQUESTS_PHASE = 3  # "Need framing" takes expert requests in the default agenda


def _viewer(db: Database, code: str, name: str, team_id: int | None = None) -> Viewer:
    token, _ = people.join(db, code, name)
    viewer = people.viewer(db, token)
    assert viewer is not None
    if team_id is not None:
        teams.choose(db, viewer, team_id)
        viewer = people.viewer(db, token)
        assert viewer is not None
    return viewer


def test_a_phase_change_renders_each_team_as_its_own_screen_would(db: Database) -> None:
    race = races.create_race(db, "Batch", lang="en", teams=5)
    codes, team_ids = race["codes"], [team["id"] for team in race["teams"]]
    members = [
        _viewer(db, codes["participant"], f"Member {n}", team_id) for n, team_id in enumerate(team_ids)
    ]
    facilitator = _viewer(db, codes["facilitator"], "Fia")
    phase_id = race["phases"][REQUESTS_PHASE]["id"]
    phases.start(db, facilitator, phase_id)
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
    before = phases.pause(db, facilitator, phase_id) - 1

    keys = [Audience("participant", team_id, "en").key for team_id in team_ids]
    keys += [Audience("participant", team_ids[0], "sv").key, Audience("facilitator", 0, "en").key]
    _, together = render_changes(db, members[0].race_id, before, frozenset(keys))
    for key in keys:
        _, alone = render_changes(db, members[0].race_id, before, frozenset([key]))
        assert together[key] == alone[key]
    mine = together[keys[0]]
    assert f'id="team-request-{asked[0].id}"' in mine and f'id="team-request-{asked[1].id}"' in mine
    assert f'id="team-request-{asked[2].id}"' not in mine
    assert 'data-board="closed"' in together[keys[2]] and 'data-board="open"' in together[keys[3]]
