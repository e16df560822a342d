"""The profile questions after joining: background and competences, saved or skipped."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from app import i18n
from app.auth import database, require_viewer
from app.db import Database
from app.errors import Forbidden, ServiceError
from app.models import Background
from app.routes import form, redirect
from app.routes.forms import read_form, text
from app.services import competences, profiles
from app.services.people import Viewer
from app.templating import templates


def profile_prompt(db: Database, viewer: Viewer) -> dict[str, Any]:
    """Return what the screen needs to ask a new person for their profile, or nothing once answered."""
    if not profiles.pending(db, viewer.person_id):
        return {}
    _race, person, suggestions = profiles.get(db, viewer)
    return {
        "person": person,
        "profile_form": {},
        "backgrounds": list(profiles.BACKGROUND_LABELS.items()),
        "competence_suggestions": suggestions,
    }


def _page(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    context["backgrounds"] = list(profiles.BACKGROUND_LABELS.items())
    return templates.TemplateResponse(request, "profile.html", context, status_code=status)


async def profile(request: Request) -> Response:
    """Ask for (GET) or save (POST) the signed-in person's background and competences."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    if viewer.role not in profiles.PROFILE_ROLES:
        raise Forbidden("Only participants and experts have a profile.")
    db = database(request)
    race, person, suggestions = await run_in_threadpool(profiles.get, db, viewer)
    race_context = {"race": race, "person": person}
    if request.method == "GET":
        chosen = person.competences
        form: dict[str, Any] = {
            "background": person.background if person.profile_ms else "",
            "company": person.company,
            "competences": chosen,
            "competence_more": ", ".join(competences.label(tag) for tag in chosen if tag not in suggestions),
        }
        return _page(request, {**race_context, "profile_form": form, "competence_suggestions": suggestions})
    posted = await read_form(request)
    chosen = [value for value in posted.getlist("competence") if isinstance(value, str)]
    form = {
        "background": text(posted, "background"),
        "company": text(posted, "company"),
        "competences": chosen,
        "competence_more": text(posted, "competence_more"),
    }
    try:
        skip = text(posted, "action") == "skip"
        tags = [] if skip else profiles.parse_tags(chosen, form["competence_more"])
        await run_in_threadpool(
            profiles.update,
            db,
            viewer,
            background=form["background"] or Background.OTHER,
            company=form["company"],
            competences=tags,
            skip=skip,
        )
    except ServiceError as error:
        context = {
            **race_context,
            "profile_form": form,
            "competence_suggestions": suggestions,
            "error": error.translated(),
        }
        return _page(request, context, status=error.status)
    return redirect(request, "race", slug=viewer.slug)


ROUTES = [
    form("/r/{slug}/profile", profile, "profile"),
]
