"""What the facilitator puts on every screen: announcements and the spotlight."""

from __future__ import annotations

import uuid

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from app import i18n
from app.auth import database, require_viewer
from app.errors import ServiceError
from app.routes import action, redirect
from app.routes.experts import done
from app.routes.forms import ident, is_htmx, read_form, text
from app.services import announcements, spotlight
from app.templating import templates


async def announce(request: Request) -> Response:
    """Send an announcement; htmx gets the form back, empty or with what went wrong."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    form = await read_form(request)
    body, key = text(form, "body"), text(form, "key")
    context = {"announce_key": uuid.uuid4().hex}
    status = 201
    try:
        await run_in_threadpool(announcements.send, database(request), viewer, body, key)
    except ServiceError as error:
        if not is_htmx(request):
            raise
        context = {
            "announce_key": key or uuid.uuid4().hex,
            "announce_text": body,
            "announce_error": error.translated(),
        }
        status = error.status
    if not is_htmx(request):
        return redirect(request, "race", slug=viewer.slug)
    race = {"slug": viewer.slug}
    return templates.TemplateResponse(
        request, "facilitator/_announce_form.html", {**context, "race": race}, status_code=status
    )


async def announcement_clear(request: Request) -> Response:
    """Take the announcement the screen showed off every screen."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    form = await read_form(request)
    await run_in_threadpool(announcements.clear, database(request), viewer, ident(form, "announcement"))
    return done(request, viewer.slug, i18n.N_("The announcement is cleared from every screen."))


async def spotlight_set(request: Request) -> Response:
    """Put a card in the spotlight."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    form = await read_form(request)
    await run_in_threadpool(spotlight.set_card, database(request), viewer, ident(form, "card"))
    return done(request, viewer.slug, i18n.N_("The card is in the spotlight on the wall."))


async def spotlight_clear(request: Request) -> Response:
    """Take the spotlight off the wall."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    await run_in_threadpool(spotlight.clear, database(request), viewer)
    return done(request, viewer.slug, i18n.N_("The spotlight is cleared."))


ROUTES = [
    action("/r/{slug}/announcements", announce, "announce"),
    action("/r/{slug}/announcements/clear", announcement_clear, "announcement_clear"),
    action("/r/{slug}/spotlight", spotlight_set, "spotlight_set"),
    action("/r/{slug}/spotlight/clear", spotlight_clear, "spotlight_clear"),
]
