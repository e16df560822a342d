"""The worker threads share a few malloc arenas instead of one each (glibc)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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
