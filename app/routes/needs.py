"""The facilitator's preparation: the needs intake and its submissions, and the race's competence map."""

from __future__ import annotations

import io
from typing import Any

import segno
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from app import i18n
from app.auth import database, require_viewer
from app.errors import Invalid, NotFound
from app.routes import absolute, action, page, redirect
from app.routes.forms import read_form, text
from app.services import competence_map, needs, profiles
from app.services.agenda import require_facilitator
from app.services.people import Viewer
from app.templating import templates

EDIT_FIELDS = ("company", "contact", "title", "description", *needs.ASPECTS, "urgency", "tags")


async def _facilitator(request: Request) -> Viewer:
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    require_facilitator(viewer)
    return viewer


def _back(request: Request, viewer: Viewer, anchor: str = "") -> Response:
    return redirect(request, "needs", anchor, slug=viewer.slug)


async def _page(
    request: Request,
    viewer: Viewer,
    *,
    errors: dict[int, str] | None = None,
    typed: dict[int, Any] | None = None,
) -> Response:
    race, found, made = await run_in_threadpool(needs.listing, database(request), viewer)
    context = {
        "race": race,
        "viewer": viewer,
        "needs": found,
        "made": made,
        "errors": errors or {},
        "typed": typed or {},
        "aspects": list(needs.ASPECTS.items()),
        "urgencies": list(needs.URGENCY_LABELS.items()),
        "urgency_labels": needs.URGENCY_LABELS,
        "intake_url": absolute(request, "intake", token=race.intake_token) if race.intake_token else "",
    }
    status = 422 if errors else 200
    return templates.TemplateResponse(request, "needs/page.html", context, status_code=status)


async def needs_page(request: Request) -> Response:
    """Show the intake's state and link, and every submitted need (most urgent, newest first)."""
    return await _page(request, await _facilitator(request))


async def intake_state(request: Request) -> Response:
    """Open the intake (its link is made the first time) or close it."""
    viewer = await _facilitator(request)
    form = await read_form(request)
    await run_in_threadpool(needs.set_intake, database(request), viewer, open_it=text(form, "open") == "1")
    return _back(request, viewer, "#intake")


def _edit_form(posted: FormData) -> needs.NeedForm:
    return needs.NeedForm(
        **{name: text(posted, name) for name in EDIT_FIELDS if name != "tags"},
        tags=profiles.parse_tags([], text(posted, "tags")),
    )


async def update_need(request: Request) -> Response:
    """Save the facilitator's edit of a need, or show the page again with the error and what was typed."""
    viewer = await _facilitator(request)
    need_id = request.path_params["need_id"]
    posted = await read_form(request)
    try:
        await run_in_threadpool(needs.update, database(request), viewer, need_id, _edit_form(posted))
    except Invalid as error:
        typed = {name: text(posted, name) for name in EDIT_FIELDS}
        return await _page(request, viewer, errors={need_id: error.translated()}, typed={need_id: typed})
    return _back(request, viewer, f"#need-{need_id}")


async def choose_need(request: Request) -> Response:
    """Make a need one of the race's challenges (once)."""
    viewer = await _facilitator(request)
    need_id = request.path_params["need_id"]
    await run_in_threadpool(needs.choose, database(request), viewer, need_id)
    return _back(request, viewer, f"#need-{need_id}")


async def intake_qr(request: Request) -> Response:
    """Return an SVG QR code of the intake's link."""
    viewer = await _facilitator(request)
    race, _found, _made = await run_in_threadpool(needs.listing, database(request), viewer)
    if not race.intake_token:
        raise NotFound("The intake has no link yet: open it first.")
    buffer = io.BytesIO()
    target = absolute(request, "intake", token=race.intake_token)
    segno.make(target, error="m").save(buffer, kind="svg", scale=6, border=2, dark="#000", light="#fff")
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers={"cache-control": "private"})


async def competences_page(request: Request) -> Response:
    """Show who brings which competence, what the challenges ask for, and what nobody brings."""
    viewer = await _facilitator(request)
    found = await run_in_threadpool(competence_map.build, database(request), viewer)
    context = {
        "race": found.race,
        "viewer": viewer,
        "map": found,
        "background_labels": profiles.BACKGROUND_LABELS,
    }
    return templates.TemplateResponse(request, "needs/competences.html", context)


ROUTES = [
    page("/r/{slug}/needs", needs_page, "needs"),
    action("/r/{slug}/needs/intake", intake_state, "intake_state"),
    page("/r/{slug}/needs/qr.svg", intake_qr, "intake_qr"),
    action("/r/{slug}/needs/{need_id:int}", update_need, "update_need"),
    action("/r/{slug}/needs/{need_id:int}/choose", choose_need, "choose_need"),
    page("/r/{slug}/competences", competences_page, "competences"),
]
