"""Limits on what one request, one person or one address may send: body size, posts, join codes, intake."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n, numbers, settings, templating
from app.auth import current_viewer
from app.language import negotiate
from app.pages import TITLES

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Joins have limits of their own (JoinLimits): a room shares one address, and a join has no session yet.
OWN_LIMITS = frozenset({"/join"})
TOO_LARGE = i18n.N_("What you sent is too large.")
TOO_MANY = i18n.N_("Too many requests. Try again in %(seconds)s s.")
TOO_MANY_JOINS = i18n.N_("Too many join attempts from your network. Try again in %(seconds)s s.")
T = TypeVar("T")


class BodyTooLarge(Exception):
    """The request body went past the limit while it was being read."""


class Throttled(Exception):
    """An address (or a person) is held back: try again after `seconds`."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"held back for {wait:.1f} s")
        self.seconds = whole_seconds(wait)


def whole_seconds(wait: float) -> int:
    """Return a wait in whole seconds, as Retry-After says it (at least one)."""
    return max(1, math.ceil(wait))


class TokenBucket:
    """Allow `rate` events per second with bursts of `burst`, per key; forget idle keys. Thread-safe."""

    def __init__(self, rate: float, burst: float, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _level(self, key: str, now: float) -> float:
        tokens, last = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - last) * self.rate)

    def wait(self, key: str, now: float | None = None) -> float:
        """Return the seconds until `key` may spend a token (0: now), spending nothing."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens = self._level(key, now)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def take(self, key: str, now: float | None = None) -> float:
        """Spend one token; return 0 when allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens = self._level(key, now)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return (1 - tokens) / self.rate
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > self.max_keys:
                # A flood of new keys: drop the fullest (idle) buckets first.
                full = [key for key, (level, _) in self._buckets.items() if level >= self.burst - 1]
                for stale in full[:1000]:
                    del self._buckets[stale]
            return 0.0

    def empty(self, key: str, now: float | None = None) -> None:
        """Spend every token of `key`: it waits a whole refill."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._buckets[key] = (0.0, now)


def per_second(per_minute: float) -> float:
    return per_minute / 60


class JoinLimits:
    """Who may try a join code now.

    Wrong codes are limited per client address, and for all addresses together (a wrong code is a guess at
    every race's codes at once): past the shared budget, an address that guesses wrong is held back for a
    whole refill. Valid joins are not limited per address below a ceiling far above any room (a room
    shares one address). While an address is held back, every join attempt from it is refused, valid or
    not, so a refusal never tells a right code from a wrong one.
    """

    def __init__(self) -> None:
        self.failures = TokenBucket(
            per_second(settings.JOIN_FAILURES_PER_MINUTE), settings.JOIN_FAILURES_BURST
        )
        self.guesses = TokenBucket(per_second(settings.JOIN_GUESSES_PER_MINUTE), settings.JOIN_GUESSES_BURST)
        self.joins = TokenBucket(per_second(settings.JOIN_CEILING_PER_MINUTE), settings.JOIN_CEILING_BURST)

    def attempt(self, address: str, join: Callable[[], T], wrong: type[Exception]) -> T:
        """Run one join attempt from an address, or raise Throttled; count it when it raises `wrong`."""
        wait = max(self._wait(self.failures, address), self._wait(self.joins, address))
        if wait > 0:
            raise Throttled(wait)
        try:
            joined = join()
        except wrong:
            if self.failures.rate > 0:
                self.failures.take(address)
                if self.guesses.rate > 0 and self.guesses.take("every race") > 0:
                    self.failures.empty(address)
            raise
        if self.joins.rate > 0:
            self.joins.take(address)
        return joined

    @staticmethod
    def _wait(bucket: TokenBucket, address: str) -> float:
        return bucket.wait(address) if bucket.rate > 0 else 0.0


class IntakeLimits:
    """Needs a company may send through the public intake, per client address."""

    def __init__(self) -> None:
        self.sent = TokenBucket(settings.INTAKE_PER_HOUR / 3600, settings.INTAKE_BURST)

    def attempt(self, address: str, send: Callable[[], T]) -> T:
        """Store one submission from an address, or raise Throttled."""
        if self.sent.rate > 0:
            wait = self.sent.take(address)
            if wait > 0:
                raise Throttled(wait)
        return send()


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


class Limits:
    """The limits that outlive a request: joins and intake per address, organisers' sign-ins."""

    def __init__(self) -> None:
        self.joins = JoinLimits()
        self.intake = IntakeLimits()
        self.sign_in = SignInLimits()


def client_address(scope: Scope) -> str:
    """Return the client's address: the socket's peer, or what the trusted proxy in front of us says it is."""
    client = scope.get("client")
    return client[0] if client else "?"


class BodyLimitMiddleware:
    """Answer 413 to a body over the limit, whether it says its length or streams it."""

    def __init__(self, app: ASGIApp, limit: int | None = None) -> None:
        self.app = app
        self.limit = limit or settings.MAX_BODY_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        length = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        if length is not None and not _within(length.decode("latin-1"), self.limit):
            await refuse(scope, receive, send, 413, TOO_LARGE)
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
                await refuse(scope, receive, send, 413, TOO_LARGE)


def _within(length: str, limit: int) -> bool:
    try:
        return 0 <= numbers.whole(length) <= limit
    except ValueError:
        return False


class RateLimitMiddleware:
    """Answer 429 to a person posting faster than people do: their verified session, else their address.

    A session counts only when its signed cookie names a live session (the route reuses that look-up); any
    other cookie, made up or ended, counts as its address.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.bucket = TokenBucket(settings.RATE_LIMIT_PER_SECOND, settings.RATE_LIMIT_BURST)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in SAFE_METHODS
            and scope["path"] not in OWN_LIMITS
            and settings.RATE_LIMIT_PER_SECOND > 0
        ):
            # Read each time, so the limit can be changed while the process runs (and in tests).
            self.bucket.rate, self.bucket.burst = settings.RATE_LIMIT_PER_SECOND, settings.RATE_LIMIT_BURST
            wait = self.bucket.take(await self._who(scope))
            if wait > 0:
                await refuse(scope, receive, send, 429, TOO_MANY, wait)
                return
        await self.app(scope, receive, send)

    async def _who(self, scope: Scope) -> str:
        viewer = await current_viewer(HTTPConnection(scope))
        if viewer is not None:
            return f"p:{viewer.person_id}"
        return "a:" + client_address(scope)


def back_from(scope: Scope) -> str:
    """Return where a refused request's person goes back to: their race's screen, the intake, or the start."""
    parts = scope.get("path", "/").split("/")
    app = scope["app"]
    if len(parts) > 2 and parts[1] in ("r", "intake") and parts[2]:
        return str(app.url_path_for("race", slug=parts[2])) if parts[1] == "r" else "/".join(parts[:3])
    return str(app.url_path_for("join_form"))


def refusal(
    scope: Scope, status: int, message: str, retry_after: float | None = None, **params: object
) -> HTMLResponse:
    """Return a refusal as a page in the person's language with the way back (a fragment for htmx)."""
    seconds = whole_seconds(retry_after) if retry_after else None
    headers = {"retry-after": str(seconds)} if seconds else None
    htmx = Headers(scope=scope).get("hx-request") == "true"
    with i18n.language(negotiate(scope)):
        context = {
            "status": status,
            "title": i18n.gettext(TITLES[status]),
            "message": i18n.gettext(message, seconds=seconds or 1, **params),
            "back": back_from(scope),
        }
        body = templating.render("_error.html" if htmx else "error.html", **context)
    return HTMLResponse(body, status_code=status, headers=headers)


async def refuse(
    scope: Scope, receive: Receive, send: Send, status: int, message: str, retry_after: float | None = None
) -> None:
    """Send a refusal before the app has seen the request."""
    await refusal(scope, status, message, retry_after)(scope, receive, send)
