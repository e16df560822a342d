"""How the server asks the C library for memory: few malloc arenas for its worker threads.

glibc gives each thread that allocates its own arena, up to eight per core, and an arena keeps the high-water
mark of what its thread once held. The worker threads render snapshots and pages in turn under the
interpreter lock, so they gain nothing from arenas of their own: measured with 500 screens opened the way
`make bench` opens them, two arenas kept the server 14 MB smaller (158 -> 144 MB, 50 -> 42 KiB per screen).
"""

from __future__ import annotations

import ctypes

# mallopt's parameter for the largest number of arenas (glibc's malloc.h).
M_ARENA_MAX = -8


def limit_arenas(count: int) -> bool:
    """Use at most `count` malloc arenas from now on; False when not set (0, or no glibc here)."""
    if count <= 0:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs on
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, count))
