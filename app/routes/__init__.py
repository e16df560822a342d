"""HTTP and WebSocket routes: thin, they call services and render templates.

Each module ends with its ROUTES table; app.main joins the tables. The helpers say what a route answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import Route, WebSocketRoute

from app.routes.forms import number


class IdConvertor(Convertor[int]):
    """An id in a path: ASCII digits within 64 bits; a longer number is refused with 400."""

    regex = "[0-9]+"

    def convert(self, value: str) -> int:
        return number(value)

    def to_string(self, value: int) -> str:
        return str(value)


# Every `{name:int}` of the app is an id; Starlette's own convertor takes a number of any length. Registered
# before any route is made: a route compiles its path with the convertors known then.
register_url_convertor("int", IdConvertor())


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
