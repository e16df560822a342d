"""HTTP and WebSocket routes: thin, they call services and render templates.

Each module ends with its ROUTES table; app.main joins the tables. The helpers say what a route answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.routing import Route, WebSocketRoute


def page(path: str, endpoint: Callable[..., Any], name: str) -> Route:
    """A page or a download: GET only."""
    return Route(path, endpoint, name=name)


def action(path: str, endpoint: Callable[..., Any], name: str) -> Route:
    """A form's address: POST only (Origin-checked; never a state change on GET)."""
    return Route(path, endpoint, methods=["POST"], name=name)


def form(path: str, endpoint: Callable[..., Any], name: str) -> Route:
    """A page that shows a form (GET) and takes it (POST)."""
    return Route(path, endpoint, methods=["GET", "POST"], name=name)


def socket(path: str, endpoint: Callable[..., Any], name: str) -> WebSocketRoute:
    """A WebSocket."""
    return WebSocketRoute(path, endpoint, name=name)
