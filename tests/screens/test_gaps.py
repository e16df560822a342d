"""Catch-up after a gap: rendered once per audience and gap, shared by that audience's screens, not others."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.websockets import WebSocketDisconnect

from app import presence
from app.db import Database
from app.screens import Audience, Renderer, audience
from app.services import cards, people, phases, races, requests
from app.services.people import Viewer
from tests.conftest import Join, oob_ids
from tests.helpers import REQUESTS_PHASE, BetweenLookAndAttach, post_cards, race_seq, seq_of, viewer_and_token


@pytest.fixture
def renders(renderer: Renderer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the catch-up renders: each render of a screen's regions notes the screen's audience."""
    rendered: list[str] = []
    original = renderer._render_shared

    def counting(read: Any, race: Any, aud: Audience, regions: list[str]) -> str:
        rendered.append(aud.key)
        return original(read, race, aud, regions)

    monkeypatch.setattr(renderer, "_render_shared", counting)
    return rendered


def test_screens_of_one_team_catching_up_from_one_seq_share_one_render(
    renderer: Renderer, db: Database, renders: list[str]
) -> None:
    race = races.create_race(db, "Storm", lang="en", teams=2)
    team_id = race["teams"][0]["id"]
    members = [viewer_and_token(db, race["codes"]["participant"], f"Member {n}", team_id) for n in range(3)]
    other, other_token = viewer_and_token(db, race["codes"]["participant"], "Other", race["teams"][1]["id"])
    since = races.current_seqs(db, [other.race_id])[other.race_id]
    for number in range(3):
        cards.add(db, members[0][0], title=f"Card {number}", body="", column="idea", key=None)
    key = Audience("participant", team_id, "en").key
    got = [renderer.gap_or_snapshot(other.race_id, key, since, token) for _, token in members]
    assert renders == [key]
    assert all(answer == got[0] for answer in got)
    assert got[0] is not None
    seq, sent = got[0]
    assert [frame_seq for frame_seq, _ in sent] == [seq]
    assert all(f"Card {number}" in sent[0][1] for number in range(3))
    # Another team's screens missed nothing of theirs: nothing to render or send, and nothing shared.
    other_key = Audience("participant", race["teams"][1]["id"], "en").key
    assert renderer.gap_or_snapshot(other.race_id, other_key, since, other_token) == (seq, [])
    # A later gap, or one from another seq, is its own render.
    cards.add(db, members[0][0], title="Card 3", body="", column="idea", key=None)
    later = renderer.gap_or_snapshot(other.race_id, key, since, members[1][1])
    assert later is not None and "Card 3" in later[1][0][1]
    newer = renderer.gap_or_snapshot(other.race_id, key, seq, members[2][1])
    assert newer is not None and newer[0] == later[0] == seq + 1
    assert "Card 3" in newer[1][0][1] and "Card 0" not in newer[1][0][1]
    assert renders == [key, key, key]


def test_screens_arriving_together_wait_for_the_first_render(
    renderer: Renderer, db: Database, renders: list[str]
) -> None:
    race = races.create_race(db, "Together", lang="en", teams=1)
    team_id = race["teams"][0]["id"]
    members = [viewer_and_token(db, race["codes"]["participant"], f"Member {n}", team_id) for n in range(6)]
    race_id = members[0][0].race_id
    since = races.current_seqs(db, [race_id])[race_id]
    cards.add(db, members[0][0], title="Card", body="", column="idea", key=None)
    key = Audience("participant", team_id, "en").key
    barrier = threading.Barrier(len(members))
    got: list[Any] = []

    def reconnect(token: str) -> None:
        barrier.wait()
        got.append(renderer.gap_or_snapshot(race_id, key, since, token))

    threads = [threading.Thread(target=reconnect, args=(token,)) for _, token in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(got) == len(members)
    assert all(answer == got[0] for answer in got)
    assert renders == [key]


def test_an_experts_own_requests_are_not_shared_with_another_expert(
    renderer: Renderer, db: Database, renders: list[str]
) -> None:
    race = races.create_race(db, "Experts", lang="en", teams=1)
    member, _ = viewer_and_token(db, race["codes"]["participant"], "Mia", race["teams"][0]["id"])
    facilitator, _ = viewer_and_token(db, race["codes"]["facilitator"], "Fia")
    claiming, claiming_token = viewer_and_token(db, race["codes"]["expert"], "Ulla")
    watching, watching_token = viewer_and_token(db, race["codes"]["expert"], "Ville")
    phases.start(db, facilitator, race["phases"][REQUESTS_PHASE]["id"])
    asked = requests.ask(db, member, question="Who pays for it?", tags=[], key=None)
    since = races.current_seqs(db, [member.race_id])[member.race_id]
    requests.claim(db, claiming, asked.id or 0)

    def body(viewer: Viewer, token: str) -> str:
        key = audience(viewer.role, viewer.team_id, viewer.lang, viewer.person_id).key
        got = renderer.gap_or_snapshot(member.race_id, key, since, token)
        assert got is not None and len(got[1]) == 1
        return got[1][0][1]

    claimed = body(claiming, claiming_token)
    assert "my-requests" in oob_ids(claimed)
    assert "Who pays for it?" in claimed
    # The same role, language, gap and seq, another person: their own render, without the other's requests.
    watched = body(watching, watching_token)
    assert "my-requests" not in oob_ids(watched)
    assert "requests" in oob_ids(watched)
    assert len(renders) == 2


def test_a_facilitators_catch_up_shows_who_is_online_now(renderer: Renderer, db: Database) -> None:
    race = races.create_race(db, "Online", lang="en", teams=1)
    member, _ = viewer_and_token(db, race["codes"]["participant"], "Mia", race["teams"][0]["id"])
    _, token = viewer_and_token(db, race["codes"]["facilitator"], "Fia")
    since = races.current_seqs(db, [member.race_id])[member.race_id]
    cards.add(db, member, title="Card", body="", column="idea", key=None)  # the team's row changes
    key = Audience("facilitator", 0, "en").key
    first = renderer.gap_or_snapshot(member.race_id, key, since, token)
    assert first is not None and 'class="person offline"' in first[1][0][1]
    socket = object()
    presence.registry.arrive(member.race_id, member.person_id, socket)
    try:
        # Nothing was written: the same seq, and a facilitator's screen arriving now sees her online.
        again = renderer.gap_or_snapshot(member.race_id, key, since, token)
    finally:
        presence.registry.leave(member.race_id, member.person_id, socket)
    assert again is not None and again[0] == first[0]
    assert 'class="person online"' in again[1][0][1]


def test_a_signed_out_screen_gets_nothing_even_when_its_audience_has_the_gap_rendered(
    renderer: Renderer, db: Database
) -> None:
    race = races.create_race(db, "Gone", lang="en", teams=1)
    team_id = race["teams"][0]["id"]
    staying, staying_token = viewer_and_token(db, race["codes"]["participant"], "Kvar", team_id)
    _, leaving_token = viewer_and_token(db, race["codes"]["participant"], "Borta", team_id)
    since = races.current_seqs(db, [staying.race_id])[staying.race_id]
    cards.add(db, staying, title="Card", body="", column="idea", key=None)
    key = Audience("participant", team_id, "en").key
    assert people.leave(db, leaving_token) is not None
    # Her team-mate's screen renders the gap for the audience first; hers is still refused.
    rendered = renderer.gap_or_snapshot(staying.race_id, key, since, staying_token)
    assert rendered is not None and "Card" in rendered[1][0][1]
    assert renderer.gap_or_snapshot(staying.race_id, key, since, leaving_token) is None


def test_screens_of_a_team_reconnecting_with_one_seq_get_the_same_frame(
    join: Join, race: dict[str, Any], renders: list[str]
) -> None:
    author, second = join("participant", "Alva", team=0), join("participant", "Bo", team=0)
    leaving = join("participant", "Cecilia", team=0)
    with author.live() as socket:
        since = seq_of(socket.receive_text())
    post_cards(author, race, 3)
    renders.clear()  # the snapshot's
    got = []
    for member in (author, second):
        with member.live(since=since) as socket:
            got.append(socket.receive_text())
    assert got[0] == got[1]
    assert all(f"Kort {number}" in got[0] for number in range(3))
    assert len(renders) == 1
    assert leaving.post("/leave").status_code == 303
    with pytest.raises(WebSocketDisconnect) as closed, leaving.live(since=since) as socket:
        socket.receive_text()
    assert closed.value.code == 1008


def test_a_screen_whose_audience_has_the_gap_rendered_is_caught_up_by_its_first_look(
    join: Join, race: dict[str, Any], renderer: Renderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After a restart most screens come back behind. The first of a team renders the gap after its attach,
    # with no second look at its session (its first look saw it, and no frame went out in between); the
    # others find it rendered, as do the screens of teams with nothing in the gap: one read each.
    author, mate = join("participant", "Alva", team=0), join("participant", "Bo", team=0)
    elsewhere = join("participant", "Cyrus", team=1)
    with author.live() as socket:
        since = seq_of(socket.receive_text())
    with elsewhere.live() as socket:
        assert seq_of(socket.receive_text()) == since
    post_cards(author, race, 2)
    reads: list[str] = []
    for name in ("viewer_and_seq", "gap_or_snapshot", "render_gap"):
        monkeypatch.setattr(renderer, name, _noting(reads, name, getattr(renderer, name)))
    got = []
    for member in (author, mate):
        with member.live(since=since) as socket:
            got.append(socket.receive_text())
            socket.wait_synced()
    assert reads == ["viewer_and_seq", "render_gap", "viewer_and_seq"]
    assert got[0] == got[1]
    assert "Kort 0" in got[0] and "Kort 1" in got[0]
    with elsewhere.live(since=since) as socket:
        assert socket.wait_synced() == seq_of(got[0])
    assert reads == ["viewer_and_seq", "render_gap", "viewer_and_seq", "viewer_and_seq"]


def _noting(reads: list[str], name: str, func: Any) -> Any:
    def noting(*args: Any) -> Any:
        reads.append(name)
        return func(*args)

    return noting


def test_a_sign_out_after_the_first_look_found_the_gap_closes_the_socket(
    join: Join, race: dict[str, Any], app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    between = BetweenLookAndAttach(app, monkeypatch)
    member, mate = join("participant", "Snabb", team=0), join("participant", "Bo", team=0)
    staying = join("participant", "Kvar", team=1)
    with member.live() as socket:
        since = seq_of(socket.receive_text())
    with staying.live() as other:
        other.wait_synced()  # the hub renders the race (for the other team) while the member is away
        post_cards(mate, race, 1)
        with mate.live(since=since) as socket:
            assert "Kort 0" in socket.receive_text()  # the gap is rendered for the team

        def sign_out(db: Database, token: str) -> int:
            seq = race_seq(db, token)
            assert people.leave(db, token) is not None
            return seq + 1

        between.change = sign_out
        with pytest.raises(WebSocketDisconnect) as closed, member.live(since) as again:
            post_cards(mate, race, 1, prefix="Efter")  # a socket left open would get the gap and this
            again.receive_text()
    assert closed.value.code == 1008


def test_a_catch_up_without_a_second_look_brings_a_screen_to_its_first_looks_seq_or_gives_up(
    renderer: Renderer, db: Database, renders: list[str]
) -> None:
    # Sign-outs after the first look reach the socket from the hub's renders after that seq: a catch-up that
    # skips the second session check must stop at that seq, and leaves a race that moved on to the full one.
    race = races.create_race(db, "Moved", lang="en", teams=1)
    member, _ = viewer_and_token(db, race["codes"]["participant"], "Mia", race["teams"][0]["id"])
    since = races.current_seqs(db, [member.race_id])[member.race_id]
    cards.add(db, member, title="Card", body="", column="idea", key=None)
    seq = since + 1
    key = Audience("participant", race["teams"][0]["id"], "en").key
    assert renderer.rendered_gap(member.race_id, key, since, seq) is None
    got = renderer.render_gap(member.race_id, key, since, seq)
    assert got is not None and [frame_seq for frame_seq, _ in got] == [seq] and "Card" in got[0][1]
    assert renderer.rendered_gap(member.race_id, key, since, seq) == got
    cards.add(db, member, title="Later", body="", column="idea", key=None)
    assert renderer.render_gap(member.race_id, key, since + 1, seq + 1) is not None
    assert renderer.render_gap(member.race_id, key, since, seq) == got  # rendered: no read needed
    assert renderer.render_gap(member.race_id, key, 0, seq) is None  # the race is past seq now
    assert len(renders) == 2
