"""The live socket: a card reaches its team, the facilitators and the wall, and nobody else."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlmodel import select
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from app import settings
from app.db import Database
from app.models import Card
from app.routes.live import _stream
from bench.server import LocalServer
from live import Connection
from tests.conftest import Join, apply_frame, oob_ids, soup
from tests.helpers import seq_of


def test_connect_sends_a_snapshot_of_every_region(join: Join) -> None:
    member = join("participant", team=0)
    with member.live() as socket:
        frame = socket.receive_text()
    assert {"clock", "team", "col-need", "col-idea", "col-next"} <= oob_ids(frame)
    assert seq_of(frame) > 0


@pytest.mark.parametrize(
    ("role", "regions"),
    [
        (
            "facilitator",
            {
                "clock",
                "announcement",
                "agenda",
                "challenges",
                "announcements",
                "fac-queue",
                "spotlight",
                "prep",
                "teams",
                "team-choice",
                "roster",
                "feed",
                "jury",
                "top-cards",
                "day",
                "codes",
                "planned-start",
                "gallery-control",
            },
        ),
        (
            "wall",
            {
                "clock",
                "announcement",
                "wall-ranking",
                "wall-teams",
                "wall-join",
                "wall-cards",
                "wall-queue",
                "wall-spotlight",
                "wall-top",
                "day",
            },
        ),
        ("expert", {"clock", "announcement", "day", "requests", "my-requests"}),
        ("jury", {"clock", "announcement", "day", "jury-mine"}),
    ],
)
def test_each_role_gets_its_regions(join: Join, role: str, regions: set[str]) -> None:
    with join(role).live() as socket:
        assert oob_ids(socket.receive_text()) == regions


def test_a_card_reaches_its_team_the_facilitator_and_the_wall_only(join: Join, race: dict[str, Any]) -> None:
    author = join("participant", "Alva", team=0)
    mate = join("participant", "Bo", team=0)
    other = join("participant", "Cia", team=1)
    facilitator = join("facilitator", "Fia")
    wall = join("wall", "")
    title = "Återvinningsbar skruv <b>nu</b>"
    sockets = [p.live() for p in (author, mate, other, facilitator, wall)]
    with (
        sockets[0] as s_author,
        sockets[1] as s_mate,
        sockets[2] as s_other,
        sockets[3] as s_fac,
        sockets[4] as s_wall,
    ):
        for socket in (s_author, s_mate, s_other, s_fac, s_wall):
            socket.receive_text()  # snapshot
        response = author.htmx(
            f"/r/{race['slug']}/cards", {"title": title, "body": "", "column": "idea", "key": "k-1"}
        )
        assert response.status_code == 201
        for socket, region in (
            (s_author, "col-idea-count"),
            (s_mate, "col-idea-count"),
            (s_fac, "feed"),
            (s_wall, "wall-cards"),
        ):
            frame = socket.receive_text()
            page = soup(frame)
            assert region in oob_ids(frame)
            assert title in page.get_text()
            assert page.find("b") is None  # the markup arrived as text
            assert "&lt;b&gt;nu&lt;/b&gt;" in frame
        # The other team's next frame is the phase change everyone gets (clock, board state), not the card.
        start = facilitator.post(f"/r/{race['slug']}/phases/{race['phases'][0]['id']}/start")
        assert start.status_code == 303
        frame = s_other.receive_text()
        assert oob_ids(frame) == {"clock", "day", "board-state", "team-requests", "team"}
        assert title not in frame


def test_the_same_key_twice_makes_one_card(join: Join, race: dict[str, Any], db: Database) -> None:
    author = join("participant", team=0)
    form = {"title": "En idé", "body": "", "column": "need", "key": "same-key"}
    first = author.htmx(f"/r/{race['slug']}/cards", form)
    second = author.htmx(f"/r/{race['slug']}/cards", form)
    assert first.status_code == second.status_code == 201
    with db.read() as session:
        assert len(session.exec(select(Card)).all()) == 1


def test_another_persons_key_is_refused(join: Join, race: dict[str, Any], db: Database) -> None:
    form = {"title": "En idé", "body": "", "column": "need", "key": "shared"}
    assert join("participant", "A", team=0).htmx(f"/r/{race['slug']}/cards", form).status_code == 201
    assert join("participant", "B", team=0).htmx(f"/r/{race['slug']}/cards", form).status_code == 409


def test_reconnecting_at_the_current_seq_sends_nothing_until_a_change(
    join: Join, race: dict[str, Any]
) -> None:
    member = join("participant", team=0)
    facilitator = join("facilitator")
    with member.live() as socket:
        seq = seq_of(socket.receive_text())
    with member.live(since=seq) as socket:
        facilitator.post(f"/r/{race['slug']}/phases/{race['phases'][0]['id']}/start")
        frame = socket.receive_text()
        assert oob_ids(frame) == {"clock", "day", "board-state", "team-requests", "team"}
        assert seq_of(frame) > seq


def test_reconnecting_behind_gets_what_it_missed(join: Join, race: dict[str, Any]) -> None:
    member = join("participant", team=0)
    with member.live() as socket:
        page = soup(socket.receive_text())
    for number in range(3):
        member.htmx(
            f"/r/{race['slug']}/cards", {"title": f"Kort {number}", "column": "idea", "key": f"k{number}"}
        )
    with member.live(since=seq_of(str(page))) as socket:
        apply_frame(page, socket.receive_text())
    cards = page.select("#col-idea .card h3")
    assert [card.get_text() for card in cards] == ["Kort 0", "Kort 1", "Kort 2"]


def test_a_socket_without_a_session_is_closed(app_client: TestClient, race: dict[str, Any]) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        app_client.websocket_connect(f"/r/{race['slug']}/live") as socket,
    ):
        socket.receive_text()
    assert closed.value.code == 1008


def test_a_socket_from_a_foreign_origin_is_closed(join: Join) -> None:
    member = join("participant", team=0)
    url = f"/r/{member.slug}/live"
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        member.client.websocket_connect(url, headers={"origin": "https://evil.example"}) as socket,
    ):
        socket.receive_text()
    assert closed.value.code == 1008


def test_a_socket_of_another_race_is_closed(join: Join, db: Database) -> None:
    from app.services import races

    other = races.create_race(db, "Annat race", teams=1)
    member = join("participant", team=0)
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        member.client.websocket_connect(f"/r/{other['slug']}/live") as socket,
    ):
        socket.receive_text()
    assert closed.value.code == 1008


def test_clock_probes_are_answered_with_server_time(join: Join) -> None:
    with join("wall").live() as socket:
        socket.receive_text()
        socket.send_json({"type": "time", "client": 1234.5})
        answer = socket.receive_json()
    assert answer["type"] == "time" and answer["client"] == 1234.5
    assert isinstance(answer["server"], int)


def test_a_garbage_message_is_ignored(join: Join, race: dict[str, Any]) -> None:
    wall = join("wall")
    with wall.live() as socket:
        socket.receive_text()
        socket.send_text("not json")
        socket.send_json({"type": "time", "client": "x"})
        socket.send_json({"type": "time", "client": 1})
        assert socket.receive_json()["client"] == 1


def test_the_server_says_when_a_screen_is_caught_up(join: Join, race: dict[str, Any]) -> None:
    member = join("participant", team=0)
    with member.live() as socket:
        seq = seq_of(socket.receive_text())
        assert socket.wait_synced() == seq
    with member.live(since=seq) as socket:
        assert socket.wait_synced() == seq  # nothing to send, but it is told it is live


def test_a_snapshot_bigger_than_the_queue_bound_still_brings_the_screen_live(
    join: Join, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A facilitator's snapshot holds the roster (1.4 MB with 500 people in 50 teams, 5 MB with 1,000 in 100,
    # over the 4 MiB default bound): the bound must not keep the screen from ever catching up.
    monkeypatch.setattr(settings, "LIVE_QUEUE_BYTES", 1000)
    with join("facilitator").live() as socket:
        frame = socket.receive_text()
        assert len(frame) > 1000
        assert "roster" in oob_ids(frame)
        assert socket.wait_synced() == seq_of(frame)


class Unread:
    """A socket the screen never writes to: its reader waits until cancelled, and notes when it has ended."""

    def __init__(self) -> None:
        self.closed_with: int | None = None
        self.reading = asyncio.Event()
        self.reader_ended = False

    async def receive(self) -> dict[str, Any]:
        self.reading.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.reader_ended = True
        raise AssertionError("unreachable")

    async def close(self, code: int) -> None:
        self.closed_with = code


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_socket_cut_off_by_the_server_ends_its_reader_before_its_handler_returns(
    anyio_backend: str,
) -> None:
    socket = Unread()

    async def send(text: str) -> None:
        pass  # nothing is sent before the cut

    conn = Connection(send)

    async def handler() -> bool:
        await _stream(socket, conn)  # type: ignore[arg-type]
        return socket.reader_ended  # as the handler returns, not a loop turn later

    streaming = asyncio.get_running_loop().create_task(handler())
    await socket.reading.wait()
    conn.cut(1008)
    assert await streaming
    assert socket.closed_with == 1008


@pytest.mark.slow
def test_a_real_server_refuses_a_socket_with_close_1008_not_an_http_error() -> None:
    """Refused before the handshake, uvicorn would answer 403 and the page would only see 1006."""
    with LocalServer() as server:
        race = server.create_race("Uttag", teams=1)
        server.start()
        url = server.base_url.replace("http", "ws", 1) + f"/r/{race['slug']}/live"
        for origin in (server.base_url, "https://evil.example"):
            with (
                connect(url, origin=origin) as socket,  # type: ignore[arg-type]
                pytest.raises(ConnectionClosed) as closed,
            ):
                socket.recv(timeout=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        assert server.errors() == []
