"""The worker threads share a few malloc arenas instead of one each (glibc), and they are few."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import anyio.to_thread
import pytest
from starlette.testclient import TestClient

from app import settings
from app.db import make_engine
from app.main import create_app
from app.memory import limit_arenas

ROOT = Path(__file__).resolve().parent.parent

# Eight threads allocate at the same moment (each would get an arena of its own), then the process counts
# glibc's thread arenas: each lives at the start of a 64 MiB-aligned anonymous mapping.
PROBE = """
import sys, threading
from app.memory import limit_arenas
print(limit_arenas(int(sys.argv[1])))
together = threading.Barrier(8)
def work():
    together.wait()
    held = [bytearray(200_000) for _ in range(20)]
    together.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
heaps = 0
for line in open("/proc/self/maps"):
    fields = line.split()
    if len(fields) == 5 and int(fields[0].split("-")[0], 16) % (64 << 20) == 0:
        heaps += 1
print(heaps)
"""


def arenas(limit: int) -> tuple[bool, int]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(limit)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    applied, heaps = done.stdout.split()
    return applied == "True", int(heaps)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="glibc arenas, counted from /proc")
def test_two_arenas_serve_eight_threads() -> None:
    applied, heaps = arenas(2)
    if not applied:
        pytest.skip("not glibc: mallopt has no arena limit here")
    assert heaps <= 1  # the main arena and one more
    applied, heaps = arenas(0)
    assert not applied and heaps > 1  # glibc's default: one each, up to eight per core


def test_zero_leaves_the_default() -> None:
    assert limit_arenas(0) is False


async def _thread_tokens() -> float:
    return anyio.to_thread.current_default_thread_limiter().total_tokens


def test_the_served_app_runs_blocking_work_on_the_configured_threads(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "WORKER_THREADS", 3)
    app = create_app(db_url)
    try:
        with TestClient(app) as client:
            assert client.portal.call(_thread_tokens) == 3  # anyio's default would be 40
            assert client.get("/healthz").json()["ok"] is True  # and the work still runs on them
    finally:
        app.state.db.dispose()


def test_sqlite_keeps_one_connection_per_worker_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "WORKER_THREADS", 5)
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    try:
        held = [engine.connect() for _ in range(7)]  # a thread may hold two: more open, beyond those kept
        for conn in held:
            conn.close()
        assert engine.pool.size() == 5
        assert engine.pool.checkedin() == 5  # the two over the pool's size were closed on their return
    finally:
        engine.dispose()
