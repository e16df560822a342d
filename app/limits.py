"""Limits on what one request or one person may send: body size and the rate of posts."""

from __future__ import annotations

import threading
import time
from collections import deque
from http.cookies import SimpleCookie

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n, settings
from app.language import negotiate

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyTooLarge(Exception):
    """The request body went past the limit while it was being read."""


class BodyLimitMiddleware:
    """Answer 413 to a body over the limit, whether it says its length or streams it."""

    def __init__(self, app: ASGIApp, limit: int | None = None) -> None:
        self.app = app
        self.limit = limit or settings.MAX_BODY_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _refuse(scope, receive, send, 413, "The request is too large.")
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracking)
        except BodyTooLarge:
            if not started:
                await _refuse(scope, receive, send, 413, "The request is too large.")


class TokenBucket:
    """Allow `rate` events per second with bursts of `burst`, per key; forget idle keys."""

    def __init__(self, rate: float, burst: float, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, now: float | None = None) -> float:
        """Spend one token; return 0 when allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate
        self._buckets[key] = (tokens - 1, now)
        if len(self._buckets) > self.max_keys:
            # A flood of new keys: drop the fullest (idle) buckets first.
            for stale in [key for key, (level, _) in self._buckets.items() if level >= self.burst - 1][:1000]:
                del self._buckets[stale]
        return 0.0


class RateLimitMiddleware:
    """Answer 429 to a person (their session, else their address) posting faster than people do."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.bucket = TokenBucket(settings.RATE_LIMIT_PER_SECOND, settings.RATE_LIMIT_BURST)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in SAFE_METHODS
            and settings.RATE_LIMIT_PER_SECOND > 0
        ):
            # Read each time, so the limit can be changed while the process runs (and in tests).
            self.bucket.rate, self.bucket.burst = settings.RATE_LIMIT_PER_SECOND, settings.RATE_LIMIT_BURST
            wait = self.bucket.take(_who(scope))
            if wait > 0:
                await _refuse(
                    scope, receive, send, 429, "Too many requests: wait a moment and try again.", wait
                )
                return
        await self.app(scope, receive, send)


def _who(scope: Scope) -> str:
    cookie = SimpleCookie(Headers(scope=scope).get("cookie", ""))
    if "kraftsamla" in cookie:
        return "s:" + cookie["kraftsamla"].value[-40:]
    client = scope.get("client")
    return "a:" + (client[0] if client else "?")


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, message: str, retry_after: float | None = None
) -> None:
    with i18n.language(negotiate(scope)):
        text = i18n.gettext(message)
    headers = {"retry-after": str(max(1, round(retry_after)))} if retry_after else None
    await PlainTextResponse(text, status_code=status, headers=headers)(scope, receive, send)


class SignInLimits:
    """Wrong organiser passwords, counted per account and per client address within a sliding window.

    Past either limit, every attempt for that account or from that address is refused until the oldest
    failure leaves the window, right password or not, so a refusal never tells whether a guess was right.
    """

    def __init__(self, max_keys: int = 100_000) -> None:
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _limits(self) -> tuple[tuple[str, int], tuple[str, int]]:
        return ("e:", settings.SIGN_IN_FAILURES_PER_ACCOUNT), ("a:", settings.SIGN_IN_FAILURES_PER_ADDRESS)

    def wait(self, account: str, address: str, now: float | None = None) -> float:
        """Return the seconds until this account may be tried from this address (0: now)."""
        now = time.monotonic() if now is None else now
        window = settings.SIGN_IN_WINDOW_S
        longest = 0.0
        with self._lock:
            for (prefix, limit), key in zip(self._limits(), (account, address), strict=True):
                failures = self._recent(prefix + key, now - window)
                if limit > 0 and len(failures) >= limit:
                    longest = max(longest, failures[-limit] + window - now)
        return longest

    def failed(self, account: str, address: str, now: float | None = None) -> None:
        """Count one wrong password for the account and the address."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._failures) >= self.max_keys:
                cutoff = now - settings.SIGN_IN_WINDOW_S
                for key in [key for key, times in self._failures.items() if not times or times[-1] < cutoff]:
                    del self._failures[key]
            for prefix, key in (("e:", account), ("a:", address)):
                self._failures.setdefault(prefix + key, deque(maxlen=1000)).append(now)

    def _recent(self, key: str, cutoff: float) -> deque[float]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= cutoff:
            failures.popleft()
        return failures
