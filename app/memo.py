"""Values read once per render: the regions of one render that need the same rows share one read."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar, cast

T = TypeVar("T")

# The memo of the render under way in this thread (a render runs in one worker thread, start to end).
_current: ContextVar[dict[Hashable, Any] | None] = ContextVar("kraftsamla_render_memo", default=None)


@contextmanager
def render_scope() -> Iterator[None]:
    """Let what is read inside be read once (see `once`), until the block ends."""
    token = _current.set({})
    try:
        yield
    finally:
        _current.reset(token)


def once(key: Hashable, load: Callable[[], T]) -> T:
    """Return `load()`, read once per render scope under `key` (every time outside one)."""
    memo = _current.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return cast(T, memo[key])


def known(key: Hashable) -> Any | None:
    """Return what this render scope has read under `key` already, or None."""
    memo = _current.get()
    return None if memo is None else memo.get(key)
