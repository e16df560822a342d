"""The team board: edit, move and remove as revisions; only the team may; closed boards refuse."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select

from app.db import Database
from app.models import Card, CardRevision, Comment, Event, Vote
from tests.conftest import Join, Person, soup
from tests.helpers import add_card, event_count, lock, start_named_phase


def open_card(person: Person, slug: str, card_id: int) -> Any:
    response = person.client.get(f"/r/{slug}/cards/{card_id}", headers={"hx-request": "true"})
    assert response.status_code == 200, response.text
    return soup(response.text).select_one("#card-panel")


def revisions_of(db: Database, card_id: int) -> list[CardRevision]:
    with db.read() as session:
        query = select(CardRevision).where(CardRevision.card_id == card_id).order_by(col(CardRevision.rev))
        return list(session.exec(query).all())


def test_an_edit_is_a_new_revision_and_the_old_one_stays(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    alva = join("participant", "Alva", team=0)
    bo = join("participant", "Bo", team=0)
    card_id = add_card(alva, race["slug"], "Skruv")
    response = bo.htmx(
        f"/r/{race['slug']}/cards/{card_id}/edit",
        {"title": "Bättre skruv", "body": "Av returplast", "rev": "1"},
    )
    assert response.status_code == 200
    kept = revisions_of(db, card_id)
    assert [(r.rev, r.title, r.body) for r in kept] == [
        (1, "Skruv", ""),
        (2, "Bättre skruv", "Av returplast"),
    ]
    assert kept[0].author_id != kept[1].author_id
    with db.read() as session:
        event = session.exec(select(Event).where(Event.kind == "card.edited")).one()
    assert event.data["card"] == card_id and event.data["rev"] == 2
    card = soup(response.text).select_one(f"#card-{card_id}")
    assert card.select_one("h3").get_text() == "Bättre skruv"
    assert card.select_one(".author").get_text() == "Alva"
    assert card.select_one(".edited") is not None
    assert card.select_one(".card-open .meta").get_text() == "2 versions"
    # The answer also refreshes the opened card: its form (at the new revision) and its history, newest first.
    answer = soup(response.text)
    assert answer.select_one(".note").get_text() == "Saved."
    form = answer.select_one('#card-edit[hx-swap-oob="true"] .edit-form')
    assert form.select_one("#panel-title")["value"] == "Bättre skruv"
    assert form.select_one("input[name=rev]")["value"] == "2"
    history = answer.select_one('#card-panel-history[hx-swap-oob="true"]')
    assert [p.get_text() for p in history.select(".history .rev-title")] == ["Bättre skruv", "Skruv"]
    assert [a.get_text() for a in history.select(".history .author")] == ["Bo", "Alva"]


def test_an_unchanged_edit_writes_nothing(join: Join, race: dict[str, Any], db: Database) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"], "Skruv")
    before = event_count(db)
    assert (
        alva.htmx(
            f"/r/{race['slug']}/cards/{card_id}/edit", {"title": "Skruv", "body": "", "rev": "1"}
        ).status_code
        == 200
    )
    assert event_count(db) == before and len(revisions_of(db, card_id)) == 1


def test_a_move_is_a_revision_and_the_card_changes_column(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"], "Skruv", "idea")
    response = alva.htmx(f"/r/{race['slug']}/cards/{card_id}/move", {"column": "market"})
    assert response.status_code == 200
    answer = soup(response.text)
    assert answer.select_one(f"#col-market #card-{card_id}") is not None
    assert answer.select_one(f"#col-idea #card-{card_id}") is None
    assert [(r.rev, r.column) for r in revisions_of(db, card_id)] == [(1, "idea"), (2, "market")]
    assert alva.page().select_one(f"#col-market #card-{card_id}") is not None
    panel = open_card(alva, race["slug"], card_id)
    assert [k.get_text() for k in panel.select(".rev-kind")] == ["Moved to Market potential", "Added"]


def test_a_removed_card_leaves_the_board_but_keeps_its_history(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"], "Skruv")
    alva.htmx(f"/r/{race['slug']}/cards/{card_id}/edit", {"title": "Mutter", "body": "", "rev": "1"})
    assert alva.htmx(f"/r/{race['slug']}/cards/{card_id}/remove", {}).status_code == 200
    with db.read() as session:
        card = session.get(Card, card_id)
    assert card is not None and card.deleted_ms is not None
    assert [(r.rev, r.deleted) for r in revisions_of(db, card_id)] == [(1, False), (2, False), (3, True)]
    assert alva.page().select_one(f"#card-{card_id}") is None
    history = alva.client.get(f"/r/{race['slug']}/cards/{card_id}")
    assert history.status_code == 200
    page = soup(history.text)
    assert [p.get_text() for p in page.select(".history .rev-title")] == ["Mutter", "Mutter", "Skruv"]
    assert [k.get_text() for k in page.select(".history .rev-kind")] == ["Removed", "Edited", "Added"]
    assert page.select_one("#card-panel form") is None  # nothing left to change
    # A removed card cannot be changed any more.
    edit = {"title": "X", "body": "", "rev": "3"}
    assert alva.htmx(f"/r/{race['slug']}/cards/{card_id}/edit", edit).status_code == 404


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("edit", {"title": "Kapad", "body": "", "rev": "1"}),
        ("move", {"column": "need"}),
        ("remove", {}),
        ("votes", {}),
        ("votes/withdraw", {}),
        ("comments", {"body": "Hej"}),
    ],
)
def test_another_teams_card_is_refused_and_nothing_changes(
    join: Join, race: dict[str, Any], db: Database, path: str, data: dict[str, str]
) -> None:
    start_named_phase(join, race, db, "Ideation")  # voting open too, so only the team check can refuse
    card_id = add_card(join("participant", "Alva", team=0), race["slug"])
    cia = join("participant", "Cia", team=1)
    before = event_count(db)
    response = cia.htmx(f"/r/{race['slug']}/cards/{card_id}/{path}", data)
    assert response.status_code == 404
    assert (
        soup(response.text).select_one("[role=alert]").get_text()
        == "There is no such card on your team's board."
    )
    assert event_count(db) == before
    assert len(revisions_of(db, card_id)) == 1


@pytest.mark.parametrize("role", ["facilitator", "wall", "expert", "jury"])
def test_only_participants_change_cards(join: Join, race: dict[str, Any], db: Database, role: str) -> None:
    card_id = add_card(join("participant", team=0), race["slug"])
    response = join(role).htmx(
        f"/r/{race['slug']}/cards/{card_id}/edit", {"title": "X", "body": "", "rev": "1"}
    )
    assert response.status_code == 403
    assert len(revisions_of(db, card_id)) == 1


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("edit", {"title": "", "body": "", "rev": "1"}),
        ("edit", {"title": "x" * 201, "body": "", "rev": "1"}),
        ("edit", {"title": "Ok", "body": "x" * 5001, "rev": "1"}),
        ("edit", {"title": "Ok", "body": ""}),
        ("edit", {"title": "Ok", "body": "", "rev": "ett"}),
        ("move", {"column": "nowhere"}),
        ("comments", {"body": "   "}),
        ("comments", {"body": "x" * 2001}),
        ("edit", {"title": "Ok", "body": "", "key": "k" * 65, "rev": "1"}),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(
    join: Join, race: dict[str, Any], db: Database, path: str, data: dict[str, str]
) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"])
    before = event_count(db)
    response = alva.htmx(f"/r/{race['slug']}/cards/{card_id}/{path}", data)
    assert response.status_code == 422
    assert soup(response.text).select_one("[role=alert]").get_text().strip()
    assert event_count(db) == before and len(revisions_of(db, card_id)) == 1


def test_a_comment_of_2000_characters_is_kept(join: Join, race: dict[str, Any], db: Database) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"])
    assert alva.htmx(f"/r/{race['slug']}/cards/{card_id}/comments", {"body": "x" * 2000}).status_code == 200
    with db.read() as session:
        assert len(session.exec(select(Comment)).one().body) == 2000


def test_comments_show_under_the_card_escaped(join: Join, race: dict[str, Any]) -> None:
    alva = join("participant", "Alva", team=0)
    card_id = add_card(alva, race["slug"])
    said = '<img src=x onerror="alert(1)"> Bra idé'
    response = alva.htmx(f"/r/{race['slug']}/cards/{card_id}/comments", {"body": said})
    assert response.status_code == 200
    for page in (soup(response.text), alva.page()):
        comments = page.select_one(f"#card-{card_id} .comment-list")
        assert comments.has_attr("hx-ignore")
        assert comments.find("img") is None
        assert comments.select_one("li p").get_text() == said
        assert "Alva" in comments.select_one(".meta").get_text()


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("edit", {"title": "Ny", "body": "", "rev": "1"}),
        ("move", {"column": "need"}),
        ("remove", {}),
        ("comments", {"body": "Hej"}),
    ],
)
def test_a_closed_board_refuses_every_change_with_the_phase_named(
    join: Join, race: dict[str, Any], db: Database, path: str, data: dict[str, str]
) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"])
    start_named_phase(join, race, db, "Night pause")
    before = event_count(db)
    response = alva.htmx(f"/r/{race['slug']}/cards/{card_id}/{path}", data)
    assert response.status_code == 409
    assert (
        soup(response.text).select_one("[role=alert]").get_text() == "The board is closed during Night pause."
    )
    assert event_count(db) == before and len(revisions_of(db, card_id)) == 1


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("edit", {"title": "Ny", "body": "", "rev": "1"}),
        ("move", {"column": "need"}),
        ("remove", {}),
        ("comments", {"body": "Hej"}),
        ("votes", {}),
    ],
)
def test_a_locked_board_refuses_every_change(
    join: Join, race: dict[str, Any], db: Database, path: str, data: dict[str, str]
) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"])
    start_named_phase(join, race, db, "Ideation")
    lock(db, race["teams"][0]["id"])
    before = event_count(db)
    response = alva.htmx(f"/r/{race['slug']}/cards/{card_id}/{path}", data)
    assert response.status_code == 409
    assert "locked" in soup(response.text).select_one("[role=alert]").get_text()
    assert event_count(db) == before


def test_the_forms_say_why_the_board_is_closed(join: Join, race: dict[str, Any], db: Database) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"])
    start_named_phase(join, race, db, "Night pause")
    page = alva.page()
    assert (
        page.select_one("#card-form #board-state").get_text().strip()
        == "The board is closed during Night pause."
    )
    assert page.select_one("#card-form fieldset")["aria-describedby"] == "board-state"
    assert page.select_one("#card-form fieldset.board-edit").has_attr("disabled")
    panel = open_card(alva, race["slug"], card_id)
    assert panel.select_one("fieldset.board-edit").has_attr("disabled")
    assert panel.select_one(".board-closed").get_text() == "The board is closed during Night pause."
    # In Swedish too.
    alva.post(f"/r/{race['slug']}/lang", {"lang": "sv", "next": f"/r/{race['slug']}"})
    assert alva.page().select_one("#board-state").get_text().strip() == "Tavlan är stängd under Nattpaus."


def test_a_locked_board_says_so_in_the_form(join: Join, race: dict[str, Any], db: Database) -> None:
    alva = join("participant", team=0)
    lock(db, race["teams"][0]["id"])
    page = alva.page()
    assert "locked" in page.select_one("#board-state").get_text()
    assert page.select_one("#card-form fieldset").has_attr("disabled")


def test_an_open_board_has_enabled_forms(join: Join, race: dict[str, Any], db: Database) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"])
    page = alva.page()
    assert page.select_one("#board-state").get_text().strip() == ""
    assert not page.select_one("#card-form fieldset").has_attr("disabled")
    assert not open_card(alva, race["slug"], card_id).select_one("fieldset.board-edit").has_attr("disabled")
    assert page.select_one(f"#card-{card_id} fieldset.board-vote").has_attr("disabled")  # no voting phase


def test_a_repeated_key_changes_once(join: Join, race: dict[str, Any], db: Database) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"])
    for _ in range(2):
        response = alva.htmx(f"/r/{race['slug']}/cards/{card_id}/comments", {"body": "En gång", "key": "c-1"})
        assert response.status_code == 200
    with db.read() as session:
        assert len(session.exec(select(Comment)).all()) == 1
        assert len(session.exec(select(Vote)).all()) == 0


def test_a_plain_form_post_goes_back_to_the_board(join: Join, race: dict[str, Any], db: Database) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"])
    response = alva.post(
        f"/r/{race['slug']}/cards/{card_id}/edit", {"title": "Utan htmx", "body": "", "rev": "1"}
    )
    assert response.status_code == 303
    assert alva.page().select_one(f"#card-{card_id} h3").get_text() == "Utan htmx"


def test_a_card_opens_for_its_team_and_the_facilitators_only(join: Join, race: dict[str, Any]) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"], "Skruv")
    assert open_card(alva, race["slug"], card_id).select_one("#panel-title")["value"] == "Skruv"
    facilitator = open_card(join("facilitator"), race["slug"], card_id)
    assert facilitator.select_one(".history .rev-title").get_text() == "Skruv"
    assert facilitator.select_one("form") is None
    other = join("participant", "Cia", team=1).client.get(f"/r/{race['slug']}/cards/{card_id}")
    assert other.status_code == 404 and "Skruv" not in other.text


def card_row(db: Database, card_id: int) -> Card:
    with db.read() as session:
        card = session.get(Card, card_id)
    assert card is not None
    return card


def test_an_htmx_card_post_names_the_new_card_at_revision_one(join: Join, race: dict[str, Any]) -> None:
    alva = join("participant", team=0)
    response = alva.htmx(f"/r/{race['slug']}/cards", {"title": "Skruv", "column": "idea", "key": "k1"})
    assert response.status_code == 201
    card_id = int(soup(response.text).select_one("li.card")["id"].removeprefix("card-"))
    assert response.headers["location"] == f"/r/{race['slug']}/cards/{card_id}"
    assert open_card(alva, race["slug"], card_id).select_one(".edit-form input[name=rev]")["value"] == "1"


def test_an_edit_from_a_stale_revision_is_refused_and_shows_both_texts(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    slug = race["slug"]
    alva, bo = join("participant", "Alva", team=0), join("participant", "Bo", team=0)
    card_id = add_card(alva, slug, "Skruv")
    assert open_card(alva, slug, card_id).select_one("input[name=rev]")["value"] == "1"
    bo.htmx(f"/r/{slug}/cards/{card_id}/edit", {"title": "Bos skruv", "body": "Av stål", "rev": "1"})
    before = event_count(db)
    mine = {"title": "Alvas <b>skruv</b>", "body": "Av trä", "rev": "1"}
    response = alva.htmx(f"/r/{slug}/cards/{card_id}/edit", mine)
    assert response.status_code == 409
    stored = card_row(db, card_id)
    assert (stored.title, stored.body, stored.rev) == ("Bos skruv", "Av stål", 2)
    assert event_count(db) == before and len(revisions_of(db, card_id)) == 2
    conflict = soup(response.text).select_one('#card-edit[hx-swap-oob="true"]')
    assert conflict.has_attr("data-keep") and conflict.select_one("[role=alert]") is not None
    theirs, yours = conflict.select(".conflict-texts section")
    assert [p.get_text() for p in theirs.select("p")] == ["Bos skruv", "Av stål"]
    assert "Bo" in theirs.select_one("h3").get_text()
    assert [p.get_text() for p in yours.select("p")] == ["Alvas <b>skruv</b>", "Av trä"]
    assert yours.find("b") is None
    keep = conflict.select_one(".keep-form")
    kept = {field["name"]: field["value"] for field in keep.select("input")}
    assert kept == {"title": "Alvas <b>skruv</b>", "body": "Av trä", "rev": "2"}
    assert conflict.select_one(".take-form")["hx-get"] == f"/r/{slug}/cards/{card_id}?follow=1"
    edit = conflict.select_one("#conflict-edit .edit-form")
    assert edit.select_one("#panel-title")["value"] == "Alvas <b>skruv</b>"
    assert edit.select_one("input[name=rev]")["value"] == "2"
    # Keeping mine is an edit from the revision now shown: it is saved.
    assert alva.htmx(f"/r/{slug}/cards/{card_id}/edit", kept).status_code == 200
    stored = card_row(db, card_id)
    assert (stored.title, stored.rev) == ("Alvas <b>skruv</b>", 3)


def test_a_plain_edit_from_a_stale_revision_gets_the_card_page_with_both_texts(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    slug = race["slug"]
    alva, bo = join("participant", "Alva", team=0), join("participant", "Bo", team=0)
    card_id = add_card(alva, slug, "Skruv")
    bo.post(f"/r/{slug}/cards/{card_id}/edit", {"title": "Bos skruv", "body": "", "rev": "1"})
    response = alva.post(f"/r/{slug}/cards/{card_id}/edit", {"title": "Alvas", "body": "", "rev": "1"})
    assert response.status_code == 409
    page = soup(response.text)
    assert page.select_one("#card-panel .card-conflict .keep-form") is not None
    assert card_row(db, card_id).title == "Bos skruv"


def test_an_opened_card_fetches_its_parts_as_they_are_now(join: Join, race: dict[str, Any]) -> None:
    slug = race["slug"]
    alva, bo = join("participant", "Alva", team=0), join("participant", "Bo", team=0)
    card_id = add_card(alva, slug, "Skruv")
    follow = open_card(alva, slug, card_id).select_one("#card-follow")
    assert set(follow["data-follow"].split()) == {f"card-{card_id}", "col-idea"}
    bo.htmx(f"/r/{slug}/cards/{card_id}/edit", {"title": "Bättre skruv", "body": "", "rev": "1"})
    bo.htmx(f"/r/{slug}/cards/{card_id}/move", {"column": "market"})
    response = alva.client.get(follow["data-follow-url"], headers={"hx-request": "true"})
    parts = soup(response.text)
    assert {part["id"] for part in parts.select("[hx-swap-oob]")} == {
        "card-follow",
        "card-panel-head",
        "card-edit",
        "card-move",
        "card-comment",
        "card-remove",
        "card-panel-history",
    }
    assert parts.select_one("#card-panel-title").get_text() == "Bättre skruv"
    assert "Market potential" in parts.select_one("#card-panel-head .meta").get_text()
    assert parts.select_one("#card-edit input[name=rev]")["value"] == "3"
    assert set(parts.select_one("#card-follow")["data-follow"].split()) == {f"card-{card_id}", "col-market"}
    assert len(parts.select("#card-panel-history .history li")) == 3


def test_the_frames_of_a_card_s_changes_carry_what_its_opened_panel_follows(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    slug = race["slug"]
    start_named_phase(join, race, db, "Ideation")
    alva, bo = join("participant", "Alva", team=0), join("participant", "Bo", team=0)
    card_id = add_card(alva, slug, "Skruv")
    followed = set(open_card(alva, slug, card_id).select_one("#card-follow")["data-follow"].split())
    changes = [
        ("edit", {"title": "Ny", "body": "", "rev": "1"}),
        ("votes", {}),
        ("comments", {"body": "Bra"}),
        ("move", {"column": "need"}),
        ("remove", {}),
    ]
    with alva.live() as screen:
        screen.receive_text()
        for path, data in changes:
            assert bo.htmx(f"/r/{slug}/cards/{card_id}/{path}", data).status_code == 200, path
            ids = {element["id"] for element in soup(screen.receive_text()).select("[id]")}
            assert ids & followed, path
            if path == "move":
                followed = {f"card-{card_id}", "col-need"}
