"""An organiser's home: their races, a new race, codes, opening a race's screens, archive and delete."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from app import settings
from app.auth import SESSION_KEY, database, require_account
from app.errors import Invalid, ServiceError
from app.i18n import N_
from app.presence import registry
from app.routes import action, form, page, redirect
from app.routes.forms import is_htmx, read_form, text
from app.routes.race import ROLE_NAMES
from app.services import agenda_templates, archive, home, launch, owners
from app.services.organisers import Account
from app.templating import templates
from app.wiring import close_screens

# Where "open" takes an organiser once they are the race's facilitator in this browser.
OPEN = {
    "control": "race",
    "sheet": "join_sheet",
    "review": "review",
    "export": "export_json",
}


# The links of each race on the home, in order (each a button that opens the race as its facilitator).
OPENS = (
    ("control", N_("Control screen")),
    ("sheet", N_("Join sheet")),
    ("review", N_("Review")),
    ("export", N_("Export")),
)
AUDIT_ACTIONS = {
    "race.archived": N_("archived"),
    "race.unarchived": N_("taken out of the archive"),
    "race.deleted": N_("deleted"),
    "code.replaced": N_("code replaced"),
}


def _shared(who: Account) -> dict[str, Any]:
    return {
        "who": who,
        "role_names": ROLE_NAMES,
        "roles": home.ROLES,
        "opens": OPENS,
        "actions": AUDIT_ACTIONS,
    }


def _races(request: Request, who: Account) -> list[home.RaceGlance]:
    return home.overview(database(request), who, registry.online)


async def home_page(request: Request, extra: dict[str, Any] | None = None, status: int = 200) -> Response:
    """Show the organiser's races, each at a glance, with what can be done to it."""
    who = await require_account(request)
    glances = await run_in_threadpool(_races, request, who)
    audit = await run_in_threadpool(archive.history, database(request), who)
    context = {**_shared(who), "glances": glances, "audit": audit, **(extra or {})}
    return templates.TemplateResponse(request, "organiser/home.html", context, status_code=status)


async def home_status(request: Request) -> Response:
    """Return each race's state as out-of-band fragments: the home polls this."""
    who = await require_account(request)
    glances = await run_in_threadpool(_races, request, who)
    context = {**_shared(who), "glances": glances}
    return templates.TemplateResponse(request, "organiser/_status_all.html", context)


def _race_form_context(request: Request, who: Account, fields: dict[str, str]) -> dict[str, Any]:
    db = database(request)
    races = owners.own_races(db, who)
    return {
        "who": who,
        "form": fields,
        "races": races,
        "saved": agenda_templates.listing(db, who),
        "timezones": launch.TIMEZONES,
        "languages": settings.LANGUAGES,
    }


async def new_race(request: Request) -> Response:
    """Show the form for a new race."""
    who = await require_account(request)
    fields = {
        "teams": "4",
        "source": agenda_templates.DEFAULT,
        "timezone": launch.TIMEZONES[0],
        "key": uuid.uuid4().hex,
    }
    context = await run_in_threadpool(_race_form_context, request, who, fields)
    return templates.TemplateResponse(request, "organiser/new_race.html", context)


RACE_FIELDS = ("name", "lang", "teams", "team_names", "start_date", "start_time", "timezone", "source", "key")


async def create_race(request: Request) -> Response:
    """Make a race from the form, then show it on the home."""
    who = await require_account(request)
    data = await read_form(request)
    fields = {name: text(data, name) for name in RACE_FIELDS}
    try:
        form_data = launch.RaceForm(
            name=fields["name"],
            lang=fields["lang"],
            teams=_count(fields["teams"]),
            team_names=fields["team_names"],
            start_date=fields["start_date"],
            start_time=fields["start_time"],
            timezone=fields["timezone"],
            source=fields["source"],
            key=fields["key"],
        )
        slug = await run_in_threadpool(launch.create, database(request), who, form_data)
    except ServiceError as error:
        context = await run_in_threadpool(_race_form_context, request, who, fields)
        context["error"] = error.translated()
        return templates.TemplateResponse(
            request, "organiser/new_race.html", context, status_code=error.status
        )
    return redirect(request, "home", f"#race-{slug}")


def _count(value: str) -> int:
    value = value.strip()
    if not value:
        return 0
    if not (value.isascii() and value.isdigit() and len(value) <= 4):
        raise Invalid("Enter a whole number for %(field)s.", field=N_("the number of teams"))
    return int(value)


async def open_race(request: Request) -> Response:
    """Make this browser the organiser's facilitator of the race, and go to the screen asked for."""
    who = await require_account(request)
    data = await read_form(request)
    target = OPEN.get(text(data, "to"))
    if target is None:
        raise Invalid("There is no such screen.")
    slug = request.path_params["slug"]
    token = await run_in_threadpool(owners.control_session, database(request), who, slug)
    request.session[SESSION_KEY] = token
    return redirect(request, target, slug=slug)


async def _act(request: Request, run: Any, anchor: str = "") -> Response:
    who = await require_account(request)
    data = await read_form(request)
    slug = request.path_params["slug"]
    try:
        await run_in_threadpool(run, who, slug, data)
    except ServiceError as error:
        if is_htmx(request):
            raise
        return await home_page(request, {"error": error.translated(), "error_race": slug}, error.status)
    return redirect(request, "home", anchor or f"#race-{slug}")


async def replace_code(request: Request) -> Response:
    """Give a role of the race a new code (the one shown, posted back, stops working)."""
    role = request.path_params["role"]
    db = database(request)
    return await _act(
        request, lambda who, slug, data: archive.replace_code(db, who, slug, role, text(data, "code"))
    )


async def archive_race(request: Request) -> Response:
    """Archive an ended race."""
    db = database(request)
    return await _act(request, lambda who, slug, _data: archive.archive(db, who, slug))


async def unarchive_race(request: Request) -> Response:
    """Take a race out of the archive."""
    db = database(request)
    return await _act(request, lambda who, slug, _data: archive.unarchive(db, who, slug))


async def share_race(request: Request) -> Response:
    """Let another organiser run the race too."""
    db = database(request)
    return await _act(request, lambda who, slug, data: owners.share(db, who, slug, text(data, "email")))


async def save_template(request: Request) -> Response:
    """Save the race's agenda as a named template."""
    db = database(request)
    return await _act(
        request,
        lambda who, slug, data: agenda_templates.save(db, who, text(data, "name"), f"race:{slug}"),
        "#templates",
    )


async def delete_race(request: Request) -> Response:
    """Ask for the race's name (GET), then delete the race with all its data (POST)."""
    who = await require_account(request)
    slug = request.path_params["slug"]
    db = database(request)
    if request.method == "GET":
        race = await run_in_threadpool(owners.own_race, db, who, slug)
        return templates.TemplateResponse(
            request, "organiser/delete.html", {"who": who, "race": race, "error": ""}
        )
    data = await read_form(request)
    try:
        deleted = await run_in_threadpool(archive.delete_race, db, who, slug, text(data, "name"))
    except Invalid as error:
        race = await run_in_threadpool(owners.own_race, db, who, slug)
        context = {"who": who, "race": race, "error": error.translated()}
        return templates.TemplateResponse(request, "organiser/delete.html", context, status_code=error.status)
    race_id, people = deleted
    # Their sessions are gone with the race: the screens open on this process close now, the others at
    # their next reconnect.
    for person_id in people:
        close_screens(request.app.state.hub, race_id, person_id)
    return redirect(request, "home", "#audit")


ROUTES = [
    page("/home", home_page, "home"),
    page("/home/status", home_status, "home_status"),
    page("/home/races/new", new_race, "new_race"),
    action("/home/races", create_race, "create_race"),
    action("/home/races/{slug}/open", open_race, "open_race"),
    action("/home/races/{slug}/codes/{role}", replace_code, "replace_code"),
    action("/home/races/{slug}/archive", archive_race, "archive_race"),
    action("/home/races/{slug}/unarchive", unarchive_race, "unarchive_race"),
    action("/home/races/{slug}/organisers", share_race, "share_race"),
    action("/home/races/{slug}/template", save_template, "save_template"),
    form("/home/races/{slug}/delete", delete_race, "delete_race"),
]
