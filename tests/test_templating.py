"""Kept fragments: keyed by the whole context they are given, so never stale and equal to a fresh render."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import jinja2
import pytest

from app import i18n, settings
from app.db import Database
from app.models import Phase, Race
from app.screens import Renderer
from app.services import cards, people, phases, revisions, teams
from app.services.people import Viewer
from app.templating import env, frozen, render

FEED_ITEM = "facilitator/_feed_item.html"


def _member(db: Database, race: dict[str, Any]) -> Viewer:
    token, _ = people.join(db, race["codes"]["participant"], "Alva <i>")
    viewer = people.viewer(db, token)
    assert viewer is not None
    teams.choose(db, viewer, race["teams"][0]["id"])
    viewer = people.viewer(db, token)
    assert viewer is not None
    return viewer


def _feed_item(renderer: Renderer, db: Database, race_id: int) -> tuple[str, str]:
    """Return the newest card's feed item as kept, and as rendered afresh from the whole race and card."""
    with db.read() as session:
        race_row = session.get(Race, race_id)
        assert race_row is not None
        (view,) = cards.newest(session, race_id, 1)
        kept = renderer.fragments.feed_item(race_row, view)
        return kept, render(FEED_ITEM, race=race_row, view=view)


def test_a_field_added_to_a_kept_fragment_is_never_served_stale(
    renderer: Renderer, db: Database, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The feed item shows a field more (the card's text): an edit of that field alone shows at once.
    source = (Path(settings.TEMPLATES_DIR) / FEED_ITEM).read_text()
    edited = source.replace("</strong>", "</strong><q>{{ view.card.body }}</q>", 1)
    assert edited != source
    loader = jinja2.ChoiceLoader([jinja2.DictLoader({FEED_ITEM: edited}), env.loader])  # type: ignore[list-item]
    monkeypatch.setattr(env, "loader", loader)
    monkeypatch.setattr(env, "cache", None)
    alva = _member(db, race)
    card = cards.add(db, alva, title="Skruv", body="Första texten", column="idea", key=None)
    with i18n.language("sv"):
        kept, fresh = _feed_item(renderer, db, alva.race_id)
        assert "Första texten" in kept and kept == fresh
        revisions.edit(db, alva, card.id or 0, title="Skruv", body="Andra <b>texten</b>", rev=1, key=None)
        kept, fresh = _feed_item(renderer, db, alva.race_id)
    assert "Andra &lt;b&gt;texten&lt;/b&gt;" in kept and "Första" not in kept
    assert kept == fresh


def test_a_kept_phase_item_equals_one_rendered_afresh_from_the_whole_race(
    renderer: Renderer, db: Database, race: dict[str, Any]
) -> None:
    facilitator = people.viewer(db, people.join(db, race["codes"]["facilitator"], "Fia")[0])
    assert facilitator is not None
    for phase in race["phases"][:2]:
        phases.start(db, facilitator, phase["id"])  # the race's seq moves on; the items kept stay right
        with db.read() as session, i18n.language("en"):
            race_row = session.get(Race, facilitator.race_id)
            assert race_row is not None
            for row in phases.agenda(session, race_row.id or 0):
                for place in [(True, True, False), (False, False, True)]:
                    kept = renderer.fragments.phase_item(race_row, row, *place)
                    fresh = render(
                        "facilitator/_agenda_phase.html",
                        race=race_row,
                        phase=row,
                        current=place[0],
                        first=place[1],
                        last=place[2],
                    )
                    assert kept == fresh


def test_a_key_holds_every_field_of_what_it_is_given_and_refuses_what_it_cannot_see_into() -> None:
    phase = Phase(race_id=1, position=0, name="Idé", planned_minutes=10)
    renamed = Phase(race_id=1, position=0, name="Idéer", planned_minutes=10)
    assert frozen({"phase": phase}) != frozen({"phase": renamed})
    assert frozen({"phase": phase}) == frozen({"phase": Phase(**phase.model_dump())})

    @dataclasses.dataclass
    class Shown:
        items: list[int]

    assert frozen(Shown([1, 2])) != frozen(Shown([1, 3]))
    with pytest.raises(TypeError):
        frozen(object())


def test_every_facilitator_form_names_the_slot_its_answer_goes_to() -> None:
    # `post(url)` without a slot renders hx-target="#": htmx refuses the answer and the button does nothing.
    calls = [
        (path.name, call)
        for path in (settings.TEMPLATES_DIR / "facilitator").glob("*.html")
        for call in re.findall(r"\{\{ post\((.*?)\) \}\}", path.read_text())
    ]
    assert calls
    lonely = [(name, call) for name, call in calls if not re.search(r"\),\s*\S", call)]
    assert lonely == []
