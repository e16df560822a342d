"""Scale-out on PostgreSQL: two server processes, one race, nothing lost, sequence numbers gapless."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy.engine.url import make_url

from bench.interface import Screen, join
from bench.server import LocalServer
from live.backplane import listener_name
from tests.conftest import POSTGRES_URL, _postgres_admin, apply_frame, soup

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not POSTGRES_URL, reason="set KRAFTSAMLA_TEST_POSTGRES_URL to run on PostgreSQL"),
]


def titles_in_order(screen: Screen, prefix: str, count: int) -> list[str]:
    """Apply frames to the screen's snapshot until its idea column shows `count` cards with the prefix;
    return their titles in the order shown."""
    page = soup(screen.frames[0])
    while True:
        apply_frame(page, screen.next_frame())
        cards = page.select("#col-idea .card h3")
        titles = [h3.get_text() for h3 in cards if h3.get_text().startswith(prefix)]
        if len(titles) >= count:
            return titles


@contextmanager
def reading_and_writing(
    race: dict[str, Any], reading: LocalServer, writing: LocalServer
) -> Iterator[tuple[Screen, Screen]]:
    """Join the race's first team on one server with a live screen open, and on the other to write."""
    slug, team, code = race["slug"], race["teams"][0]["id"], race["codes"]["participant"]
    with (
        join(reading.base_url, slug, code, "Läsare", team) as reader,
        join(writing.base_url, slug, code, "Skribent", team) as writer,
        reader.live() as screen,
    ):
        yield screen, writer


def post_ten_cards_and_see_them_in_order(writer: Screen, screen: Screen, prefix: str) -> None:
    """Post ten idea cards titled prefix0 to prefix9; the screen shows them all, in that order."""
    for number in range(10):
        form = {"title": f"{prefix}{number}", "column": "idea", "key": uuid.uuid4().hex}
        assert writer.post(f"/r/{writer.slug}/cards", form).status_code == 303
    assert titles_in_order(screen, prefix, 10) == [f"{prefix}{n}" for n in range(10)]


def rows(url: str, query: str, *params: Any) -> list[Any]:
    """Return the rows a query finds in the servers' database."""
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        return conn.execute(query, params).fetchall()


def test_a_screen_on_one_process_sees_cards_posted_to_the_other_in_order(
    two_servers: tuple[LocalServer, LocalServer, str],
) -> None:
    first, second, _ = two_servers
    with reading_and_writing(first.create_race(name="Två processer"), first, second) as (screen, writer):
        post_ten_cards_and_see_them_in_order(writer, screen, "P2-")


def test_killing_a_listening_connection_loses_nothing(
    two_servers: tuple[LocalServer, LocalServer, str],
) -> None:
    first, second, _ = two_servers
    with reading_and_writing(first.create_race(name="Avbrott"), second, first) as (screen, writer):
        with _postgres_admin() as admin:
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                (listener_name(second.pid),),
            ).fetchall()
        assert killed == [(True,)]
        post_ten_cards_and_see_them_in_order(writer, screen, "K-")


def test_sequence_numbers_stay_gapless_and_unique_with_writers_on_both(
    two_servers: tuple[LocalServer, LocalServer, str],
) -> None:
    first, second, url = two_servers
    race = first.create_race(name="Samtidigt", teams=4)
    slug, code = race["slug"], race["codes"]["participant"]
    writers = [
        join(server.base_url, slug, code, f"W{index}", race["teams"][index % 4]["id"])
        for index, server in enumerate([first, second] * 4)
    ]
    errors: list[Any] = []

    def post_many(writer: Screen) -> None:
        for number in range(15):
            answer = writer.post(
                f"/r/{slug}/cards", {"title": f"S{number}", "column": "need", "key": uuid.uuid4().hex}
            )
            if answer.status_code != 303:
                errors.append(answer.status_code)

    threads = [threading.Thread(target=post_many, args=(writer,)) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for writer in writers:
        writer.http.close()
    assert errors == []
    query = "SELECT e.seq FROM event e JOIN race r ON r.id = e.race_id WHERE r.slug = %s ORDER BY e.seq"
    seqs = [row[0] for row in rows(url, query, slug)]
    last = rows(url, "SELECT seq FROM race WHERE slug = %s", slug)
    assert seqs == list(range(1, len(seqs) + 1))
    assert last == [(len(seqs),)]
    assert len(seqs) >= 8 * 15


def _closed_code(screen: Screen) -> int | None:
    """Read frames until the server closes the socket; return its close code (a timeout fails the test)."""
    from websockets.exceptions import ConnectionClosed

    try:
        while True:
            screen.next_frame()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


def test_signing_out_on_one_process_closes_the_screens_on_the_other(
    two_servers: tuple[LocalServer, LocalServer, str],
) -> None:
    first, second, _ = two_servers
    race = first.create_race(name="Utloggning")
    slug, team, code = race["slug"], race["teams"][0]["id"], race["codes"]["participant"]
    with (
        join(first.base_url, slug, code, "Går", team) as leaving,
        join(first.base_url, slug, code, "Stannar", team) as staying,
    ):
        # The same browser (its cookie) with a screen open on the second process, which knows who it is.
        elsewhere = Screen(second.base_url, slug, leaving.http)
        # A second tab keeps the cookie that the sign-out's answer clears in the first.
        tab = httpx.Client(cookies=dict(leaving.http.cookies.items()), follow_redirects=False)
        assert tab.get(f"{second.base_url}/r/{slug}").status_code == 200
        with elsewhere.live() as gone, Screen(second.base_url, slug, staying.http).live() as kept:
            assert leaving.post("/leave", {}).status_code == 303
            assert _closed_code(gone) == 1008
            # The second process forgot the session as it heard of the sign-out (before the close).
            assert tab.get(f"{second.base_url}/r/{slug}").status_code == 303
            # The team-mate's screen on the same process stays open and still gets the board.
            form = {"title": "Efter utloggningen", "column": "idea", "key": uuid.uuid4().hex}
            assert staying.post(f"/r/{slug}/cards", form).status_code == 303
            assert "Efter utloggningen" in kept.frame_with("Efter utloggningen")
        tab.close()


def test_erasing_a_person_on_one_process_closes_their_screens_on_the_other(
    two_servers: tuple[LocalServer, LocalServer, str],
) -> None:
    first, second, url = two_servers
    race = first.create_race(name="Radering")
    slug, team, codes = race["slug"], race["teams"][0]["id"], race["codes"]
    with (
        join(second.base_url, slug, codes["participant"], "Raderas", team) as erased,
        join(first.base_url, slug, codes["facilitator"], "Fia") as facilitator,
    ):
        query = "SELECT p.id FROM person p JOIN race r ON r.id = p.race_id WHERE r.slug = %s AND p.name = %s"
        found = rows(url, query, slug, "Raderas")
        assert len(found) == 1
        with erased.live() as screen:
            answer = facilitator.post(f"/r/{slug}/review/people/{found[0][0]}/erase", {"confirm": "yes"})
            assert answer.status_code == 303, answer.text
            assert _closed_code(screen) == 1008


def test_moving_a_person_on_one_process_closes_their_screens_on_the_other(
    two_servers: tuple[LocalServer, LocalServer, str],
) -> None:
    """The move is made on the first process; the moved person's screen on the second closes before the old
    team's next card reaches it (each process's hub closes a moved person's sockets as it renders a move)."""
    first, second, url = two_servers
    race = first.create_race(name="Flytt")
    slug, codes = race["slug"], race["codes"]
    old, new = race["teams"][0]["id"], race["teams"][1]["id"]
    with (
        join(second.base_url, slug, codes["participant"], "Flyttas", old) as moved,
        join(first.base_url, slug, codes["participant"], "Stannar", old) as mate,
        join(first.base_url, slug, codes["facilitator"], "Fia") as facilitator,
    ):
        query = "SELECT p.id FROM person p JOIN race r ON r.id = p.race_id WHERE r.slug = %s AND p.name = %s"
        person_id = rows(url, query, slug, "Flyttas")[0][0]
        assert moved.http.get(f"{second.base_url}/r/{slug}").status_code == 200
        with moved.live() as screen:
            answer = facilitator.post(f"/r/{slug}/people/{person_id}/team", {"team": new})
            assert answer.status_code == 303, answer.text
            form = {"title": "Bara för det gamla laget", "column": "idea", "key": uuid.uuid4().hex}
            assert mate.post(f"/r/{slug}/cards", form).status_code == 303
            assert _closed_code(screen) == 1008
            assert all("Bara för det gamla laget" not in frame for frame in screen.frames)
        # The second process, which knew them in the old team, writes for the new one.
        form = {"title": "I det nya laget", "column": "idea", "key": uuid.uuid4().hex}
        assert moved.post(f"/r/{slug}/cards", form).status_code == 303
        query = "SELECT c.team_id FROM card c WHERE c.title = %s"
        assert rows(url, query, "I det nya laget") == [(new,)]
