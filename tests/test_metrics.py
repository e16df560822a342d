"""/metrics: Prometheus's text format, to loopback and the allowed addresses only."""

from __future__ import annotations

import uuid

import httpx2 as httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.testclient import TestClient

from app.metrics import Metrics
from bench.interface import join
from bench.server import LocalServer
from live import Connection, Hub


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Return (sample name, labels) -> value of a scrape."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.mark.slow
def test_a_scrape_counts_sockets_frames_renders_writes_posts_and_people() -> None:
    with LocalServer() as server:
        race = server.create_race(name="Mätt")
        server.start()
        slug, team = race["slug"], race["teams"][0]["id"]
        with (
            join(server.base_url, slug, race["codes"]["participant"], "Mia", team) as person,
            join(server.base_url, slug, race["codes"]["wall"], "Väggen") as wall,
            person.live(),
            wall.live(),
        ):
            key = uuid.uuid4().hex
            posted = person.post(
                f"/r/{slug}/cards", {"title": "Mätbar idé", "body": "", "column": "idea", "key": key}
            )
            assert posted.status_code in (201, 303)
            wall.frame_with("Mätbar idé")
            scraped = httpx.get(f"{server.base_url}/metrics")
            assert scraped.status_code == 200
            assert scraped.headers["content-type"].startswith("text/plain; version=0.0.4")
            found = samples(scraped.text)
    assert found[("kraftsamla_live_sockets", (("role", "participant"),))] == 1
    assert found[("kraftsamla_live_sockets", (("role", "wall"),))] == 1
    assert found[("kraftsamla_people_online", ())] == 2
    assert found[("kraftsamla_live_frames_total", ())] >= 2  # the card, to the team and to the wall
    assert found[("kraftsamla_live_cut_offs_total", ())] == 0
    assert found[("kraftsamla_render_seconds_count", ())] >= 1
    assert found[("kraftsamla_write_seconds_count", ())] >= 3  # two joins, a team choice, the card
    assert found[("kraftsamla_post_seconds_count", ())] >= 4


@pytest.mark.slow
def test_a_proxied_client_is_refused_whatever_it_claims() -> None:
    with LocalServer() as server:
        server.start()
        # uvicorn believes the proxy on loopback: the client is the address nginx names, not loopback.
        proxied = httpx.get(f"{server.base_url}/metrics", headers={"x-forwarded-for": "203.0.113.5"})
        assert proxied.status_code == 403
        assert "kraftsamla_" not in proxied.text


@pytest.mark.parametrize(
    ("client", "allowed", "answer"),
    [
        ("127.0.0.1", (), 200),
        ("::1", (), 200),
        ("203.0.113.5", (), 403),
        ("10.1.2.3", ("10.0.0.0/8",), 200),
        ("10.1.2.3", ("192.168.1.7",), 403),
        ("testclient", ("10.0.0.0/8",), 403),
    ],
)
def test_only_loopback_and_allowed_addresses_read_them(
    db_url: str, client: str, allowed: tuple[str, ...], answer: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import settings
    from app.main import create_app

    monkeypatch.setattr(settings, "METRICS_ALLOW", list(allowed))
    app: Starlette = create_app(db_url)
    with TestClient(app, client=(client, 5000)) as browser:
        # A header claims nothing: only the address the server saw counts.
        response = browser.get("/metrics", headers={"x-forwarded-for": "127.0.0.1", "x-real-ip": "127.0.0.1"})
    assert response.status_code == answer


async def _nothing(_text: str) -> None:
    return None


async def _render(race_id: int, after: int, audiences: frozenset[str]) -> tuple[int, dict[str, str]]:
    return after, {}


def test_a_socket_cut_off_for_its_backlog_is_counted_once() -> None:
    hub = Hub(_render)
    conn = Connection(_nothing, max_messages=2)
    assert hub.attach(1, "wall:0:sv", conn)
    conn.catch_up(0, [])
    for seq in range(1, 8):
        conn.offer(seq, f"frame {seq}")
    assert conn.overflowed and hub.cut_offs == 1
    metrics = Metrics(hub, lambda: 0)
    assert samples(metrics.text().decode())[("kraftsamla_live_cut_offs_total", ())] == 1
