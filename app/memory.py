"""How the server keeps its memory small: few malloc arenas, and few worker threads.

glibc gives each thread that allocates its own arena, up to eight per core, and an arena keeps the high-water
mark of what its thread once held. The worker threads render snapshots and pages in turn under the
interpreter lock, so they gain nothing from arenas of their own: measured with 500 screens opened the way
`make bench` opens them, two arenas kept the server 14 MB smaller (158 -> 144 MB, 50 -> 42 KiB per screen).

For the same reason the server needs few worker threads. With anyio's default of 40, screens opening fifty
at a time had up to 40 snapshot renders in flight at once: their working memory at that peak stays in
pymalloc's arenas, partly empty, and the threads' stacks and their SQLite connections (each with its own
page cache, up to 2 MB) stay too. `make bench`'s first 90 screens after its warm-up grew the server by
49-155 KiB each with 40 threads and by 31-62 KiB with 16 (four runs each, on a loaded machine); a
reconnect storm of 1,000 screens was no slower (4.0-6.6 s with 40 threads, 4.7-5.6 s with 16).
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
