"""The facilitator's gallery walk and planned start."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from app import i18n
from app.auth import database, require_viewer
from app.i18n import N_
from app.routes import action, redirect
from app.routes.forms import integer, is_htmx, read_form, text
from app.services import gallery, planned
from app.services.people import Viewer
from app.templating import templates


async def _act(request: Request, run: Callable[[Viewer, Any], int], message: str) -> Response:
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    form = await read_form(request)
    await run_in_threadpool(run, viewer, form)
    if not is_htmx(request):
        return redirect(request, "race", slug=viewer.slug)
    return templates.TemplateResponse(request, "facilitator/_notice.html", {"message": i18n.gettext(message)})


async def open_gallery(request: Request) -> Response:
    """Open the gallery in the phase the control screen showed."""
    db = database(request)
    run = lambda viewer, form: gallery.open_gallery(db, viewer, integer(form, "phase"))  # noqa: E731
    return await _act(request, run, N_("The gallery is open."))


async def close_gallery(request: Request) -> Response:
    """Close the gallery on every participant's screen."""
    db = database(request)
    run = lambda viewer, form: gallery.close_gallery(db, viewer, integer(form, "phase"))  # noqa: E731
    return await _act(request, run, N_("The gallery is closed."))


async def plan_start(request: Request) -> Response:
    """Set or clear the time the first phase starts by itself."""
    db = database(request)

    def run(viewer: Viewer, form: Any) -> int:
        return planned.change(db, viewer, text(form, "shown"), text(form, "date"), text(form, "time"))

    return await _act(request, run, N_("Saved."))


ROUTES = [
    action("/r/{slug}/gallery/open", open_gallery, "open_gallery"),
    action("/r/{slug}/gallery/close", close_gallery, "close_gallery"),
    action("/r/{slug}/planned-start", plan_start, "plan_start"),
]
