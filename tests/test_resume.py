"""Resume: a screen that dropped gets what it missed, from memory, from the event table, or as a snapshot."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats
from sqlmodel import col, select
from starlette.applications import Starlette

from app import settings
from app.db import Database
from app.models import Card
from app.screens import Renderer, frames
from app.services import cards, people
from tests.conftest import Join, apply_frame, oob_ids, soup
from tests.helpers import BetweenLookAndAttach, post_cards, race_seq, renders, seq_of

ALL_PARTICIPANT_REGIONS = {"clock", "team", *(f"col-{c}" for c in ("need", "idea", "market"))}


def idea_titles(frames: list[str]) -> list[str]:
    """Apply frames in order to the first (a snapshot), as the page would; return the idea column's titles."""
    page = soup(frames[0])
    for frame in frames[1:]:
        apply_frame(page, frame)
    titles = [h3.get_text() for h3 in page.select("#col-idea .card h3")]
    assert page.select_one("#col-idea-count").get_text() == str(len(titles))
    return titles


def idea_cards_only(frame: str) -> bool:
    """Return True when a frame changes the idea column's cards and count, nothing else."""
    ids = oob_ids(frame)
    return bool(ids) and all(name.startswith("card-") or name == "col-idea-count" for name in ids)


def database_titles(db: Database, team_id: int) -> list[str]:
    with db.read() as session:
        cards = session.exec(select(Card).where(Card.team_id == team_id).order_by(col(Card.id))).all()
    return [card.title for card in cards]


def test_a_dropped_screen_gets_the_missed_frames_from_memory(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    author = join("participant", "Alva", team=0)
    watcher = join("participant", "Bo", team=0)
    with author.live() as staying:
        staying.receive_text()
        with watcher.live() as dropping:
            snapshot = dropping.receive_text()
            since = seq_of(snapshot)
        post_cards(author, race, 10)
        seen = [snapshot, staying.receive_text()]  # the audience stayed present: every change was rendered
        while len(idea_titles(seen)) < 10:
            seen.append(staying.receive_text())
        with watcher.live(since=since) as back:
            frames = [snapshot, back.receive_text()]
            while idea_titles(frames) != database_titles(db, race["teams"][0]["id"]):
                frames.append(back.receive_text())
    assert all(idea_cards_only(frame) for frame in frames[1:])
    assert idea_titles(frames) == [f"Kort {n}" for n in range(10)]


def test_a_lone_screen_that_dropped_gets_the_touched_regions_from_the_event_table(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    author = join("participant", "Alva", team=0)
    with author.live() as socket:
        snapshot = socket.receive_text()
        since = seq_of(snapshot)
    post_cards(author, race, 10)
    with author.live(since=since) as socket:
        frame = socket.receive_text()
    assert idea_cards_only(frame)
    assert idea_titles([snapshot, frame]) == database_titles(db, race["teams"][0]["id"])
    assert len(idea_titles([snapshot, frame])) == 10


def test_a_very_old_seq_gets_a_snapshot(
    join: Join, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "LIVE_REPLAY_MAX_EVENTS", 5)
    author = join("participant", team=0)
    with author.live() as socket:
        since = seq_of(socket.receive_text())
    post_cards(author, race, 10)
    with author.live(since=since) as socket:
        frame = socket.receive_text()
    assert oob_ids(frame) >= ALL_PARTICIPANT_REGIONS
    assert len(idea_titles([frame])) == 10


def test_a_seq_from_the_future_gets_a_snapshot(join: Join) -> None:
    with join("wall").live(since=10**9) as socket:
        regions = {"clock", "announcement", "wall-ranking", "wall-teams", "wall-cards", "wall-queue"}
        regions |= {"wall-spotlight", "wall-top", "day", "wall-join"}
        assert oob_ids(socket.receive_text()) == regions


def test_replaying_twice_is_harmless(join: Join, race: dict[str, Any], db: Database) -> None:
    author = join("participant", team=0)
    with author.live() as socket:
        snapshot = socket.receive_text()
        since = seq_of(snapshot)
    post_cards(author, race, 3)
    with author.live(since=since) as socket:
        first = socket.receive_text()
    with author.live(since=since) as socket:
        second = socket.receive_text()
    twice = idea_titles([snapshot, first, second])
    assert twice == idea_titles([snapshot, second]) == database_titles(db, race["teams"][0]["id"])
    assert len(twice) == 3


def test_screens_resuming_from_the_same_seq_each_get_their_own_regions(
    join: Join, race: dict[str, Any], db: Database
) -> None:
    # In a reconnect storm most screens resume from the same seq, and the gap is read once for all of them.
    author = join("participant", "Alva", team=0)
    other = join("participant", "Bo", team=1)
    with author.live() as socket:
        snapshot = socket.receive_text()
        since = seq_of(snapshot)
    post_cards(author, race, 3)
    with other.live(since=since) as socket:
        # Nothing of the other team's changed: it is only told it is caught up.
        assert socket.socket.receive_text().startswith('{"type": "synced"')
    with author.live(since=since) as socket:
        frame = socket.receive_text()
    assert idea_cards_only(frame)
    assert idea_titles([snapshot, frame]) == ["Kort 0", "Kort 1", "Kort 2"]
    post_cards(author, race, 1, prefix="Mer")
    with author.live(since=since) as socket:
        frame = socket.receive_text()
    assert idea_titles([snapshot, frame]) == database_titles(db, race["teams"][0]["id"])
    assert len(idea_titles([snapshot, frame])) == 4


def test_facilitators_resuming_at_the_same_seq_share_one_render_of_the_roster(
    join: Join, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The roster grows with people times teams (4.6 MB at 1,000 people in 100 teams): in a reconnect storm
    # it is rendered once per seq for all the facilitators' screens, not once per screen.
    first, second = join("facilitator", "Fia"), join("facilitator", "Gun")
    with first.live() as socket:
        since = seq_of(socket.receive_text())
    join("participant", "Cyrus", team=0)
    rendered = renders(monkeypatch, frames)
    got = []
    for facilitator in (first, second):
        with facilitator.live(since=since) as socket:
            got.append(socket.receive_text())
    for frame in got:
        # The team Cyrus chose, the people in no team and the move form: the roster's parts they changed.
        assert {"team-1", "roster-free", "move-one-slot"} <= oob_ids(frame)
        assert "Cyrus" in soup(frame).select_one("#team-1").get_text()
    # Rendered once for both screens, the three parts together.
    assert rendered.count("facilitator/_roster_items.html") == 1


def test_a_screen_that_missed_nothing_is_caught_up_by_one_read(
    renderer: Renderer, join: Join, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reconnect storm is mostly these: the session and the race's seq in one read, in one hop to a thread.
    member = join("participant", team=0)
    with member.live() as socket:
        seq = socket.wait_synced()
    reads: list[str] = []
    look, catch_up = renderer.viewer_and_seq, renderer.gap_or_snapshot

    def looking(*args: Any) -> Any:
        reads.append("viewer_and_seq")
        return look(*args)

    def catching_up(*args: Any) -> Any:
        reads.append("gap_or_snapshot")
        return catch_up(*args)

    monkeypatch.setattr(renderer, "viewer_and_seq", looking)
    monkeypatch.setattr(renderer, "gap_or_snapshot", catching_up)
    with member.live(since=seq) as again:
        assert again.wait_synced() == seq
    assert reads == ["viewer_and_seq"]
    with member.live() as fresh:  # a new screen reads its snapshot after the attach
        assert fresh.wait_synced() == seq
    assert reads == ["viewer_and_seq", "viewer_and_seq", "gap_or_snapshot"]


def test_the_first_looks_statements_are_compiled_when_the_server_starts(join: Join, db: Database) -> None:
    # After a restart every screen reconnects at once: each worker thread would compile them again.
    member = join("participant", team=0)
    with member.live() as socket:  # a new screen: its look reads no seq
        seq = socket.wait_synced()
    executed: list[tuple[str, CacheStats]] = []

    def noting(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        executed.append((statement, context.cache_hit))

    event.listen(db.engine, "after_cursor_execute", noting)
    try:
        with member.live(since=seq) as again:
            assert again.wait_synced() == seq
    finally:
        event.remove(db.engine, "after_cursor_execute", noting)
    looked = [hit for statement, hit in executed if "personsession" in statement or "race.seq" in statement]
    assert looked == [CacheStats.CACHE_HIT]  # who and the race's seq, in one statement


def test_a_change_rendered_between_the_first_look_and_the_attach_reaches_the_screen(
    join: Join, race: dict[str, Any], app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The look read the race before the change; the hub rendered it before the socket was there to get it."""
    between = BetweenLookAndAttach(app, monkeypatch)
    member = join("participant", "Snabb", team=0)
    staying = join("participant", "Kvar", team=0)
    with staying.live() as other:
        other.wait_synced()  # the hub renders for this team from now on, and remembers it
        with member.live() as socket:
            snapshot = socket.receive_text()
            seq = socket.wait_synced()

        def add_card(db: Database, token: str) -> int:
            viewer = people.viewer(db, token)
            assert viewer is not None
            cards.add(db, viewer, title="Mellan", body="", column="idea", key="k-between")
            return race_seq(db, token)

        between.change = add_card
        with member.live(since=seq) as again:
            post_cards(staying, race, 1, prefix="Efter")
            got = [again.receive_text()]
            while "Efter 0" not in got[-1]:
                got.append(again.receive_text())
    assert idea_titles([snapshot, *got]) == ["Mellan", "Efter 0"]
