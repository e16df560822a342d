"""HTTP and WebSocket routes: thin, they call services and render templates.

Each module ends with its ROUTES table; app.main joins the tables. The helpers say what a route answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route, WebSocketRoute

from app import settings
from app.routes.forms import path_id


class IdConvertor(Convertor[int]):
    """An id in a path: ASCII digits within 64 bits; a longer number is refused with 400."""

    regex = "[0-9]+"

    def convert(self, value: str) -> int:
        return path_id(value)

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


def redirect(request: Request, name: str, fragment: str = "", **params: Any) -> RedirectResponse:
    """Answer 303 to one of the site's pages by its path (a Host header is never sent back)."""
    return RedirectResponse(f"{request.app.url_path_for(name, **params)}{fragment}", status_code=303)


def absolute(request: Request, name: str, query: dict[str, str] | None = None, **params: Any) -> str:
    """Return a page's full address for a link read away from the site (a QR code, a printed sheet).

    The configured public origin; without one, the origin this request came to.
    """
    origin = settings.PUBLIC_ORIGIN or f"{request.url.scheme}://{request.url.netloc}"
    url = URL(f"{origin}{request.app.url_path_for(name, **params)}")
    return str(url.include_query_params(**query) if query else url)
