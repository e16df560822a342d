"""Pick each request's language: the person's choice, else the cookie, else the browser's wish."""

from __future__ import annotations

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from app import i18n, settings

LANG_COOKIE = "kraftsamla_lang"
_LANG_COOKIE = LANG_COOKIE.encode()


def negotiate(scope: Scope) -> str:
    """Return the language a request asks for by cookie or Accept-Language."""
    cookie = wish = None
    # One pass over the headers, the first of each counting (as Starlette's Headers.get).
    for name, value in scope["headers"]:
        if name == b"cookie" and cookie is None:
            cookie = value
        elif name == b"accept-language" and wish is None:
            wish = value
    if cookie and _LANG_COOKIE in cookie:
        # Starlette's parser, as the session's (http.cookies.SimpleCookie was the stack's dearest step).
        chosen = cookie_parser(cookie.decode("latin-1")).get(LANG_COOKIE)
        if chosen in settings.LANGUAGES:
            return str(chosen)
    for part in (wish or b"").decode("latin-1").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in settings.LANGUAGES:
            return tag
    return settings.DEFAULT_LANG


class LanguageMiddleware:
    """Set the current language for the rest of the request; routes may refine it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            with i18n.language(negotiate(scope)):
                await self.app(scope, receive, send)
            return
        await self.app(scope, receive, send)
