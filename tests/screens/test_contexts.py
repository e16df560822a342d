"""A post's render reads and renders less and shows the same: each shortcut against the long way."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import markupsafe
from sqlmodel import select

from app import i18n, memo
from app.db import Database
from app.models import Card, Comment, Phase, Race, Team
from app.screens import Audience, Changes, Renderer, audience
from app.screens.contexts import FEED_CARDS, WALL_CARDS, Read, newest, newest_by_team
from app.screens.regions import REGIONS
from app.services import board, cards, comments, people, phases, revisions, teams
from app.services.people import Viewer
from app.templating import render


def _members(db: Database, race: dict[str, Any], count: int) -> list[Viewer]:
    """Join one participant to each of the first `count` teams (the race has teams enough)."""
    found = []
    for team in race["teams"][:count]:
        token, _ = people.join(db, race["codes"]["participant"], f"Member <{team['id']}>")
        viewer = people.viewer(db, token)
        assert viewer is not None
        teams.choose(db, viewer, team["id"])
        viewer = people.viewer(db, token)
        assert viewer is not None
        found.append(viewer)
    return found


def _post(db: Database, viewer: Viewer, title: str) -> int:
    return cards.add(db, viewer, title=title, body="", column="idea", key=None).id or 0


def test_a_few_teams_newest_cards_from_the_race_newest_equal_the_query(db: Database) -> None:
    from app.services import races

    race = races.create_race(db, "Nyast", lang="sv", teams=4)
    first, second, third, fourth = _members(db, race, 4)
    old = _post(db, first, "The first team's only card")
    removed_from = _post(db, second, "Kept")
    gone = _post(db, second, "Removed")
    for number in range(FEED_CARDS):
        _post(db, third, f"Third {number}")  # pushes the first and second teams out of the newest cards
    revisions.remove(db, second, gone, key=None)
    _post(db, third, "Newest")
    with db.read() as session, memo.render_scope():
        race_row = session.get(Race, first.race_id)
        assert race_row is not None
        every = [team["id"] for team in race["teams"]]
        shortcut = newest_by_team(session, race_row, every)
        assert {team: view.card.id for team, view in shortcut.items()} == {
            team: view.card.id
            for team, view in cards.newest_by_team(session, race_row.id or 0, every).items()
        }
        assert shortcut[first.team_id or 0].card.id == old
        assert shortcut[second.team_id or 0].card.id == removed_from
        assert (fourth.team_id or 0) not in shortcut
        # The wall's newest ideas are the first of the feed's cards, in the same order.
        feed = newest(session, race_row, FEED_CARDS)
        assert [view.card.id for view in feed] == [
            view.card.id for view in cards.newest(session, race_row.id or 0, FEED_CARDS)
        ]
        assert newest(session, race_row, WALL_CARDS) == feed[:WALL_CARDS]


def test_cards_read_as_rows_have_every_column_of_the_card(db: Database, race: dict[str, Any]) -> None:
    (alva,) = _members(db, race, 1)
    card_id = _post(db, alva, "Skruv <b>")
    with db.read() as session:
        (view,) = cards.by_ids(session, alva.team_id or 0, [card_id])
        entity = session.get(Card, card_id)
        assert entity is not None
        assert view.card._asdict() == entity.model_dump()  # type: ignore[union-attr]
        assert (view.author, view.team) == (alva.name, race["teams"][0]["name"])
        assert cards.by_ids(session, alva.team_id or 0, [card_id, card_id + 1000]) == [view]
    comments.add(db, alva, card_id, body="Bra <i>idé</i>", key=None)
    with db.read() as session:
        ((said,),) = comments.under(session, [card_id, card_id + 1000]).values()
        entity = session.get(Comment, said.comment.id)
        assert entity is not None
        assert said.comment._asdict() == entity.model_dump()  # type: ignore[union-attr]
        assert said.author == alva.name


def test_the_feed_kept_per_card_follows_an_edit_in_both_languages(db: Database, race: dict[str, Any]) -> None:
    (alva,) = _members(db, race, 1)
    card_id = _post(db, alva, "Before")
    for title in ("Before", "After <i>edit</i>"):
        if title != "Before":
            revisions.edit(db, alva, card_id, title=title, body="", rev=1, key=None)
        for lang in ("sv", "en"):
            with db.read() as session, i18n.language(lang):
                race_row = session.get(Race, alva.race_id)
                feed = REGIONS["feed"]
                context = feed.build(Read(session), race_row, 0)  # type: ignore[arg-type]
                html = render(feed.template, race=race_row, oob=True, **context)
                # The item kept is the item rendered afresh.
                (view,) = context["feed"]
                fresh = render("facilitator/_feed_item.html", race=race_row, view=view)
                wall = i18n.gettext("Show on the wall")
            assert f"    {fresh}\n" in html
            assert str(markupsafe.escape(title)) in fresh and wall in fresh
            assert ("Visa på" in html) == (lang == "sv")


def test_a_render_passes_over_only_audiences_without_touched_regions(
    db: Database, race: dict[str, Any]
) -> None:
    (alva,) = _members(db, race, 1)
    team = alva.team_id or 0
    audiences = [
        audience(role, team_id, "sv", person_id)
        for role in ("participant", "facilitator", "wall", "expert", "jury")
        for team_id in (0, team, team + 1)
        for person_id in (0, alva.person_id)
    ]
    examples = [Changes()]
    for region in ("clock", "feed", "card:idea:1", "team-requests", "requests", "tile:1"):
        for touch in (
            lambda changes, region=region: changes.touch(region),
            lambda changes, region=region: changes.touch_team(team, region),
            lambda changes, region=region: changes.touch_person(alva.person_id, region),
        ):
            examples.append(Changes())
            touch(examples[-1])
    for touched in examples:
        for aud in audiences:
            assert touched.touches(aud) or not touched.regions(aud), (touched, aud)


def test_a_post_frames_every_screen_it_touches_and_no_other(
    renderer: Renderer, db: Database, race: dict[str, Any]
) -> None:
    alva, bo = _members(db, race, 2)
    facilitator = people.viewer(db, people.join(db, race["codes"]["facilitator"], "Fac")[0])
    assert facilitator is not None
    phases.start(db, facilitator, race["phases"][1]["id"])
    before = renderer.changes(alva.race_id, 10**9, frozenset())[0]
    _post(db, alva, "Ny idé")
    keys = frozenset(
        Audience(role, team_id, lang, person_id).key
        for lang in ("sv", "en")
        for role, team_id, person_id in [
            ("participant", alva.team_id or 0, 0),
            ("participant", bo.team_id or 0, 0),
            ("facilitator", 0, 0),
            ("wall", 0, 0),
            ("expert", 0, facilitator.person_id),
        ]
    )
    _, frames, _ = renderer.changes(alva.race_id, before, keys)
    assert set(frames) == {
        Audience(role, team_id, lang).key
        for lang in ("sv", "en")
        for role, team_id in [("participant", alva.team_id or 0), ("facilitator", 0), ("wall", 0)]
    }
    assert all("Ny idé" in frame for frame in frames.values())


def test_a_board_state_read_as_one_row_equals_the_one_from_held_entities(
    db: Database, race: dict[str, Any]
) -> None:
    facilitator = people.viewer(db, people.join(db, race["codes"]["facilitator"], "Fac")[0])
    assert facilitator is not None
    first, second = (team["id"] for team in race["teams"])
    seen: list[board.BoardState] = []

    def both_ways() -> None:
        with db.read() as session:
            race_row = session.get(Race, facilitator.race_id)
            assert race_row is not None
            for team_id in (first, second, 0, 10**6):
                one_row = board._state(session, race_row, team_id)
                held = board._state(session, race_row, team_id, board.hold(session, race_row.id or 0))
                assert one_row == held, (team_id, race_row.current_phase_id)
                seen.append(one_row)

    both_ways()  # no phase has begun
    with db.write() as session:
        team = session.get(Team, first)
        assert team is not None
        team.board_locked = True
        session.add(team)
    for phase in race["phases"][:3]:
        phases.start(db, facilitator, phase["id"])
        both_ways()
        phases.pause(db, facilitator, phase["id"])
        both_ways()
        phases.resume(db, facilitator, phase["id"])
    with db.write() as session:
        for row in session.exec(select(Phase).where(Phase.race_id == facilitator.race_id)).all():
            row.board_open, row.voting_open = not row.board_open, not row.voting_open
            session.add(row)
    both_ways()
    # Open and closed boards, with and without voting, locked and not, were among the states compared.
    assert {state.open for state in seen} == {True, False} and {state.voting for state in seen} == {
        True,
        False,
    }


def test_the_empty_card_form_kept_equals_a_fresh_one_with_its_own_key(
    renderer: Renderer, race: dict[str, Any]
) -> None:
    card_form = renderer.fragments.card_form
    states = [
        board.BoardState(True, False, 0),
        board.BoardState(True, True, 5),
        board.BoardState(False, False, 0, cards.BOARD_CLOSED_DURING, {"phase": "Pitch <b>"}),
        board.BoardState(False, True, 3, cards.BOARD_LOCKED, {}),
    ]
    slug = SimpleNamespace(slug=race["slug"])
    for lang in ("sv", "en"):
        with i18n.language(lang):
            for state in states:
                for key in ("first", "second", 'a"<b'):
                    fresh = render(
                        "participant/_card_form.html",
                        race=slug,
                        board_state=state,
                        form={},
                        form_error="",
                        form_key=key,
                        oob=False,
                    )
                    assert card_form(slug, state, {}, "", key) == fresh
                    assert f'value="{markupsafe.escape(key)}"' in fresh
            # A form shown again with what was typed and why it failed is rendered afresh.
            typed = {"title": "Skruv <i>", "column": "need"}
            again = card_form(slug, states[0], typed, "Too long", "k")
            assert again == render(
                "participant/_card_form.html",
                race=slug,
                board_state=states[0],
                form=typed,
                form_error="Too long",
                form_key="k",
                oob=False,
            )
            assert "Skruv &lt;i&gt;" in again and "Too long" in again
