"""The facilitator's controls: the phase clock, its undo, and the race's end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from app import i18n
from app.auth import database, require_viewer
from app.errors import Invalid, NotFound, ServiceError
from app.routes import action, redirect
from app.routes.forms import integer, is_htmx, read_form, text
from app.screens import regions_context
from app.services import ending, phases
from app.services.people import Viewer
from app.templating import templates


def shown(form: FormData, *, required: bool = False) -> phases.Shown | None:
    """Read what the screen showed: `from` (the current phase's id, empty: none) and `clock` (its stamp)."""
    if "from" not in form:
        if required:
            raise Invalid("The form does not say which phase your screen showed. Reload the page.")
        clock = text(form, "clock") if "clock" in form else None
        return phases.Shown(None, clock, names_phase=False) if clock is not None else None
    value = text(form, "from").strip()
    try:
        phase = int(value) if value else None
    except ValueError:
        raise Invalid("The form is malformed.") from None
    return phases.Shown(phase, text(form, "clock") if "clock" in form else None)


async def _clock_act(
    request: Request, act: Callable[[Viewer, FormData], Any], back: str = "race"
) -> Response:
    """Run a clock action; a refused one shows its message by the controls and the clock as it is now."""
    slug = request.path_params["slug"]
    viewer = await require_viewer(request, slug)
    i18n.set_language(viewer.lang)
    form = await read_form(request)
    try:
        await run_in_threadpool(act, viewer, form)
    except ServiceError as error:
        if error.status != 409:
            raise
        context = await run_in_threadpool(regions_context, database(request), viewer, ("clock", "agenda"))
        context.update(clock_msg=error.translated(), oob=is_htmx(request), slug=slug)
        # A plain form post (no script) gets a page with the same message, the clock and the way back.
        template = "facilitator/_clock_refused.html" if is_htmx(request) else "facilitator/clock_refused.html"
        return templates.TemplateResponse(request, template, context, status_code=409)
    # htmx buttons swap nothing: the new clock and agenda arrive over the socket like everyone's.
    if is_htmx(request):
        return Response(status_code=204)
    return redirect(request, back, slug=slug)


async def phase_action(request: Request) -> Response:
    """Start, pause, resume or extend a phase."""
    db = database(request)
    phase_id = request.path_params["phase_id"]
    name = request.path_params["action"]
    acts: dict[str, Callable[[Viewer, FormData], Any]] = {
        "start": lambda viewer, form: phases.start(db, viewer, phase_id, shown(form)),
        "pause": lambda viewer, form: phases.pause(db, viewer, phase_id, shown(form)),
        "resume": lambda viewer, form: phases.resume(db, viewer, phase_id, shown(form)),
        "extend": lambda viewer, form: phases.extend(
            db, viewer, phase_id, integer(form, "minutes"), shown(form)
        ),
    }
    if name not in acts:
        raise NotFound("There is no such action.")
    return await _clock_act(request, acts[name])


async def next_phase(request: Request) -> Response:
    """Close the phase the screen showed as current and start the next."""
    db = database(request)
    return await _clock_act(
        request, lambda viewer, form: phases.advance(db, viewer, _required(shown(form, required=True)))
    )


async def undo_start(request: Request) -> Response:
    """Undo the last start or next phase, within two minutes."""
    db = database(request)
    return await _clock_act(
        request, lambda viewer, form: phases.undo(db, viewer, _required(shown(form, required=True)))
    )


async def end_race(request: Request) -> Response:
    """End the race: the clock stops and boards, votes and requests close on every screen."""
    db = database(request)
    return await _clock_act(request, lambda viewer, _form: ending.end(db, viewer), back="review")


async def reopen_race(request: Request) -> Response:
    """Reopen an ended race: the clock runs on from where it stopped."""
    db = database(request)
    return await _clock_act(request, lambda viewer, _form: ending.reopen(db, viewer), back="review")


def _required(value: phases.Shown | None) -> phases.Shown:
    assert value is not None
    return value


ROUTES = [
    action("/r/{slug}/phases/next", next_phase, "next_phase"),
    action("/r/{slug}/phases/undo", undo_start, "undo_start"),
    action("/r/{slug}/phases/{phase_id:int}/{action}", phase_action, "phase_action"),
    action("/r/{slug}/end", end_race, "end_race"),
    action("/r/{slug}/reopen", reopen_race, "reopen_race"),
]
