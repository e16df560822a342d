"""CPU per request of each middleware, alone around an endpoint that answers at once, and of the whole stack.

A card post as a browser sends it (a session cookie, the language and device cookies, htmx's headers) goes
through each layer of the app's middleware in turn, then through all of them; the figures are microseconds
of process CPU per request above the bare endpoint (the best of five rounds). The whole stack is measured
with the rate limit on (never reached: who posts is looked up, as in a server) and off (as in `make bench`).

    python -m bench.middleware
    KRAFTSAMLA_RATE_LIMIT_PER_SECOND=2 python -m bench.middleware
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import tempfile
import time
from typing import Any

os.environ.setdefault("KRAFTSAMLA_DATA_DIR", tempfile.mkdtemp(prefix="kraftsamla-middleware-"))

from itsdangerous import TimestampSigner
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import settings
from app.main import create_app
from app.migrate import upgrade
from app.services import people, races
from bench.profile import post_scope

REQUESTS = 4000


async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer at once, after reading the body."""
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
    await send({"type": "http.response.body", "body": b"ok"})


def main() -> int:
    url = f"sqlite:///{os.environ['KRAFTSAMLA_DATA_DIR']}/middleware.db"
    upgrade(url)
    app = create_app(url)
    summary = races.create_race(app.state.db, "Middleware", lang="en", teams=2)
    token, _ = people.join(app.state.db, summary["codes"]["participant"], "Member")
    session = base64.b64encode(json.dumps({"sid": token}).encode())
    cookie = TimestampSigner(settings.secret_key()).sign(session).decode()
    body = b"title=A+card&body=Some+text&column=idea&key=k1"
    headers = [
        (b"host", b"testserver"),
        (b"origin", b"http://testserver"),
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"content-length", str(len(body)).encode()),
        (b"hx-request", b"true"),
        (b"accept-language", b"sv-SE,sv;q=0.9,en;q=0.8"),
        (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120"),
        (b"cookie", f"kraftsamla={cookie}; kraftsamla_lang=sv; kraftsamla_device=a.b".encode()),
    ]
    path = f"/r/{summary['slug']}/cards"

    def scope() -> Scope:
        return {**post_scope(path, list(headers)), "app": app}

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(_message: Message) -> None:
        return None

    def measure(target: ASGIApp) -> float:
        async def run() -> None:
            for _ in range(REQUESTS):
                await target(scope(), receive, send)

        loop = asyncio.new_event_loop()
        loop.run_until_complete(run())  # warm
        rounds = []
        for _ in range(5):
            started = time.process_time()
            loop.run_until_complete(run())
            rounds.append((time.process_time() - started) / REQUESTS * 1e6)
        loop.close()
        return min(rounds)

    bare = measure(endpoint)
    print(f"{'middleware':<22} {'us CPU':>7}")
    stack: ASGIApp = endpoint
    for layer in reversed(app.user_middleware):
        options: dict[str, Any] = dict(layer.kwargs)
        name = getattr(layer.cls, "__name__", str(layer.cls))
        if name != "RateLimitMiddleware":  # it asks the session, which the stack sets
            alone = measure(layer.cls(endpoint, *layer.args, **options))
            print(f"{name:<22} {alone - bare:>7.1f}")
        stack = layer.cls(stack, *layer.args, **options)
    # Read by the rate limit at each request.
    settings.RATE_LIMIT_PER_SECOND = settings.RATE_LIMIT_BURST = 1e12
    print(f"{'stack, rate limit on':<22} {measure(stack) - bare:>7.1f}")
    settings.RATE_LIMIT_PER_SECOND = 0
    print(f"{'stack, rate limit off':<22} {measure(stack) - bare:>7.1f}")
    app.state.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
