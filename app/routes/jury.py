"""The jury: the juror's scoring screen, and the facilitator's criteria, conflicts and reveal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from app import i18n
from app.auth import database, require_viewer
from app.errors import ServiceError
from app.models import Role
from app.routes import action, page, redirect
from app.routes.forms import ident, idents, is_htmx, read_form, text
from app.services import conflicts, criteria, jury, scoreboard
from app.services.people import Viewer
from app.templating import templates


async def identity(request: Request) -> Response:
    """Save the juror's company and declared stakes, or skip the question."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    form = await read_form(request)
    stakes = idents(form, "stake")
    await run_in_threadpool(
        jury.set_identity,
        database(request),
        viewer,
        company=text(form, "company"),
        stakes=stakes,
        reason=text(form, "reason"),
        skip=text(form, "action") == "skip",
    )
    return redirect(request, "race", slug=viewer.slug)


async def save_scores(request: Request) -> Response:
    """Save the juror's scores for one team; htmx gets the team's form back with the answer."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    team_id = request.path_params["team_id"]
    form = await read_form(request)
    fields = {name: value for name, value in form.items() if isinstance(value, str) and name.startswith("c")}
    db = database(request)
    status, message, error = 200, i18n.gettext("Saved."), ""
    try:
        await run_in_threadpool(
            jury.save,
            db,
            viewer,
            team_id,
            fields=fields,
            comment=text(form, "comment"),
            key=text(form, "key") or None,
        )
    except ServiceError as refused:
        # A juror refused for a stake gets the team back with the reasons; anyone else the plain refusal.
        if not is_htmx(request) or refused.status in (401, 404) or viewer.role != Role.JURY:
            raise
        status, message, error = refused.status, "", refused.translated()
    if not is_htmx(request):
        return redirect(request, "race", f"#jt-{team_id}", slug=viewer.slug)
    context = await run_in_threadpool(scoreboard.one_team, db, viewer, team_id)
    if error:
        context["posted"] = {**fields, "comment": text(form, "comment")}
    context.update(message=message, error=error)
    return templates.TemplateResponse(request, "jury/_saved.html", context, status_code=status)


async def setup(request: Request, error: str = "", status: int = 200) -> Response:
    """Show the facilitator's jury setup: criteria, conflicts, progress and the reveal."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    context = await run_in_threadpool(scoreboard.setup, database(request), viewer)
    context["error"] = error
    return templates.TemplateResponse(request, "jury/setup.html", context, status_code=status)


async def _setup_act(request: Request, action: Callable[[Viewer, FormData], Any], anchor: str) -> Response:
    """Run one facilitator action and go back to the setup page; a refusal shows there, nothing saved."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    form = await read_form(request)
    if is_htmx(request):
        # From the control screen: a short notice; the new state arrives over the socket.
        await run_in_threadpool(action, viewer, form)
        return templates.TemplateResponse(
            request, "facilitator/_notice.html", {"message": i18n.gettext("Saved.")}
        )
    try:
        await run_in_threadpool(action, viewer, form)
    except ServiceError as refused:
        if refused.status in (401, 403):
            raise
        return await setup(request, refused.translated(), refused.status)
    if text(form, "back") == "control":
        return redirect(request, "race", slug=viewer.slug)
    return redirect(request, "jury_setup", f"#{anchor}", slug=viewer.slug)


async def add_criterion(request: Request) -> Response:
    """Add a criterion."""
    db = database(request)
    return await _setup_act(
        request,
        lambda viewer, form: criteria.add(db, viewer, name=text(form, "name"), weight=text(form, "weight")),
        "criteria",
    )


async def update_criterion(request: Request) -> Response:
    """Rename a criterion or change its weight."""
    db, criterion_id = database(request), request.path_params["criterion_id"]
    return await _setup_act(
        request,
        lambda viewer, form: criteria.update(
            db, viewer, criterion_id, name=text(form, "name"), weight=text(form, "weight")
        ),
        "criteria",
    )


async def move_criterion(request: Request) -> Response:
    """Move a criterion up or down."""
    db, criterion_id = database(request), request.path_params["criterion_id"]
    return await _setup_act(
        request,
        lambda viewer, form: criteria.move(db, viewer, criterion_id, text(form, "direction")),
        "criteria",
    )


async def remove_criterion(request: Request) -> Response:
    """Remove a criterion nobody has scored on."""
    db, criterion_id = database(request), request.path_params["criterion_id"]
    return await _setup_act(
        request, lambda viewer, _form: criteria.remove(db, viewer, criterion_id), "criteria"
    )


async def add_conflict(request: Request) -> Response:
    """Keep a juror from scoring a team."""
    db = database(request)
    return await _setup_act(
        request,
        lambda viewer, form: conflicts.add(
            db,
            viewer,
            juror_id=ident(form, "juror"),
            team_id=ident(form, "team"),
            reason=text(form, "reason"),
        ),
        "conflicts",
    )


async def remove_conflict(request: Request) -> Response:
    """Take back a declared conflict."""
    db, conflict_id = database(request), request.path_params["conflict_id"]
    return await _setup_act(
        request, lambda viewer, _form: conflicts.remove(db, viewer, conflict_id), "conflicts"
    )


async def juror_company(request: Request) -> Response:
    """Set a juror's company (theirs is fixed once they have scored)."""
    db, juror_id = database(request), request.path_params["juror_id"]
    return await _setup_act(
        request,
        lambda viewer, form: jury.set_company(db, viewer, juror_id, text(form, "company")),
        "conflicts",
    )


async def reveal(request: Request) -> Response:
    """Reveal the scores (the wall shows the ranking) or hide them again."""
    db = database(request)
    return await _setup_act(
        request, lambda viewer, form: jury.set_revealed(db, viewer, text(form, "reveal") == "1"), "results"
    )


ROUTES = [
    action("/r/{slug}/jury/identity", identity, "jury_identity"),
    action("/r/{slug}/jury/teams/{team_id:int}", save_scores, "save_scores"),
    page("/r/{slug}/jury/setup", setup, "jury_setup"),
    action("/r/{slug}/jury/criteria", add_criterion, "add_criterion"),
    action("/r/{slug}/jury/criteria/{criterion_id:int}", update_criterion, "update_criterion"),
    action("/r/{slug}/jury/criteria/{criterion_id:int}/move", move_criterion, "move_criterion"),
    action("/r/{slug}/jury/criteria/{criterion_id:int}/remove", remove_criterion, "remove_criterion"),
    action("/r/{slug}/jury/conflicts", add_conflict, "add_conflict"),
    action("/r/{slug}/jury/conflicts/{conflict_id:int}/remove", remove_conflict, "remove_conflict"),
    action("/r/{slug}/jury/jurors/{juror_id:int}/company", juror_company, "juror_company"),
    action("/r/{slug}/jury/reveal", reveal, "jury_reveal"),
]
