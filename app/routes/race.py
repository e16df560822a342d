"""A race's screens: one address per race, the screen chosen by the person's role."""

from __future__ import annotations

import io
import uuid
from typing import Any

import segno
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from app import i18n
from app.auth import database, require_viewer
from app.errors import Forbidden, ServiceError
from app.models import Role
from app.routes import absolute, action, page, redirect
from app.routes.forms import ident, is_htmx, read_form, text
from app.routes.profile import profile_prompt
from app.screens import board_context, cards_context, screen_context
from app.services import cards, people, races, scoreboard, teams
from app.templating import templates

ROLE_NAMES = people.ROLE_LABELS


def card_form_context(
    form: dict[str, str] | None = None, error: str = "", key: str | None = None
) -> dict[str, Any]:
    """Return what the add-card form needs; a fresh key unless a failed post is shown again."""
    return {"form": form or {}, "form_error": error, "form_key": key or uuid.uuid4().hex}


async def race(request: Request) -> Response:
    """Show the signed-in person's screen of this race."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    context = await run_in_threadpool(screen_context, database(request), viewer)
    context.update(await run_in_threadpool(profile_prompt, database(request), viewer))
    if viewer.role == Role.JURY:
        context.update(await run_in_threadpool(scoreboard.screen, database(request), viewer))
    context.update(
        card_form_context(),
        request_form={},
        request_key=uuid.uuid4().hex,
        announce_key=uuid.uuid4().hex,
        role_names=ROLE_NAMES,
        live_url=str(request.url_for("live", slug=viewer.slug)).replace("http", "ws", 1),
        join_url=absolute(request, "join_form"),
    )
    template = f"{viewer.role}/page.html"
    return templates.TemplateResponse(request, template, context)


async def choose_team(request: Request) -> Response:
    """Put the participant in the team they chose, when the rules let them."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    form = await read_form(request)
    await run_in_threadpool(teams.choose, database(request), viewer, ident(form, "team"))
    return redirect(request, "race", slug=viewer.slug)


async def set_place(request: Request) -> Response:
    """Say where a team sits; the team's form comes back with the answer, a facilitator gets a notice."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    team_id = request.path_params["team_id"]
    form = await read_form(request)
    db = database(request)
    typed = text(form, "place")
    context: dict[str, Any] = {"race": {"slug": viewer.slug}, "place_saved": True}
    status = 200
    try:
        team = await run_in_threadpool(
            teams.set_place, db, viewer, team_id, typed, text(form, "was") if "was" in form else None
        )
    except ServiceError as error:
        if not is_htmx(request) or viewer.role != Role.PARTICIPANT or error.status in (401, 403, 404):
            raise
        team = await run_in_threadpool(teams.read_team, db, viewer, team_id)
        context = {**context, "place_saved": False, "place_typed": typed, "place_error": error.translated()}
        status = error.status
    if not is_htmx(request):
        return redirect(request, "race", slug=viewer.slug)
    if viewer.role != Role.PARTICIPANT:
        return templates.TemplateResponse(
            request, "facilitator/_notice.html", {"message": i18n.gettext("Saved.")}
        )
    context["place_team"] = team
    return templates.TemplateResponse(request, "participant/_place_form.html", context, status_code=status)


async def add_card(request: Request) -> Response:
    """Add a card; htmx gets the form back (with the column), a plain form post goes back to the board."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    form = await read_form(request)
    fields = {name: text(form, name) for name in ("title", "body", "column", "key")}
    try:
        card = await run_in_threadpool(
            cards.add,
            database(request),
            viewer,
            title=fields["title"],
            body=fields["body"],
            column=fields["column"],
            key=fields["key"],
        )
    except ServiceError as error:
        if not is_htmx(request):
            raise
        message = error.translated()
        context = card_form_context(fields, message, fields["key"] or None)
        context.update(await run_in_threadpool(board_context, database(request), viewer, ()))
        return templates.TemplateResponse(
            request, "participant/_card_posted.html", context, status_code=error.status
        )
    if not is_htmx(request):
        return redirect(request, "race", slug=viewer.slug)
    # The answer is the form, emptied, and the new card, which joins its column (or replaces itself there).
    context = card_form_context()
    context.update(await run_in_threadpool(cards_context, database(request), viewer, [card.id or 0]))
    answer = templates.TemplateResponse(request, "participant/_card_posted.html", context, status_code=201)
    answer.headers["location"] = request.app.url_path_for("card", slug=viewer.slug, card_id=card.id or 0)
    return answer


async def join_qr(request: Request) -> Response:
    """Return an SVG QR code that opens the join form with the participant code filled in."""
    viewer = await require_viewer(request, request.path_params["slug"])
    if viewer.role not in (Role.WALL, Role.FACILITATOR):
        raise Forbidden("Only the wall and the facilitators show the join code.")
    code = await run_in_threadpool(races.participant_code, database(request), viewer.slug)
    target = absolute(request, "join_form", {"code": code})
    buffer = io.BytesIO()
    # A standalone SVG (with its xmlns), so browsers draw it in an <img>.
    segno.make(target, error="m").save(buffer, kind="svg", scale=8, border=2, dark="#000", light="#fff")
    return Response(
        buffer.getvalue(), media_type="image/svg+xml", headers={"cache-control": "private, max-age=300"}
    )


ROUTES = [
    page("/r/{slug}", race, "race"),
    action("/r/{slug}/team", choose_team, "choose_team"),
    action("/r/{slug}/teams/{team_id:int}/place", set_place, "set_place"),
    action("/r/{slug}/cards", add_card, "add_card"),
    page("/r/{slug}/qr.svg", join_qr, "join_qr"),
]
