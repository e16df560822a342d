"""The facilitator's team suggestion: ask, adjust by hand, re-explain, apply at once, no JavaScript."""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from app import i18n
from app.auth import database, require_viewer
from app.errors import Invalid, ServiceError
from app.models import Background
from app.routes import form, redirect
from app.routes.forms import FIELD_MAX, text
from app.services import suggestions
from app.services.agenda import require_facilitator
from app.services.matching import BACKGROUNDS
from app.services.roster import BACKGROUND_LABELS
from app.templating import templates

PERSON_FIELD = re.compile(r"p[0-9]{1,18}")  # a participant's select: p and their id
# One select per participant, plus the bounds, the team keys and the buttons.
MAX_FIELDS = 2000


def _chosen(form: FormData) -> dict[int, str]:
    chosen = {}
    for name, value in form.multi_items():
        if PERSON_FIELD.fullmatch(name) and isinstance(value, str):
            chosen[int(name[1:])] = value
    return chosen


def _form_values(form: FormData | None) -> dict[str, str]:
    if form is None:
        return {"min": "3", "max": "6", "per": ""}
    return {name: text(form, name) for name in ("min", "max", "per")}


def _page(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    view = context.get("view")
    if view is not None:
        context["notes"] = [
            suggestions.note_text(note, view.crowd, view.edited) for note in view.explained.notes
        ]
        context["team_notes"] = [
            [suggestions.note_text(note, view.crowd, view.edited) for note in plan.explanation.notes]
            for plan in view.explained.teams
        ]
    context["background_labels"] = {
        key: i18n.gettext(BACKGROUND_LABELS[Background(key)]) for key in BACKGROUNDS
    }
    context["request_key"] = uuid.uuid4().hex
    return templates.TemplateResponse(request, "facilitator/suggest.html", context, status_code=status)


async def suggest_teams(request: Request) -> Response:
    """Show the suggestion form (GET); suggest, re-explain an edited suggestion or apply it (POST)."""
    slug = request.path_params["slug"]
    viewer = await require_viewer(request, slug)
    i18n.set_language(viewer.lang)
    require_facilitator(viewer)
    db = database(request)
    race = {"slug": slug, "name": await run_in_threadpool(suggestions.race_name, db, viewer)}
    if request.method == "GET":
        return _page(request, {"race": race, "values": _form_values(None), "viewer": viewer})
    form = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=FIELD_MAX)
    values = _form_values(form)
    action = text(form, "action")
    keys = [value for value in form.getlist("place") if isinstance(value, str)]
    chosen = _chosen(form)
    context: dict[str, Any] = {"race": race, "values": values, "viewer": viewer}
    try:
        bounds = suggestions.bounds_from(values["min"], values["max"], values["per"])
        if action == "apply":
            # The moved people's screens close and load their new team as the hub renders the moves.
            await run_in_threadpool(suggestions.apply, db, viewer, keys, chosen, text(form, "key"))
            return redirect(request, "race", "#roster", slug=slug)
        if action == "recompute":
            view = await run_in_threadpool(suggestions.reexplain, db, viewer, bounds, keys, chosen)
        elif action in ("suggest", ""):
            view = await run_in_threadpool(suggestions.suggest, db, viewer, bounds)
        else:
            raise Invalid("The form is malformed.")
    except ServiceError as error:
        context["error"] = error.translated()
        if error.message in (suggestions.STALE, suggestions.STALE_TEAMS):
            # Refused as a whole; a fresh suggestion is shown beside the message, to adjust and apply again.
            context["view"] = await run_in_threadpool(suggestions.suggest, db, viewer, bounds)
        return _page(request, context, status=error.status)
    context["view"] = view
    return _page(request, context)


ROUTES = [
    form("/r/{slug}/teams/suggest", suggest_teams, "suggest_teams"),
]
