"""Assemble the application: routes, middleware, lifespan and error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager

from sqlalchemy.exc import DataError, OperationalError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import ClientDisconnect
from starlette.routing import Mount

from app import auth, backup, memory, presence, settings, templating
from app.assets import HashedStaticFiles
from app.db import Database
from app.errors import ServiceError
from app.language import LanguageMiddleware
from app.limits import BodyLimitMiddleware, Limits, RateLimitMiddleware
from app.logs import RequestIdMiddleware
from app.metrics import Metrics, PostTimer
from app.pages import client_gone, database_error, malformed, server_error, service_error
from app.passwords import Passwords
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
from app.scheduler import Scheduler
from app.screens import Renderer
from app.security import SecurityMiddleware
from app.services import cards, competences, phases, reports
from app.viewers import ViewerCache
from app.wiring import LiveWiring


def create_app(database_url: str | None = None) -> Starlette:
    """Build the Kraftsamla application on a database."""
    if settings.PROBLEMS:
        raise RuntimeError("fix these settings first: " + "; ".join(settings.PROBLEMS))
    db = Database(database_url or settings.DATABASE_URL)
    # Who holds each session: read once, then kept until a write changes it (app/viewers.py).
    viewers = ViewerCache()
    viewers.watch(db.engine)
    renderer = Renderer(db)
    wiring = LiveWiring(db, renderer, viewers)
    metrics = Metrics(wiring.hub, lambda: sum(presence.registry.counts().values()), settings.METRICS_ALLOW)
    wiring.on_render = metrics.renders.observe
    # Timed actions: a commit here or in another process may have moved the next deadline.
    scheduler = Scheduler(db)
    wiring.on_commit.append(lambda _race, _seq: scheduler.poke())
    db.on_commit = metrics.writes.observe

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
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
        try:
            async with wiring.running(), scheduler.running():
                # /healthz reports whether this process hears the others' changes (PostgreSQL only).
                app.state.listener = wiring.listener
                yield
        finally:
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
    secret = settings.secret_key()
    middleware = [
        Middleware(RequestIdMiddleware),
        Middleware(PostTimer, metrics=metrics),
        Middleware(
            SessionMiddleware,
            secret_key=secret,
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
            Exception: server_error,
        },
    )
    fragments = renderer.fragments
    templating.install(
        globals={
            "url_for": templating.Paths(app.router).url_for,
            "phase_item": fragments.phase_item,
            "feed_item": fragments.feed_item,
            "board_card": fragments.card,
            "card_form": fragments.card_form,
            "columns": list(cards.COLUMN_LABELS.items()),
            "kind_label": reports.kind_label,
            "stamp": phases.stamp,
        },
        filters={"competence": competences.label, "when": reports.when},
    )
    app.state.db = db
    app.state.viewers = viewers
    app.state.renderer = renderer
    app.state.device_signer = auth.device_signer(secret)
    app.state.hub = wiring.hub
    app.state.scheduler = scheduler
    app.state.limits = Limits()
    app.state.metrics = metrics
    app.state.passwords = Passwords()
    return app
