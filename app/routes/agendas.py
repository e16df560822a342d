"""Agenda templates in the browser: the built-in 48-hour one, an organiser's own, made, edited, removed."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from app import settings
from app.auth import database, require_account
from app.errors import Invalid, ServiceError
from app.i18n import N_
from app.routes import action, form, page, redirect
from app.routes.forms import FIELD_MAX, text
from app.services import agenda_templates
from app.services.organisers import Account
from app.services.races import AgendaItem, Plan
from app.templating import templates

# A phase row has seven fields and a criterion three: room for the longest agenda and the most criteria.
MAX_FIELDS = 8 * agenda_templates.PHASES_MAX + 4 * 20 + 10
ROW = re.compile(r"(phase|criterion)-(\d{1,3})-(\w+)")


async def listing(request: Request, extra: dict[str, Any] | None = None, status: int = 200) -> Response:
    """Show the built-in template in each language and the organiser's own templates."""
    who = await require_account(request)
    saved = await run_in_threadpool(agenda_templates.listing, database(request), who)
    context = {
        "who": who,
        "saved": saved,
        "defaults": agenda_templates.default_templates(),
        "languages": settings.LANGUAGES,
        "error": "",
        **(extra or {}),
    }
    return templates.TemplateResponse(request, "organiser/templates.html", context, status_code=status)


async def add(request: Request) -> Response:
    """Save the built-in template, in a language, as a new template of the organiser's to edit."""
    who = await require_account(request)
    data = await request.form(max_files=0, max_fields=8, max_part_size=FIELD_MAX)
    lang = text(data, "lang")
    try:
        if lang not in settings.LANGUAGES:
            raise Invalid("Choose a language.")
        template_id = await run_in_threadpool(
            agenda_templates.save, database(request), who, text(data, "name"), agenda_templates.DEFAULT, lang
        )
    except ServiceError as error:
        return await listing(request, {"error": error.translated()}, error.status)
    return redirect(request, "agenda_template", template_id=template_id)


def _number(value: str, label: str) -> int:
    value = value.strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 6):
        raise Invalid("Enter a whole number for %(field)s.", field=label)
    return int(value)


def _weight(value: str) -> float:
    try:
        return float(value.strip().replace(",", ".")[:20])
    except ValueError:
        raise Invalid("Enter a number for %(field)s.", field=N_("the weight")) from None


def typed_rows(data: FormData) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Return the edit form's phase and criterion rows as typed, in order; blank and removed rows left out."""
    rows: dict[tuple[str, int], dict[str, str]] = {}
    for name in data:
        found = ROW.fullmatch(name)
        if found:
            rows.setdefault((found[1], int(found[2])), {})[found[3]] = text(data, name)
    kept: dict[str, list[dict[str, str]]] = {"phase": [], "criterion": []}
    for (kind, _index), row in sorted(rows.items()):
        if not row.get("remove") and (row.get("name", "").strip() or row.get("minutes", "").strip()):
            kept[kind].append(row)
    return kept["phase"], kept["criterion"]


def plan_from(data: FormData) -> Plan:
    """Read the edit form's rows into a plan."""
    phases, criteria = typed_rows(data)
    return Plan(
        tuple(
            AgendaItem(
                row.get("name", ""),
                _number(row.get("minutes", ""), N_("the minutes")),
                bool(row.get("board")),
                bool(row.get("voting")),
                bool(row.get("requests")),
                _number(row.get("budget", "5") or "5", N_("the vote budget")),
            )
            for row in phases
        ),
        tuple((row.get("name", ""), _weight(row.get("weight", "1") or "1")) for row in criteria),
        tuple(text(data, "competences").replace("\n", ",").split(",")),
    )


def as_typed(row: Any, data: FormData) -> SimpleNamespace:
    """Return a template as the refused form had it, so that nothing typed is lost."""
    phases, criteria = typed_rows(data)
    return SimpleNamespace(
        id=row.id,
        rev=row.rev,
        name=text(data, "name"),
        phases=phases,
        criteria=criteria,
        competences=[part.strip() for part in text(data, "competences").split(",") if part.strip()],
    )


def _edit_context(who: Account, row: Any, error: str = "") -> dict[str, Any]:
    return {"who": who, "template": row, "error": error}


async def edit(request: Request) -> Response:
    """Show (GET) or save (POST) one of the organiser's templates."""
    who = await require_account(request)
    db = database(request)
    template_id = request.path_params["template_id"]
    row = await run_in_threadpool(agenda_templates.get, db, who, template_id)
    if request.method == "GET":
        return templates.TemplateResponse(request, "organiser/template.html", _edit_context(who, row))
    data = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=FIELD_MAX)
    try:
        rev = _number(text(data, "rev"), "rev")
        await run_in_threadpool(
            agenda_templates.update, db, who, template_id, rev, text(data, "name"), plan_from(data)
        )
    except ServiceError as error:
        # A stale edit meets the template as it is now; any other refusal keeps what was typed.
        shown: Any = as_typed(row, data)
        if error.status == 409:
            shown = await run_in_threadpool(agenda_templates.get, db, who, template_id)
        context = _edit_context(who, shown, error.translated())
        status = error.status
        return templates.TemplateResponse(request, "organiser/template.html", context, status_code=status)
    return redirect(request, "agenda_templates")


async def remove(request: Request) -> Response:
    """Remove one of the organiser's templates."""
    who = await require_account(request)
    data = await request.form(max_files=0, max_fields=8, max_part_size=FIELD_MAX)
    try:
        rev = _number(text(data, "rev"), "rev")
        await run_in_threadpool(
            agenda_templates.remove, database(request), who, request.path_params["template_id"], rev
        )
    except ServiceError as error:
        return await listing(request, {"error": error.translated()}, error.status)
    return redirect(request, "agenda_templates")


ROUTES = [
    page("/home/templates", listing, "agenda_templates"),
    action("/home/templates", add, "add_agenda_template"),
    form("/home/templates/{template_id:int}", edit, "agenda_template"),
    action("/home/templates/{template_id:int}/remove", remove, "remove_agenda_template"),
]
