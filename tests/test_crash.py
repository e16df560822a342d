"""SIGKILL while people post: each acknowledged card survives once, the database stays intact."""

from __future__ import annotations

import pytest

from bench.crash import run
from tests.conftest import POSTGRES_URL

# It starts processes: left out of `make test-fast`.
pytestmark = pytest.mark.slow


@pytest.mark.skipif(bool(POSTGRES_URL), reason="the crash script checks the SQLite file")
def test_kill_restart_cycles_lose_nothing() -> None:
    figures = run(cycles=3, rate=40, connections=8, seconds=1.0, people=4)
    assert figures["acknowledged"] > 0
    assert figures["lost"] == 0
    assert figures["twice"] == 0
    assert figures["integrity"] == "ok"
    assert figures["clock_kept"]
    assert all(cycle["missing"] == 0 and cycle["integrity_check"] == "ok" for cycle in figures["cycles"])
