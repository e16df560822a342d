"""The tables of event kinds and regions are whole: every kind mapped or silent, every region on a screen."""

from __future__ import annotations

import ast

import pytest

from app import settings
from app.db import Database
from app.kinds import Kind
from app.models import Event, Race, Role
from app.screens.audiences import PERSONAL_ROLES, Audience, audience
from app.screens.pages import SCREENS, TEAMLESS_SCREEN, roles_showing
from app.screens.regions import REGIONS, Scope
from app.screens.rules import RULES, SILENT, Changes, changes
from app.services import events, races

APP = settings.PACKAGE


def test_every_kind_is_mapped_to_regions_or_listed_as_silent() -> None:
    assert set(RULES) | SILENT == set(Kind)
    assert not set(RULES) & SILENT
    assert all(isinstance(kind, Kind) for kind in RULES)


def test_a_kind_not_named_is_refused_and_nothing_is_recorded(db: Database) -> None:
    race = races.create_race(db, "Okänd", lang="en", teams=1)
    with db.read() as session:
        before = session.get(Race, race_id := _race_id(db, race["slug"]))
        assert before is not None
        seq = before.seq
    with pytest.raises(ValueError), db.write() as session:
        events.record(session, race_id, "race.renamed")  # type: ignore[arg-type]
    with db.read() as session:
        after = session.get(Race, race_id)
        assert after is not None and after.seq == seq


def _race_id(db: Database, slug: str) -> int:
    with db.read() as session:
        return races.get_race(session, slug).id or 0


def _recorded_kinds() -> list[tuple[str, ast.expr]]:
    """Return every `events.record(...)` call in the app, with the expression it passes as the kind."""
    found = []
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "events"
            ):
                kind = (
                    node.args[2]
                    if len(node.args) > 2
                    else next(k.value for k in node.keywords if k.arg == "kind")
                )
                found.append((f"{path.relative_to(APP.parent)}:{node.lineno}", kind))
    return found


def test_services_record_kinds_by_their_names_not_as_text() -> None:
    calls = _recorded_kinds()
    assert len(calls) > 40
    typed = [where for where, kind in calls if isinstance(kind, ast.Constant)]
    assert typed == []


def test_each_rule_names_declared_regions_and_its_team_regions_are_a_teams() -> None:
    for kind, rule in RULES.items():
        for region in rule.everyone:
            assert region in REGIONS, (kind, region)
        for region in rule.team:
            assert REGIONS[region].scope is Scope.TEAM, (kind, region)


def test_every_region_is_on_a_screen_and_its_scope_fits_the_screens_that_show_it() -> None:
    for name, region in REGIONS.items():
        roles = roles_showing(name)
        assert roles, name
        if region.scope is Scope.RACE:
            assert set(roles) == set(Role), name
        else:
            assert len(roles) == 1, name
        if region.scope is Scope.TEAM:
            assert roles == (Role.PARTICIPANT,) and name not in TEAMLESS_SCREEN, name
        if region.scope is Scope.PERSON:
            assert roles[0] in PERSONAL_ROLES, name
    shown = {name for screen in (*SCREENS.values(), TEAMLESS_SCREEN) for name in screen}
    assert shown == set(REGIONS)


def test_an_audience_key_reads_back_as_the_same_audience() -> None:
    for aud in (
        audience(Role.PARTICIPANT, 3, "sv", 9),
        audience(Role.PARTICIPANT, None, "en", 9),
        audience(Role.EXPERT, None, "sv", 9),
        audience(Role.FACILITATOR, 3, "en", 9),
    ):
        assert Audience.parse(aud.key) == aud
    assert audience(Role.EXPERT, 3, "sv", 9).team_id == 0
    assert audience(Role.PARTICIPANT, 3, "sv", 9).person_id == 0


def _event(kind: Kind, team_id: int | None = None, person_id: int | None = None, **data: object) -> Event:
    return Event(race_id=1, seq=1, kind=kind, data=data, team_id=team_id, person_id=person_id, at_ms=0)


def test_a_card_goes_to_its_team_alone_and_its_tile_and_row_to_the_wall_and_facilitators() -> None:
    touched = changes([_event(Kind.CARD_ADDED, team_id=4, column="idea", card=12)])
    assert touched.regions(audience(Role.PARTICIPANT, 4, "sv")) == ["card:idea:12"]
    assert not touched.touches(audience(Role.PARTICIPANT, 5, "sv"))
    assert touched.regions(audience(Role.WALL, None, "sv")) == ["wall-cards", "tile:4"]
    assert touched.regions(audience(Role.FACILITATOR, None, "sv")) == ["feed", "row:4"]
    assert not touched.touches(audience(Role.EXPERT, None, "sv", 4))


def test_a_claim_goes_to_the_claiming_expert_alone_and_the_queue_to_every_expert() -> None:
    touched = changes([_event(Kind.REQUEST_CLAIMED, team_id=4, expert=7)])
    assert touched.regions(audience(Role.EXPERT, None, "sv", 7)) == ["requests", "my-requests"]
    assert touched.regions(audience(Role.EXPERT, None, "sv", 8)) == ["requests"]
    assert touched.regions(audience(Role.PARTICIPANT, 4, "sv")) == ["team-requests"]
    assert touched.regions(audience(Role.PARTICIPANT, 7, "sv")) == []


def test_a_silent_kind_touches_nothing_and_a_sign_out_ends_the_session() -> None:
    assert changes([_event(kind) for kind in SILENT]) == Changes()
    assert changes([_event(Kind.PERSON_LEFT, person_id=7)]).ended == {7}
