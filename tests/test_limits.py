"""Limits: bodies over 64 KiB get 413, a flood from one person gets 429 while the others go on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from app import settings
from app.db import Database
from app.limits import TokenBucket
from app.models import Card
from tests.conftest import Join


def test_a_body_over_the_limit_is_refused_with_413(join: Join, race: dict[str, Any], db: Database) -> None:
    author = join("participant", team=0)
    response = author.htmx(f"/r/{race['slug']}/cards", {"title": "x", "body": "y" * 70_000, "column": "idea"})
    assert response.status_code == 413
    with db.read() as session:
        assert session.exec(select(Card)).all() == []


def test_a_streamed_body_over_the_limit_is_refused_too(join: Join, race: dict[str, Any]) -> None:
    author = join("participant", team=0)

    def chunks() -> Iterator[bytes]:
        yield b"title=x&column=idea&body="
        for _ in range(100):
            yield b"y" * 1024

    response = author.client.post(
        f"/r/{race['slug']}/cards",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    """Set a limit no machine is too slow to hit: five posts, then almost nothing."""
    monkeypatch.setattr(settings, "RATE_LIMIT_PER_SECOND", 0.01)
    monkeypatch.setattr(settings, "RATE_LIMIT_BURST", 5.0)


def test_a_flood_from_one_person_gets_429_and_the_others_are_served(
    join: Join, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    flooder = join("participant", "Flod", team=0)
    calm = join("participant", "Lugn", team=1)
    strict(monkeypatch)
    statuses = [
        flooder.htmx(
            f"/r/{race['slug']}/cards", {"title": f"F{n}", "column": "idea", "key": f"f{n}"}
        ).status_code
        for n in range(40)
    ]
    assert 429 in statuses
    refused = next(n for n, status in enumerate(statuses) if status == 429)
    assert all(status == 201 for status in statuses[:refused])
    answer = calm.htmx(f"/r/{race['slug']}/cards", {"title": "Lugnt", "column": "idea", "key": "calm"})
    assert answer.status_code == 201


def test_the_429_says_when_to_come_back(
    join: Join, race: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    flooder = join("participant", team=0)
    strict(monkeypatch)
    for n in range(60):
        response = flooder.htmx(
            f"/r/{race['slug']}/cards", {"title": f"F{n}", "column": "idea", "key": f"g{n}"}
        )
        if response.status_code == 429:
            assert int(response.headers["retry-after"]) >= 1
            return
    pytest.fail("no 429")


def test_the_bucket_refills_with_time() -> None:
    bucket = TokenBucket(rate=2, burst=3)
    assert [bucket.take("a", now=0) for _ in range(3)] == [0, 0, 0]
    assert bucket.take("a", now=0) > 0
    assert bucket.take("a", now=1) == 0  # two more tokens after a second
    assert bucket.take("b", now=0) == 0  # someone else is not held back
