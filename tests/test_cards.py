"""Adding cards: validation with clear answers, revisions kept, closed boards refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from app.db import Database
from app.models import Card, CardRevision, Event, Phase, Team
from app.services import cards
from tests.conftest import Join, soup


def post_card(person: Any, slug: str, **fields: str) -> Any:
    form = {"title": "Idé", "body": "", "column": "idea", "key": "", **fields}
    return person.htmx(f"/r/{slug}/cards", form)


def test_a_card_writes_its_first_revision_and_one_event(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    author = join("participant", team=0)
    assert post_card(author, race["slug"], title="Skruv", body="Av returplast", key="a1").status_code == 201
    with db.read() as session:
        card = session.exec(select(Card)).one()
        revision = session.exec(select(CardRevision)).one()
        event = session.exec(select(Event).where(Event.kind == "card.added")).one()
    assert (revision.card_id, revision.rev, revision.title, revision.body) == (
        card.id,
        1,
        "Skruv",
        "Av returplast",
    )
    assert event.key == "a1" and event.data["card"] == card.id and event.team_id == card.team_id


def test_the_answer_gives_a_fresh_form_and_the_card(join: Join, race: dict[str, Any]) -> None:
    author = join("participant", team=0)
    response = post_card(author, race["slug"], title="Skruv", key="a1")
    page = soup(response.text)
    assert page.select_one("#card-form input[name=key]")["value"] not in ("", "a1")
    assert page.select_one('hx-partial[hx-target="#col-idea-cards"] .card h3').get_text() == "Skruv"
    assert page.select_one("#col-idea-count").get_text() == "1"


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"title": ""}, 422),
        ({"title": "   "}, 422),
        ({"title": "x" * 201}, 422),
        ({"body": "x" * 5001}, 422),
        ({"column": "nowhere"}, 422),
        ({"key": "k" * 65}, 422),
    ],
)
def test_bad_input_is_refused_and_the_form_comes_back(
    join: Join, race: dict[str, Any], db: Database, fields: dict[str, str], status: int
) -> None:
    author = join("participant", team=0)
    response = post_card(author, race["slug"], **fields)
    assert response.status_code == status
    page = soup(response.text)
    assert page.select_one("#card-form [role=alert]").get_text().strip()
    with db.read() as session:
        assert session.exec(select(Card)).all() == []


def test_the_error_keeps_what_was_typed_and_the_key(join: Join, race: dict[str, Any]) -> None:
    author = join("participant", team=0)
    response = post_card(author, race["slug"], title="", body="Min text", key="keep-me")
    page = soup(response.text)
    assert page.select_one("#card-body").get_text() == "Min text"
    assert page.select_one("input[name=key]")["value"] == "keep-me"


def test_control_characters_are_dropped_and_text_normalised(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    author = join("participant", team=0)
    post_card(author, race["slug"], title="Cafe\u0301\u0000 \u202e", key="n1")
    with db.read() as session:
        assert session.exec(select(Card)).one().title == "Café"


FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji: three people joined by ZWJ
ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"  # a flag made of tags


def test_emoji_sequences_stay_whole_and_only_bidi_controls_and_controls_go(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    author = join("participant", team=0)
    title = f"{FAMILY} {ENGLAND} \u200fשלום\u200c\u2066x\u2069\u202d\x07"
    post_card(author, race["slug"], title=title, key="z1")
    with db.read() as session:
        assert session.exec(select(Card)).one().title == f"{FAMILY} {ENGLAND} \u200fשלום\u200cx"


def test_someone_without_a_team_is_told_to_choose_one(join: Join, race: dict[str, Any]) -> None:
    response = post_card(join("participant"), race["slug"])
    assert response.status_code == 409
    assert "Choose a team" in soup(response.text).get_text()


@pytest.mark.parametrize("role", ["facilitator", "wall", "expert", "jury"])
def test_only_participants_add_cards(join: Join, race: dict[str, Any], role: str) -> None:
    assert post_card(join(role), race["slug"]).status_code == 403


def test_a_closed_board_refuses_cards_and_says_why(join: Join, race: dict[str, Any], db: Database) -> None:
    facilitator = join("facilitator")
    author = join("participant", team=0)
    with db.write() as session:
        night = session.exec(select(Phase).where(Phase.name == "Night pause")).one()
    facilitator.post(f"/r/{race['slug']}/phases/{night.id}/start")
    response = post_card(author, race["slug"])
    assert response.status_code == 409
    assert "Night pause" in soup(response.text).select_one("[role=alert]").get_text()


def test_a_locked_board_refuses_cards(join: Join, race: dict[str, Any], db: Database) -> None:
    author = join("participant", team=0)
    with db.write() as session:
        team = session.get(Team, race["teams"][0]["id"])
        assert team is not None
        team.board_locked = True
        session.add(team)
    assert post_card(author, race["slug"]).status_code == 409


@pytest.mark.parametrize(
    ("locked", "open_phase", "board_open", "expected"),
    [
        (False, None, False, None),
        (False, "Idea hunt", True, None),
        (False, "Night pause", False, (cards.BOARD_CLOSED_DURING, {"phase": "Night pause"})),
        (True, None, True, (cards.BOARD_LOCKED, {})),
        (True, "Night pause", False, (cards.BOARD_LOCKED, {})),
    ],
)
def test_the_lock_comes_before_the_phase_and_no_open_phase_closes_nothing(
    locked: bool, open_phase: str | None, board_open: bool, expected: cards.Reason | None
) -> None:
    assert cards.closed_reason(locked, open_phase, board_open) == expected


def test_a_plain_form_post_goes_back_to_the_board(join: Join, race: dict[str, Any]) -> None:
    author = join("participant", team=0)
    response = author.post(f"/r/{race['slug']}/cards", {"title": "Utan htmx", "column": "need", "key": "p1"})
    assert response.status_code == 303
    assert "Utan htmx" in author.page().select_one("#col-need").get_text()


def test_the_board_page_shows_cards_by_column(join: Join, race: dict[str, Any]) -> None:
    author = join("participant", team=0)
    post_card(author, race["slug"], title="Marknad A", column="market", key="m1")
    post_card(author, race["slug"], title="Teknik B", column="technology", key="t1")
    page = author.page()
    assert [h.get_text() for h in page.select("#col-market .card h3")] == ["Marknad A"]
    assert [h.get_text() for h in page.select("#col-technology .card h3")] == ["Teknik B"]
    assert len(page.select(".board .column")) == 7
