"""The public needs intake: a company sends a development need through the link the facilitator shared."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from app import i18n, settings
from app.auth import database
from app.errors import Conflict, Invalid
from app.language import LANG_COOKIE
from app.limits import TOO_MANY, Throttled, client_address
from app.models import Race
from app.routes import form
from app.routes.forms import read_form, text
from app.routes.join import remember_language
from app.services import competences, needs, profiles
from app.templating import templates

FIELDS = ("company", "contact_name", "contact_means", "title", "description", *needs.ASPECTS, "urgency")


def _language(request: Request, race: Race) -> str:
    """Return the language asked for by link or cookie, else the race's own."""
    asked = request.query_params.get("lang")
    if asked in settings.LANGUAGES:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in settings.LANGUAGES else i18n.pick(race.lang)


def _context(race: Race, token: str) -> dict[str, Any]:
    return {
        "race": race,
        "token": token,
        "aspects": list(needs.ASPECTS.items()),
        "urgencies": list(needs.URGENCY_LABELS.items()),
        "urgency_labels": needs.URGENCY_LABELS,
        "competence_suggestions": list(competences.BUILT_IN),
    }


def _typed(posted: FormData) -> dict[str, Any]:
    form: dict[str, Any] = {name: text(posted, name) for name in FIELDS}
    form["tags"] = [value for value in posted.getlist("tag") if isinstance(value, str)]
    form["tags_more"] = text(posted, "tag_more")
    return form


def _need_form(form: dict[str, Any]) -> needs.NeedForm:
    return needs.NeedForm(
        company=form["company"],
        contact=needs.contact_of(form["contact_name"], form["contact_means"]),
        title=form["title"],
        description=form["description"],
        tags=profiles.parse_tags(form["tags"], form["tags_more"]),
        urgency=form["urgency"],
        **{name: form[name] for name in needs.ASPECTS},
    )


async def intake(request: Request) -> Response:
    """Show the intake form (GET) or store the need it sends and thank the company (POST)."""
    token = request.path_params["token"]
    asked = request.query_params.get("lang")
    if asked in settings.LANGUAGES:
        i18n.set_language(asked)
    db = database(request)
    race = await run_in_threadpool(needs.intake_race, db, token)
    i18n.set_language(_language(request, race))
    needs.require_open(race)
    context = _context(race, token)
    if request.method == "GET":
        context.update(form={"urgency": "2"}, key=uuid.uuid4().hex)
        response = templates.TemplateResponse(request, "intake/form.html", context)
        if asked in settings.LANGUAGES:
            remember_language(response, asked)
        return response
    posted = await read_form(request)
    form, key = _typed(posted), text(posted, "key")
    address = client_address(request.scope)
    try:
        need = await run_in_threadpool(
            request.app.state.limits.intake.attempt,
            address,
            lambda: needs.submit(db, token, _need_form(form), key),
        )
    except Throttled as held:
        context.update(
            form=form, key=key or uuid.uuid4().hex, error=i18n.gettext(TOO_MANY, seconds=held.seconds)
        )
        response = templates.TemplateResponse(request, "intake/form.html", context, status_code=429)
        response.headers["retry-after"] = str(held.seconds)
        return response
    except (Invalid, Conflict) as error:
        context.update(form=form, key=key or uuid.uuid4().hex, error=error.translated())
        return templates.TemplateResponse(request, "intake/form.html", context, status_code=error.status)
    context.update(need=need)
    return templates.TemplateResponse(request, "intake/thanks.html", context, status_code=201)


ROUTES = [
    form("/intake/{token}", intake, "intake"),
]
