"""Dot votes: the phase's budget exactly, also under concurrent votes; only while voting is open."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlmodel import col, select

from app import templating
from app.db import Database
from app.errors import Conflict
from app.models import Person as PersonRow
from app.models import PersonSession, Phase, Vote
from app.services import people, votes
from tests.conftest import Join, soup
from tests.helpers import add_card, event_count, renders, set_budget, start_named_phase, vote


def standing(db: Database) -> int:
    with db.read() as session:
        return len(session.exec(select(Vote).where(col(Vote.withdrawn_ms).is_(None))).all())


def left_in(text: str) -> str:
    return soup(text).select_one("#my-votes").get_text().strip()


def test_votes_stop_exactly_at_the_budget_and_say_how_many_are_left(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    alva = join("participant", team=0)
    first, second = add_card(alva, race["slug"], "A"), add_card(alva, race["slug"], "B")
    set_budget(db, "Ideation", 3)
    start_named_phase(join, race, db, "Ideation")
    assert left_in(alva.page().decode()) == "You have 3 votes left."
    answers = [vote(alva, race["slug"], card) for card in (first, first, second)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [left_in(a.text) for a in answers] == [
        "You have 2 votes left.",
        "You have 1 vote left.",
        "You have 0 votes left.",
    ]
    assert soup(answers[1].text).select_one(f"#card-{first} .vote-count").get_text() == "2 votes"
    over = vote(alva, race["slug"], second)
    assert over.status_code == 409
    assert (
        soup(over.text).select_one("[role=alert]").get_text()
        == "You have used all your votes in this phase (3)."
    )
    assert standing(db) == 3


def test_withdrawing_gives_the_vote_back(join: Join, race: dict[str, Any], db: Database) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"])
    set_budget(db, "Ideation", 1)
    start_named_phase(join, race, db, "Ideation")
    assert vote(alva, race["slug"], card_id).status_code == 200
    assert vote(alva, race["slug"], card_id).status_code == 409
    back = alva.htmx(f"/r/{race['slug']}/cards/{card_id}/votes/withdraw", {})
    assert back.status_code == 200 and left_in(back.text) == "You have 1 vote left."
    assert soup(back.text).select_one(f"#card-{card_id} .vote-count").get_text() == "0 votes"
    assert vote(alva, race["slug"], card_id).status_code == 200
    assert standing(db) == 1
    with db.read() as session:
        assert len(session.exec(select(Vote)).all()) == 2  # the withdrawn vote is kept, marked


def test_nothing_to_withdraw_is_refused(join: Join, race: dict[str, Any], db: Database) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"])
    start_named_phase(join, race, db, "Ideation")
    response = alva.htmx(f"/r/{race['slug']}/cards/{card_id}/votes/withdraw", {})
    assert response.status_code == 409
    assert "no vote" in soup(response.text).select_one("[role=alert]").get_text()


def test_each_persons_budget_is_their_own(join: Join, race: dict[str, Any], db: Database) -> None:
    alva, bo = join("participant", "Alva", team=0), join("participant", "Bo", team=0)
    card_id = add_card(alva, race["slug"])
    set_budget(db, "Ideation", 1)
    start_named_phase(join, race, db, "Ideation")
    assert vote(alva, race["slug"], card_id).status_code == 200
    answer = vote(bo, race["slug"], card_id)
    assert answer.status_code == 200
    assert soup(answer.text).select_one(f"#card-{card_id} .vote-count").get_text() == "2 votes"
    mine = bo.client.get(f"/r/{race['slug']}/votes/mine")
    assert left_in(mine.text) == "You have 0 votes left."


@pytest.mark.parametrize("phase", [None, "Kick-off", "Night pause"])
def test_votes_outside_a_voting_phase_are_refused(
    join: Join, race: dict[str, Any], db: Database, phase: str | None
) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"])
    if phase:
        start_named_phase(join, race, db, phase)
    before = event_count(db)
    response = vote(alva, race["slug"], card_id)
    assert response.status_code == 409
    assert soup(response.text).select_one("[role=alert]").get_text() == "Voting is not open right now."
    assert event_count(db) == before and standing(db) == 0
    assert alva.page().select_one(f"#card-{card_id} fieldset.board-vote").has_attr("disabled")


def test_a_repeated_vote_key_casts_one_vote(join: Join, race: dict[str, Any], db: Database) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"])
    start_named_phase(join, race, db, "Ideation")
    first = vote(alva, race["slug"], card_id, "v-1")
    again = vote(alva, race["slug"], card_id, "v-1")
    assert first.status_code == again.status_code == 200
    assert standing(db) == 1
    # The replay's answer counts the voter's votes itself: the same count as the first answer.
    assert left_in(again.text) == left_in(first.text) == left_in(alva.page().decode())
    assert soup(again.text).select_one(f"#card-{card_id} .vote-count").get_text() == "1 vote"


def test_a_vote_after_the_phases_time_up_lock_is_refused(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"])
    start_named_phase(join, race, db, "Ideation")
    with db.write() as session:
        ideation = session.exec(select(Phase).where(Phase.name == "Ideation")).one()
        assert ideation.deadline_ms is not None
        ideation.lock_at_end, ideation.timeup_ms = True, ideation.deadline_ms  # as the scheduler leaves it
        session.add(ideation)
    before = event_count(db)
    response = vote(alva, race["slug"], card_id)
    assert response.status_code == 409
    alert = soup(response.text).select_one("[role=alert]").get_text()
    assert alert == "Time is up for Ideation: the boards are locked."
    assert event_count(db) == before and standing(db) == 0


def test_concurrent_votes_never_pass_the_budget(join: Join, race: dict[str, Any], db: Database) -> None:
    alva = join("participant", team=0)
    card_id = add_card(alva, race["slug"])
    set_budget(db, "Ideation", 3)
    start_named_phase(join, race, db, "Ideation")
    viewer = _viewer_of(db, "Alva")  # the rule must hold in the service, where the transactions are
    barrier = threading.Barrier(12)
    outcomes: list[str] = []

    def cast() -> None:
        barrier.wait()
        try:
            votes.cast(db, viewer, card_id, key=None)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=cast) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] * 3 + ["refused"] * 9
    assert standing(db) == 3


def _viewer_of(db: Database, name: str) -> people.Viewer:
    with db.read() as session:
        person = session.exec(select(PersonRow).where(PersonRow.name == name)).one()
        token = session.exec(select(PersonSession.token).where(PersonSession.person_id == person.id)).one()
    viewer = people.viewer(db, token)
    assert viewer is not None
    return viewer


def test_a_vote_renders_its_card_once_for_the_answer_and_the_team_and_never_serves_it_stale(
    join: Join, race: dict[str, Any], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The voter's answer and the team's frame show the same card: one render serves both (and every member's
    # page), and what it shows is its key, so a second vote shows the new count, not the kept one.
    alva, bo = join("participant", "Alva", team=0), join("participant", "Bo", team=0)
    card = add_card(alva, race["slug"], "Skruv")
    start_named_phase(join, race, db, "Ideation")
    rendered = renders(monkeypatch, templating)
    with bo.live() as socket:
        socket.receive_text()
        rendered.clear()  # the screen's first snapshot
        for count in (1, 2):
            answer = vote(alva, race["slug"], card)
            frame = socket.receive_text()
            for text in (answer.text, frame):
                assert soup(text).select_one(f"#card-{card} .vote-count")["data-votes"] == str(count)
    assert rendered.count("participant/_card.html") == 2  # once per vote, not once per screen or answer
