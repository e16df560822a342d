"""Sessions: signing out ends the session and closes its sockets; sockets per person are capped."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.websockets import WebSocketDisconnect

from app import settings
from app.services import people
from tests.conftest import Join
from tests.helpers import BetweenLookAndAttach, post_cards, race_seq


def test_signing_out_closes_the_persons_sockets_and_ends_the_session(
    join: Join, race: dict[str, Any]
) -> None:
    member = join("participant", team=0)
    with member.live() as socket:
        socket.wait_synced()
        assert member.post("/leave").status_code == 303
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_text()
    assert closed.value.code == 1008
    assert member.client.get(f"/r/{race['slug']}", follow_redirects=False).status_code == 303
    with pytest.raises(WebSocketDisconnect), member.live() as again:
        again.receive_text()


def test_a_session_ended_elsewhere_closes_the_sockets_here(join: Join, race: dict[str, Any], db: Any) -> None:
    """Another process signs the person out: this one learns it from the event, as its render reads it."""
    from sqlmodel import select

    from app.models import Person, PersonSession
    from app.services import people

    member = join("participant", "Borta", team=0)
    staying = join("participant", "Kvar", team=0)
    with db.read() as session:
        query = select(PersonSession.token).join(Person).where(Person.name == "Borta")
        tokens = list(session.exec(query))
    assert len(tokens) == 1
    with member.live() as socket, staying.live() as other:
        socket.wait_synced()
        other.wait_synced()
        assert people.leave(db, tokens[0]) is not None  # not through this process's /leave route
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                socket.receive_text()
        assert closed.value.code == 1008
        staying.post(f"/r/{race['slug']}/cards", {"title": "Fortfarande här", "column": "idea", "key": "k1"})
        assert "Fortfarande här" in other.receive_text()


def test_signing_out_leaves_the_others_connected(join: Join, race: dict[str, Any]) -> None:
    leaving = join("participant", "Går", team=0)
    staying = join("participant", "Stannar", team=0)
    facilitator = join("facilitator")
    with staying.live() as socket:
        socket.wait_synced()
        leaving.post("/leave")
        facilitator.post(f"/r/{race['slug']}/phases/{race['phases'][0]['id']}/start")
        assert 'id="clock"' in socket.receive_text()


def test_a_person_cannot_open_sockets_without_end(
    join: Join, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "LIVE_MAX_SOCKETS_PER_PERSON", 2)
    wall = join("wall")
    with wall.live() as first, wall.live() as second:
        first.wait_synced()
        second.wait_synced()
        with pytest.raises(WebSocketDisconnect) as refused, wall.live() as third:
            third.receive_text()
        assert refused.value.code == 1013  # try again later: the page backs off instead of reloading


def test_joining_again_renews_the_cookie(join: Join, race: dict[str, Any]) -> None:
    person = join("participant")
    before = person.client.cookies["kraftsamla"]
    person.post("/join", {"code": race["codes"]["participant"], "name": "Igen"})
    assert person.client.cookies["kraftsamla"] != before


def test_erasing_a_person_closes_their_sockets(join: Join, race: dict[str, Any]) -> None:
    member = join("participant", team=0)
    facilitator = join("facilitator")
    person_id = 1  # the first to join this fresh race
    with member.live() as socket:
        socket.wait_synced()
        answer = facilitator.post(f"/r/{race['slug']}/review/people/{person_id}/erase", {"confirm": "yes"})
        assert answer.status_code in (200, 303)
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                socket.receive_text()
    assert closed.value.code == 1008


def test_the_same_key_posted_at_once_from_many_connections_makes_one_card(
    join: Join, race: dict[str, Any], db: Any
) -> None:
    import threading

    from sqlmodel import select

    from app.models import Card

    author = join("participant", team=0)
    form = {"title": "Samtidigt", "column": "idea", "key": "one-key-many-posts"}
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def post() -> None:
        barrier.wait()
        statuses.append(author.htmx(f"/r/{race['slug']}/cards", form).status_code)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [201] * 8
    with db.read() as session:
        assert len(session.exec(select(Card).where(Card.title == "Samtidigt")).all()) == 1


@pytest.mark.parametrize("resume", [False, True], ids=["catch-up", "resume-from-memory"])
def test_a_sign_out_between_the_first_look_and_the_attach_closes_the_socket(
    join: Join, race: dict[str, Any], app: Starlette, monkeypatch: pytest.MonkeyPatch, resume: bool
) -> None:
    """The first look saw the session open; the sign-out was rendered before the socket attached.

    It was not there to be closed by it: it sees that a frame went out since its look, and looks again.
    """
    between = BetweenLookAndAttach(app, monkeypatch)
    member = join("participant", "Snabb", team=0)
    staying = join("participant", "Kvar", team=0)
    with staying.live() as other:
        other.wait_synced()  # the hub renders for this team from now on, and remembers it
        with member.live() as socket:
            seq = socket.wait_synced()

        def sign_out(db: Any, token: str) -> int:
            seq = race_seq(db, token)
            assert people.leave(db, token) is not None
            return seq + 1

        between.change = sign_out
        with pytest.raises(WebSocketDisconnect) as closed, member.live(seq if resume else None) as again:
            post_cards(staying, race, 1, prefix="Efter")  # a socket left open would get it
            again.receive_text()
    assert closed.value.code == 1008
