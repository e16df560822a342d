"""Pick each request's language: the person's choice, else the cookie, else the browser's wish."""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app import i18n, settings

LANG_COOKIE = "kraftsamla_lang"


def negotiate(scope: Scope) -> str:
    """Return the language a request asks for by cookie or Accept-Language."""
    headers = Headers(scope=scope)
    cookie = SimpleCookie(headers.get("cookie", ""))
    if LANG_COOKIE in cookie and cookie[LANG_COOKIE].value in settings.LANGUAGES:
        return cookie[LANG_COOKIE].value
    for part in headers.get("accept-language", "").split(","):
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
