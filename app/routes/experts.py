"""Calling an expert and working a request: thin handlers over services.requests."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from app import i18n
from app.auth import database, require_viewer
from app.errors import NotFound, ServiceError
from app.routes import action, redirect
from app.routes.forms import ident, is_htmx, read_form, text
from app.services import profiles, requests
from app.templating import templates

DONE = {
    "claim": i18n.N_("You have claimed the request. The team can see that you are on the way."),
    "assign": i18n.N_("The expert has been assigned."),
    "note": i18n.N_("Your note is saved."),
    "resolve": i18n.N_("The request is resolved. Thank you!"),
    "cancel": i18n.N_("The request is cancelled."),
    "rate": i18n.N_("Thank you for rating the help."),
}


def done(request: Request, slug: str, message: str) -> Response:
    """Answer a successful action: a short message for htmx, the screen again for a plain form."""
    if not is_htmx(request):
        return redirect(request, "race", slug=slug)
    return templates.TemplateResponse(request, "_done.html", {"message": i18n.gettext(message)})


async def ask_expert(request: Request) -> Response:
    """Open an expert request for the team; htmx gets the form back, fresh or with what went wrong."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    form = await read_form(request)
    chosen = [value for value in form.getlist("tag") if isinstance(value, str)]
    fields: dict[str, Any] = {
        "question": text(form, "question"),
        "tag_more": text(form, "tag_more"),
        "tags": chosen,
    }
    key = text(form, "key")
    db = database(request)
    context: dict[str, Any] = {"request_form": {}, "request_key": uuid.uuid4().hex, "request_sent": True}
    status = 201
    try:
        tags = profiles.parse_tags(chosen, fields["tag_more"])
        await run_in_threadpool(requests.ask, db, viewer, question=fields["question"], tags=tags, key=key)
    except ServiceError as error:
        if not is_htmx(request):
            raise
        context = {
            "request_form": fields,
            "request_key": key or uuid.uuid4().hex,
            "request_error": error.translated(),
        }
        status = error.status
    if not is_htmx(request):
        return redirect(request, "race", slug=viewer.slug)
    race, _person, suggestions = await run_in_threadpool(profiles.get, db, viewer)
    context.update(race=race, competence_suggestions=suggestions)
    return templates.TemplateResponse(request, "participant/_request_form.html", context, status_code=status)


async def request_action(request: Request) -> Response:
    """Claim, assign, note, resolve, cancel or rate a request."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    request_id = request.path_params["request_id"]
    action = request.path_params["action"]
    form = await read_form(request)
    db = database(request)
    if action == "claim":
        await run_in_threadpool(requests.claim, db, viewer, request_id)
    elif action == "assign":
        await run_in_threadpool(requests.assign, db, viewer, request_id, ident(form, "expert"))
    elif action == "note":
        await run_in_threadpool(requests.add_note, db, viewer, request_id, text(form, "note"))
    elif action == "resolve":
        await run_in_threadpool(requests.resolve, db, viewer, request_id, text(form, "note"))
    elif action == "cancel":
        await run_in_threadpool(requests.cancel, db, viewer, request_id)
    elif action == "rate":
        rating = requests.parse_rating(text(form, "rating"))
        await run_in_threadpool(requests.rate, db, viewer, request_id, rating, text(form, "word"))
    else:
        raise NotFound("There is no such action.")
    return done(request, viewer.slug, DONE[action])


ROUTES = [
    action("/r/{slug}/requests", ask_expert, "ask_expert"),
    action("/r/{slug}/requests/{request_id:int}/{action}", request_action, "request_action"),
]
