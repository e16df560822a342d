"""The facilitators' live overview: cards, votes, expert requests waiting, and who is online."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from app.db import Database, now_ms
from app.models import Card, ExpertRequest, Person, Phase, Vote
from app.presence import Presence
from tests.conftest import Join, LiveSession, soup


def online_names(frame: str) -> set[str]:
    """Return who the overview in a frame shows online (the whole overview, or the rows it sends)."""
    rows = soup(frame).select('#teams .person.online, tr[id^="overview-"][hx-swap-oob] .person.online')
    return {item.contents[0].strip() for item in rows if item.contents}


def online_when(socket: LiveSession, expected: set[str]) -> set[str]:
    """Read who-is-online frames until one shows the expected people online (each screen's own arrival
    sends one too); return what the last one showed."""
    while True:
        while not socket.presence:
            text = socket.socket.receive_text()
            if text.startswith("<!--presence-->"):
                socket.presence.append(text)
        names = online_names(socket.presence.pop(0))
        if names == expected:
            return names


def test_the_overview_shows_who_comes_online_and_goes(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fia")
    member = join("participant", "Alva", team=0)
    with facilitator.live() as s_fac:
        s_fac.receive_text()
        with member.live() as s_member:
            s_member.receive_text()
            assert online_when(s_fac, {"Alva"}) == {"Alva"}
            assert facilitator.page().select_one("#teams .person.online").contents[0].strip() == "Alva"
        assert online_when(s_fac, set()) == set()


def test_a_second_tab_of_the_same_person_keeps_them_online(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fia")
    member = join("participant", "Alva", team=0)
    with facilitator.live() as s_fac:
        s_fac.receive_text()
        with member.live() as first:
            first.receive_text()
            assert online_when(s_fac, {"Alva"}) == {"Alva"}
            with member.live() as second:
                second.receive_text()
            # Closing the second tab does not take Alva offline: every overview after it still shows her.
            card = {"title": "Idé", "body": "", "column": "idea", "key": "k"}
            member.htmx(f"/r/{race['slug']}/cards", card)
            frame = s_fac.receive_text()
            assert online_names(frame) == {"Alva"}
            assert all(online_names(text) == {"Alva"} for text in s_fac.presence)


def test_presence_frames_go_only_to_facilitators(join: Join, race: dict[str, Any]) -> None:
    wall = join("wall", "Vägg")
    member = join("participant", "Alva", team=0)
    with wall.live() as s_wall:
        s_wall.receive_text()
        with member.live() as s_member:
            s_member.receive_text()
        join("facilitator", "Fia").post(f"/r/{race['slug']}/phases/{race['phases'][0]['id']}/start")
        frame = s_wall.receive_text()
        assert "Alva" not in frame
        assert not s_wall.presence


def test_the_overview_counts_cards_votes_and_waiting_requests(
    join: Join, db: Database, race: dict[str, Any]
) -> None:
    facilitator = join("facilitator", "Fia")
    member = join("participant", "Alva", team=0)
    for key in ("a", "b"):
        member.htmx(f"/r/{race['slug']}/cards", {"title": key, "body": "", "column": "idea", "key": key})
    team_id = race["teams"][0]["id"]
    with db.write() as session:
        alva = session.exec(select(Person).where(Person.name == "Alva")).one()
        card = session.exec(select(Card)).first()
        phase = session.exec(select(Phase)).first()
        assert alva.id and card and card.id and phase and phase.id
        now = now_ms()
        session.add_all(
            [
                Vote(
                    race_id=alva.race_id,
                    card_id=card.id,
                    person_id=alva.id,
                    phase_id=phase.id,
                    created_ms=now,
                ),
                Vote(
                    race_id=alva.race_id,
                    card_id=card.id,
                    person_id=alva.id,
                    phase_id=phase.id,
                    created_ms=now,
                ),
                Vote(
                    race_id=alva.race_id,
                    card_id=card.id,
                    person_id=alva.id,
                    phase_id=phase.id,
                    created_ms=now,
                    withdrawn_ms=now,
                ),
                ExpertRequest(
                    race_id=alva.race_id, team_id=team_id, asked_by=alva.id, question="Hjälp?", created_ms=now
                ),
                ExpertRequest(
                    race_id=alva.race_id,
                    team_id=team_id,
                    asked_by=alva.id,
                    question="Klar",
                    status="resolved",
                    created_ms=now,
                ),
            ]
        )
    row = facilitator.page().select_one(f"#overview-{team_id}")
    counts = {cell["data-count"]: cell.get_text() for cell in row.select("[data-count]")}
    assert counts == {"cards": "2", "votes": "2", "requests": "1"}
    other = facilitator.page().select_one(f"#overview-{race['teams'][1]['id']}")
    assert {cell.get_text() for cell in other.select("[data-count]")} == {"0"}


def test_a_new_card_updates_the_overview_live(join: Join, race: dict[str, Any]) -> None:
    facilitator = join("facilitator", "Fia")
    member = join("participant", "Alva", team=0)
    with facilitator.live() as s_fac:
        s_fac.receive_text()
        member.htmx(f"/r/{race['slug']}/cards", {"title": "Idé", "body": "", "column": "idea", "key": "k"})
        frame = soup(s_fac.receive_text())
        row = frame.select_one(f"#overview-{race['teams'][0]['id']}")
        assert row.select_one('[data-count="cards"]').get_text() == "1"


def test_the_registry_counts_sockets_per_person() -> None:
    registry = Presence()
    first, second = object(), object()
    assert registry.arrive(1, 7, first) is True
    assert registry.arrive(1, 7, second) is False
    assert registry.online(1) == frozenset({7})
    assert registry.leave(1, 7, first) is False
    assert registry.leave(1, 7, second) is True
    assert registry.online(1) == frozenset()
    assert registry.counts() == {}
