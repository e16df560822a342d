"""Assemble the application: routes, middleware, lifespan and error handlers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from sqlalchemy.exc import DataError, OperationalError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from app import settings, templating
from app.db import Database
from app.errors import ServiceError
from app.language import LanguageMiddleware
from app.limits import BodyLimitMiddleware, RateLimitMiddleware
from app.pages import database_error, malformed, service_error
from app.routes import (
    board,
    control,
    experts,
    intake,
    join,
    jury,
    live,
    manage,
    needs,
    profile,
    race,
    review,
    sheet,
    stage,
    suggest,
)
from app.screens import render_changes, render_presence
from app.security import SecurityMiddleware
from app.services import races
from live import Hub
from live.backplane import PostgresListener


def review_routes() -> list[Route]:
    """Return the after-the-race routes."""
    return [
        Route("/r/{slug}/end", review.end_race, methods=["POST"], name="end_race"),
        Route("/r/{slug}/review", review.review_page, name="review"),
        Route("/r/{slug}/review/replay", review.replay, name="replay"),
        Route("/r/{slug}/review/report", review.report, name="report"),
        Route("/r/{slug}/review/export.json", review.export_json, name="export_json"),
        Route("/r/{slug}/review/csv/{table}", review.csv_table, name="csv_table"),
        Route("/r/{slug}/review/outcomes", review.add_outcome, methods=["POST"], name="add_outcome"),
        Route("/r/{slug}/review/privacy", review.set_privacy, methods=["POST"], name="set_privacy"),
        Route(
            "/r/{slug}/review/people/{person_id:int}/export",
            review.export_person,
            methods=["POST"],
            name="export_person",
        ),
        Route(
            "/r/{slug}/review/people/{person_id:int}/erase",
            review.erase_person,
            methods=["POST"],
            name="erase_person",
        ),
    ]


def preparation_routes() -> list[Route]:
    """Return the before-the-race routes: the public needs intake, the needs and the competence map."""
    return [
        Route("/intake/{token}", intake.intake, methods=["GET", "POST"], name="intake"),
        Route("/r/{slug}/needs", needs.needs_page, name="needs"),
        Route("/r/{slug}/needs/intake", needs.intake_state, methods=["POST"], name="intake_state"),
        Route("/r/{slug}/needs/qr.svg", needs.intake_qr, name="intake_qr"),
        Route("/r/{slug}/needs/{need_id:int}", needs.update_need, methods=["POST"], name="update_need"),
        Route(
            "/r/{slug}/needs/{need_id:int}/choose", needs.choose_need, methods=["POST"], name="choose_need"
        ),
        Route("/r/{slug}/competences", needs.competence_map, name="competences"),
    ]


def jury_routes() -> list[Route]:
    """Return the jury's routes: scoring, and the facilitator's criteria, conflicts and reveal."""
    criterion = "/r/{slug}/jury/criteria/{criterion_id:int}"
    return [
        Route("/r/{slug}/jury/identity", jury.identity, methods=["POST"], name="jury_identity"),
        Route("/r/{slug}/jury/teams/{team_id:int}", jury.save_scores, methods=["POST"], name="save_scores"),
        Route("/r/{slug}/jury/setup", jury.setup, name="jury_setup"),
        Route("/r/{slug}/jury/criteria", jury.add_criterion, methods=["POST"], name="add_criterion"),
        Route(criterion, jury.update_criterion, methods=["POST"], name="update_criterion"),
        Route(criterion + "/move", jury.move_criterion, methods=["POST"], name="move_criterion"),
        Route(criterion + "/remove", jury.remove_criterion, methods=["POST"], name="remove_criterion"),
        Route("/r/{slug}/jury/conflicts", jury.add_conflict, methods=["POST"], name="add_conflict"),
        Route(
            "/r/{slug}/jury/conflicts/{conflict_id:int}/remove",
            jury.remove_conflict,
            methods=["POST"],
            name="remove_conflict",
        ),
        Route("/r/{slug}/jury/reveal", jury.reveal, methods=["POST"], name="jury_reveal"),
    ]


def create_app(database_url: str | None = None) -> Starlette:
    """Build the Kraftsamla application on a database."""
    db = Database(database_url or settings.DATABASE_URL)

    async def render(race_id: int, after_seq: int, audiences: frozenset[str]) -> tuple[int, dict[str, str]]:
        seq, frames, ended = await run_in_threadpool(render_changes, db, race_id, after_seq, audiences)
        # Signed out or erased, on this process or another: their open screens close here too.
        for person_id in ended:
            hub.cut_owner(race_id, live.owner_of(person_id), live.CLOSE_POLICY)
        return seq, frames

    async def refresh(race_id: int, audiences: frozenset[str]) -> dict[str, str]:
        return await run_in_threadpool(render_presence, db, race_id, audiences)

    hub = Hub(render, refresh, refresh_window=settings.LIVE_PRESENCE_WINDOW_S)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()

        def publish(race_id: int, seq: int) -> None:
            # Services commit in worker threads; the hub lives on the event loop.
            loop.call_soon_threadsafe(hub.publish, race_id, seq)

        db.publishers.append(publish)
        listening = None
        if not db.is_sqlite:

            async def catch_up() -> None:
                seqs = await run_in_threadpool(races.current_seqs, db, hub.races())
                for race_id, seq in seqs.items():
                    hub.publish(race_id, seq)

            listener = PostgresListener(db.dsn, hub.publish, catch_up)
            listening = loop.create_task(listener.run())
            app.state.listener = listener
        try:
            yield
        finally:
            if listening is not None:
                listening.cancel()
                with suppress(asyncio.CancelledError):
                    await listening
            db.publishers.remove(publish)
            db.dispose()

    routes = [
        Route("/", join.join_form, name="join_form"),
        Route("/join", join.join, methods=["POST"], name="join"),
        Route("/healthz", join.healthz, name="healthz"),
        Route("/leave", join.leave, methods=["POST"], name="leave"),
        Route("/r/{slug}", race.race, name="race"),
        Route("/r/{slug}/lang", join.language, methods=["POST"], name="language"),
        Route("/r/{slug}/team", race.choose_team, methods=["POST"], name="choose_team"),
        Route("/r/{slug}/cards", race.add_card, methods=["POST"], name="add_card"),
        Route("/r/{slug}/qr.svg", race.join_qr, name="join_qr"),
        Route("/r/{slug}/cards/{card_id:int}/edit", board.edit_card, methods=["POST"], name="edit_card"),
        Route("/r/{slug}/cards/{card_id:int}/move", board.move_card, methods=["POST"], name="move_card"),
        Route(
            "/r/{slug}/cards/{card_id:int}/remove", board.remove_card, methods=["POST"], name="remove_card"
        ),
        Route("/r/{slug}/cards/{card_id:int}/votes", board.cast_vote, methods=["POST"], name="cast_vote"),
        Route(
            "/r/{slug}/cards/{card_id:int}/votes/withdraw",
            board.withdraw_vote,
            methods=["POST"],
            name="withdraw_vote",
        ),
        Route(
            "/r/{slug}/cards/{card_id:int}/comments", board.add_comment, methods=["POST"], name="add_comment"
        ),
        Route("/r/{slug}/cards/{card_id:int}", board.card, name="card"),
        Route("/r/{slug}/card-closed", board.card_panel_closed, name="card_panel_closed"),
        Route("/r/{slug}/votes/mine", board.my_votes, name="my_votes"),
        Route("/r/{slug}/phases/next", control.next_phase, methods=["POST"], name="next_phase"),
        Route(
            "/r/{slug}/phases/{phase_id:int}/{action}",
            control.phase_action,
            methods=["POST"],
            name="phase_action",
        ),
        Route("/r/{slug}/agenda", manage.add_phase, methods=["POST"], name="add_phase"),
        Route("/r/{slug}/agenda/{phase_id:int}", manage.update_phase, methods=["POST"], name="update_phase"),
        Route(
            "/r/{slug}/agenda/{phase_id:int}/remove",
            manage.remove_phase,
            methods=["POST"],
            name="remove_phase",
        ),
        Route("/r/{slug}/agenda/{phase_id:int}/move", manage.move_phase, methods=["POST"], name="move_phase"),
        Route("/r/{slug}/challenges", manage.add_challenge, methods=["POST"], name="add_challenge"),
        Route(
            "/r/{slug}/challenges/{challenge_id:int}",
            manage.update_challenge,
            methods=["POST"],
            name="update_challenge",
        ),
        Route("/r/{slug}/teams", manage.add_team, methods=["POST"], name="add_team"),
        Route(
            "/r/{slug}/teams/suggest", suggest.suggest_teams, methods=["GET", "POST"], name="suggest_teams"
        ),
        Route("/r/{slug}/teams/{team_id:int}", manage.update_team, methods=["POST"], name="update_team"),
        Route("/r/{slug}/teams/{team_id:int}/lock", manage.lock_board, methods=["POST"], name="lock_board"),
        Route(
            "/r/{slug}/people/{person_id:int}/team", manage.move_person, methods=["POST"], name="move_person"
        ),
        Route("/r/{slug}/sheet", sheet.join_sheet, name="join_sheet"),
        Route("/r/{slug}/profile", profile.profile, methods=["GET", "POST"], name="profile"),
        Route("/r/{slug}/requests", experts.ask_expert, methods=["POST"], name="ask_expert"),
        Route(
            "/r/{slug}/requests/{request_id:int}/{action}",
            experts.request_action,
            methods=["POST"],
            name="request_action",
        ),
        Route("/r/{slug}/announcements", stage.announce, methods=["POST"], name="announce"),
        Route("/r/{slug}/spotlight", stage.spotlight_set, methods=["POST"], name="spotlight_set"),
        Route("/r/{slug}/spotlight/clear", stage.spotlight_clear, methods=["POST"], name="spotlight_clear"),
        *review_routes(),
        *preparation_routes(),
        *jury_routes(),
        WebSocketRoute("/r/{slug}/live", live.live, name="live"),
        Mount("/static", StaticFiles(directory=settings.STATIC_DIR), name="static"),
    ]
    middleware = [
        Middleware(
            SessionMiddleware,
            secret_key=settings.SECRET_KEY,
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
    return app
