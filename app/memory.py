"""How the server keeps its memory small: few malloc arenas, and few worker threads.

glibc gives each thread that allocates its own arena, up to eight per core, and an arena keeps the high-water
mark of what its thread once held. The worker threads render snapshots and pages in turn under the
interpreter lock, so they gain nothing from arenas of their own.

For the same reason the server needs few worker threads: as many renders in flight at once leave their
working memory at that peak in pymalloc's arenas, partly empty, with the threads' stacks and their SQLite
connections (each with its own page cache). The figures are in docs/performance.md ("Figures moved from the
code").
"""

from __future__ import annotations

import ctypes

import anyio.to_thread

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


def limit_threads(count: int) -> None:
    """Run blocking work (`run_in_threadpool`) on at most `count` threads; call on the running event loop."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = count
