"""The server's metrics in Prometheus's text format, for loopback and the addresses the operator allows.

Each process has its own (scrape every port). The hot paths only add to plain counters or observe one
histogram per render, write or post; sockets and presence are counted when scraped.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# From a millisecond to a few seconds: a render, a write, a post's answer.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """The metrics of one app: its registry, the histograms the app observes, and what is read at a scrape."""

    def __init__(self, hub: Any, online: Any, allowed: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry()

        def histogram(name: str, meaning: str) -> Histogram:
            return Histogram(name, meaning, buckets=BUCKETS, registry=self.registry)

        self.renders = histogram(
            "kraftsamla_render_seconds", "Renders of a race's changes for its audiences."
        )
        self.writes = histogram(
            "kraftsamla_write_seconds",
            "Write transactions, from their start (the write lock's wait too) to commit.",
        )
        self.posts = histogram(
            "kraftsamla_post_seconds",
            "Posts, from the request to the acknowledgement (sent after the commit).",
        )
        self.registry.register(_Live(hub, online))
        self.allowed: list[Network] = [ipaddress.ip_network(text.strip(), strict=False) for text in allowed]

    def allows(self, host: str | None) -> bool:
        """Return True for a client address on loopback or in an allowed network."""
        try:
            address = ipaddress.ip_address(host or "")
        except ValueError:
            return False
        return address.is_loopback or any(address in network for network in self.allowed)

    def text(self) -> bytes:
        """Return every metric in the text format."""
        return generate_latest(self.registry)


class _Live(Collector):
    """Sockets by role, frames and cut-offs, people online: read from the hub and presence when scraped."""

    def __init__(self, hub: Any, online: Any) -> None:
        self.hub = hub
        self.online = online

    def collect(self) -> Iterator[Any]:
        sockets = GaugeMetricFamily("kraftsamla_live_sockets", "Open live sockets, by role.", labels=["role"])
        by_role: dict[str, int] = {}
        for audience, count in self.hub.audience_sizes().items():
            role = audience.split(":", 1)[0]
            by_role[role] = by_role.get(role, 0) + count
        for role, count in sorted(by_role.items()):
            sockets.add_metric([role], count)
        yield sockets
        yield CounterMetricFamily(
            "kraftsamla_live_frames", "Frames handed to live sockets by the fan-out.", value=self.hub.frames
        )
        yield CounterMetricFamily(
            "kraftsamla_live_cut_offs",
            "Live sockets cut off because their queue overflowed (they reload a snapshot).",
            value=self.hub.cut_offs,
        )
        yield GaugeMetricFamily(
            "kraftsamla_people_online",
            "People with at least one live socket, over every race.",
            value=self.online(),
        )


class PostTimer:
    """Observe how long each post takes until its answer starts: the acknowledgement, sent after commit."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.metrics.posts.observe(time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, timed)
