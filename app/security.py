"""Forgery protection and response headers, as pure ASGI middleware."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import settings
from app.i18n import N_
from app.pages import refusal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)


# Added to every answer, made once.
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def own_origin(scope: Scope, headers: Headers | None = None) -> str | None:
    """Return the origin this request was addressed to (scheme and Host header)."""
    host = (headers or Headers(scope=scope)).get("host")
    if not host:
        return None
    scheme = {"ws": "http", "wss": "https"}.get(scope.get("scheme", "http"), scope.get("scheme", "http"))
    return f"{scheme}://{host}"


def origin_allowed(scope: Scope) -> bool:
    """Return whether the request's Origin (or Sec-Fetch-Site) says it came from this site."""
    headers = Headers(scope=scope)
    origin = headers.get("origin")
    if origin is not None:
        allowed = (own_origin(scope, headers), settings.PUBLIC_ORIGIN or None, *settings.ALLOWED_ORIGINS)
        return origin in allowed
    return headers.get("sec-fetch-site") in ("same-origin", "none")


class SecurityMiddleware:
    """Refuse cross-site writes and add the security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS and not origin_allowed(scope):
            message = N_("This came from another site, so it was refused. Open the page here and try again.")
            response = refusal(scope, 403, message)
            await response(scope, receive, send)
            return

        added = (*HEADERS, HSTS) if scope.get("scheme") == "https" or settings.COOKIE_SECURE else HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).extend(added)
            await send(message)

        await self.app(scope, receive, send_with_headers)
