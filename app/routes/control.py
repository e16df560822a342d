"""The facilitator's controls: the phase clock."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from app.auth import database, require_viewer
from app.errors import NotFound
from app.routes import action, redirect
from app.routes.forms import integer, is_htmx, read_form
from app.services import phases


def _done(request: Request, slug: str) -> Response:
    # htmx buttons swap nothing: the new clock and agenda arrive over the socket like everyone's.
    if is_htmx(request):
        return Response(status_code=204)
    return redirect(request, "race", slug=slug)


async def phase_action(request: Request) -> Response:
    """Start, pause, resume or extend a phase."""
    slug = request.path_params["slug"]
    viewer = await require_viewer(request, slug)
    phase_id = request.path_params["phase_id"]
    action = request.path_params["action"]
    db = database(request)
    if action == "start":
        await run_in_threadpool(phases.start, db, viewer, phase_id)
    elif action == "pause":
        await run_in_threadpool(phases.pause, db, viewer, phase_id)
    elif action == "resume":
        await run_in_threadpool(phases.resume, db, viewer, phase_id)
    elif action == "extend":
        form = await read_form(request)
        await run_in_threadpool(phases.extend, db, viewer, phase_id, integer(form, "minutes"))
    else:
        raise NotFound("There is no such action.")
    return _done(request, slug)


async def next_phase(request: Request) -> Response:
    """Close the open phase and start the next."""
    slug = request.path_params["slug"]
    viewer = await require_viewer(request, slug)
    await run_in_threadpool(phases.advance, database(request), viewer)
    return _done(request, slug)


ROUTES = [
    action("/r/{slug}/phases/next", next_phase, "next_phase"),
    action("/r/{slug}/phases/{phase_id:int}/{action}", phase_action, "phase_action"),
]
