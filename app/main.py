"""Assemble the application: routes, middleware, lifespan and error handlers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import ExitStack, asynccontextmanager, suppress

from sqlalchemy.exc import DataError, OperationalError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import ClientDisconnect
from starlette.routing import Mount

from app import backup, memory, presence, settings, templating
from app.assets import HashedStaticFiles
from app.db import Database
from app.errors import ServiceError
from app.language import LanguageMiddleware
from app.limits import BodyLimitMiddleware, RateLimitMiddleware, SignInLimits
from app.logs import RequestIdMiddleware
from app.metrics import Metrics, PostTimer
from app.pages import client_gone, database_error, malformed, service_error
from app.passwords import Passwords
from app.planner import Planner
from app.routes import (
    agendas,
    board,
    control,
    experts,
    gallery,
    health,
    home,
    intake,
    join,
    jury,
    live,
    manage,
    needs,
    organisers,
    profile,
    race,
    review,
    sheet,
    stage,
    suggest,
)
from app.screens import prepare_first_look, render_changes, render_presence
from app.security import SecurityMiddleware
from app.services import races
from live import Hub
from live.backplane import PostgresListener
from live.presence import PresenceChannel

LISTENER_WAIT_S = 5.0


def create_app(database_url: str | None = None) -> Starlette:
    """Build the Kraftsamla application on a database."""
    if settings.PROBLEMS:
        raise RuntimeError("fix these settings first: " + "; ".join(settings.PROBLEMS))
    db = Database(database_url or settings.DATABASE_URL)

    async def render(race_id: int, after_seq: int, audiences: frozenset[str]) -> tuple[int, dict[str, str]]:
        started = time.perf_counter()
        seq, frames, ended = await run_in_threadpool(render_changes, db, race_id, after_seq, audiences)
        metrics.renders.observe(time.perf_counter() - started)
        # Signed out or erased, on this process or another: their open screens close here too.
        for person_id in ended:
            hub.cut_owner(race_id, live.owner_of(person_id), live.CLOSE_POLICY)
        return seq, frames

    def refresh_races(race_ids: Iterable[int]) -> None:
        for race_id in race_ids:
            hub.refresh(race_id)

    async def refresh(race_id: int, audiences: frozenset[str]) -> dict[str, str]:
        return await run_in_threadpool(render_presence, db, race_id, audiences)

    hub = Hub(render, refresh, refresh_window=settings.LIVE_PRESENCE_WINDOW_S)
    metrics = Metrics(hub, lambda: sum(presence.registry.counts().values()), settings.METRICS_ALLOW)
    db.on_commit = metrics.writes.observe
    planner = Planner(db)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        # Before the worker threads start, so that they share the few arenas.
        memory.limit_arenas(settings.MALLOC_ARENAS)
        memory.limit_threads(settings.WORKER_THREADS)
        # While this process serves, `kraftsamla restore` refuses to overwrite the database.
        marked = ExitStack()
        try:
            marked.enter_context(backup.serving(db.url))
        except backup.InUse:
            message = f"a restore is running on {db.url}; start the server when it is done"
            raise RuntimeError(message) from None

        def publish(race_id: int, seq: int) -> None:
            # Services commit in worker threads; the hub and the planner live on the event loop.
            loop.call_soon_threadsafe(heard, race_id, seq)

        def heard(race_id: int, seq: int) -> None:
            hub.publish(race_id, seq)
            # A commit (here or in another process) may have planned, moved or cleared a start.
            planner.poke()

        db.publishers.append(publish)
        # Before the first request: after a restart every screen reconnects at once. A database that does
        # not answer yet is no reason not to start (the first socket compiles them then).
        with suppress(OperationalError):
            await run_in_threadpool(prepare_first_look, db)
        listening = None
        sharing: PresenceChannel | None = None
        tasks: list[asyncio.Task[None]] = []
        if not db.is_sqlite:

            async def catch_up() -> None:
                seqs = await run_in_threadpool(races.current_seqs, db, hub.races())
                for race_id, seq in seqs.items():
                    hub.publish(race_id, seq)

            listener = PostgresListener(db.dsn, heard, catch_up)
            listening = loop.create_task(listener.run())
            app.state.listener = listener
            # Who is online on the other processes, and they of ours (live/presence.py).
            sharing = PresenceChannel(
                db.dsn, presence.registry.local, lambda races: [*map(hub.refresh, races)]
            )
            presence.registry.share(sharing)
            tasks.append(loop.create_task(sharing.run()))
            # Serve once this process hears the others' changes (/healthz says so until it does).
            with suppress(TimeoutError):
                await asyncio.wait_for(listener.connected.wait(), LISTENER_WAIT_S)
        tasks.append(loop.create_task(planner.run()))
        try:
            yield
        finally:
            if sharing is not None:
                await sharing.say_goodbye()
                presence.registry.share(None)
            for task in [*tasks, *([listening] if listening is not None else [])]:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            db.publishers.remove(publish)
            db.dispose()
            marked.close()

    routes = [
        # First: the router tries every route in turn, and a reconnect storm asks for this one 1,000 times
        # (a request passes it at the cost of one call; no HTTP route matches a socket, nor the reverse).
        *live.ROUTES,
        *join.ROUTES,
        *health.ROUTES,
        *race.ROUTES,
        *board.ROUTES,
        *control.ROUTES,
        *manage.ROUTES,
        *suggest.ROUTES,
        *sheet.ROUTES,
        *profile.ROUTES,
        *experts.ROUTES,
        *stage.ROUTES,
        *review.ROUTES,
        *intake.ROUTES,
        *needs.ROUTES,
        *jury.ROUTES,
        *organisers.ROUTES,
        *home.ROUTES,
        *agendas.ROUTES,
        *gallery.ROUTES,
        Mount("/static", HashedStaticFiles(directory=settings.STATIC_DIR), name="static"),
    ]
    middleware = [
        Middleware(RequestIdMiddleware),
        Middleware(PostTimer, metrics=metrics),
        Middleware(
            SessionMiddleware,
            secret_key=settings.secret_key(),
            session_cookie="kraftsamla",
            same_site="lax",
            https_only=settings.COOKIE_SECURE,
            max_age=7 * 24 * 3600,
        ),
        Middleware(SecurityMiddleware),
        Middleware(BodyLimitMiddleware),
        Middleware(RateLimitMiddleware),
        Middleware(LanguageMiddleware),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            ServiceError: service_error,
            ClientDisconnect: client_gone,
            OperationalError: database_error,
            OverflowError: malformed,
            DataError: malformed,
            404: service_error,
            405: service_error,
        },
    )
    templating.bind(app.router)
    app.state.db = db
    app.state.hub = hub
    app.state.metrics = metrics
    app.state.planner = planner
    app.state.passwords = Passwords()
    app.state.sign_in_limits = SignInLimits()
    return app
