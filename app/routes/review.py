"""After the race: the review screen, replay, reports, exports, outcomes and personal data."""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from app import i18n
from app.auth import database, require_viewer
from app.errors import Invalid, ServiceError
from app.routes import action, page, redirect
from app.routes.forms import ident, idents, integer, text
from app.services import outcomes, privacy, reports, review
from app.services.people import Viewer
from app.templating import templates
from app.wiring import close_screens


async def _viewer(request: Request) -> Viewer:
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    return viewer


def _filters(request: Request) -> review.Filters:
    query = request.query_params
    return review.Filters(
        team=review.optional_int(query.get("team", "")),
        phase=review.optional_int(query.get("phase", "")),
        person=review.optional_int(query.get("person", "")),
        kind=query.get("kind", "")[:48],
    )


def _back(request: Request, anchor: str = "") -> Response:
    return redirect(request, "review", anchor, slug=request.path_params["slug"])


def _download(body: str, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"},
    )


async def review_page(request: Request, extra: dict[str, Any] | None = None, status: int = 200) -> Response:
    """Show the review: the timeline (filtered), cards with revisions, requests, charts, outcomes, data."""
    viewer = await _viewer(request)
    context = await run_in_threadpool(reports.overview, database(request), viewer, _filters(request))
    context.update({"outcome_form": {"key": uuid.uuid4().hex}, "outcome_error": ""}, **(extra or {}))
    return templates.TemplateResponse(request, "review/page.html", context, status_code=status)


async def replay(request: Request) -> Response:
    """Show a team board and the wall as they were just after one event."""
    viewer = await _viewer(request)
    query = request.query_params
    context = await run_in_threadpool(
        reports.replay_view,
        database(request),
        viewer,
        review.optional_int(query.get("seq", "")),
        review.optional_int(query.get("team", "")),
    )
    return templates.TemplateResponse(request, "review/replay.html", context)


async def report(request: Request) -> Response:
    """Show the race's or one team's report as a printable page, or as Markdown with ?format=md."""
    viewer = await _viewer(request)
    team = review.optional_int(request.query_params.get("team", ""))
    context = await run_in_threadpool(reports.report, database(request), viewer, team)
    if request.query_params.get("format") == "md":
        body = reports.report_markdown(context)
        name = f"{context['race'].slug}-{context['team'].id}" if context["team"] else context["race"].slug
        return _download(body, "text/markdown; charset=utf-8", f"{name}.md")
    return templates.TemplateResponse(request, "review/report.html", context)


async def csv_table(request: Request) -> Response:
    """Download one entity of the race as CSV."""
    viewer = await _viewer(request)
    name = request.path_params["table"]
    body = await run_in_threadpool(reports.csv_table, database(request), viewer, name)
    return _download(body, "text/csv; charset=utf-8", f"{viewer.slug}-{name}.csv")


async def export_json(request: Request) -> Response:
    """Download the whole race as the same JSON document `kraftsamla export` writes."""
    viewer = await _viewer(request)
    document = await run_in_threadpool(reports.export_document, database(request), viewer)
    return _download(
        json.dumps(document, ensure_ascii=False, indent=1) + "\n", "application/json", f"{viewer.slug}.json"
    )


async def add_outcome(request: Request) -> Response:
    """Record an outcome; a refused one shows the form again with the message."""
    viewer = await _viewer(request)
    form = await request.form(max_files=0, max_fields=1000, max_part_size=64 * 1024)
    fields = {name: text(form, name) for name in ("team", "kind", "date", "note", "key")}
    try:
        card_ids = idents(form, "cards")
        await run_in_threadpool(
            outcomes.record,
            database(request),
            viewer,
            team_id=ident(form, "team"),
            kind=fields["kind"],
            date=fields["date"],
            note=fields["note"],
            card_ids=card_ids,
            key=fields["key"] or None,
        )
    except (ServiceError, ValueError) as error:
        message = (
            error.translated()
            if isinstance(error, ServiceError)
            else Invalid("The form is malformed.").translated()
        )
        status = error.status if isinstance(error, ServiceError) else 422
        return await review_page(request, {"outcome_form": fields, "outcome_error": message}, status)
    return _back(request, "#outcomes")


async def set_privacy(request: Request) -> Response:
    """Set the race's retention period and what erasure does to contributions."""
    viewer = await _viewer(request)
    form = await request.form(max_files=0, max_fields=8, max_part_size=1024)
    await run_in_threadpool(
        privacy.set_policy,
        database(request),
        viewer,
        retention_days=integer(form, "retention_days"),
        erase_mode=text(form, "erase_mode"),
    )
    return _back(request, "#data")


async def export_person(request: Request) -> Response:
    """Download everything one person contributed (the person themselves or a facilitator)."""
    viewer = await _viewer(request)
    person_id = request.path_params["person_id"]
    document = await run_in_threadpool(privacy.export_person, database(request), viewer, person_id)
    body = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    return _download(body, "application/json", f"{viewer.slug}-person-{person_id}.json")


async def erase_person(request: Request) -> Response:
    """Erase a person, as the race's setting says, once the facilitator has confirmed it."""
    viewer = await _viewer(request)
    form = await request.form(max_files=0, max_fields=8, max_part_size=1024)
    if text(form, "confirm") != "yes":
        raise Invalid("Tick the box to confirm the erasure.")
    person_id = request.path_params["person_id"]
    await run_in_threadpool(privacy.erase, database(request), viewer, person_id)
    # Their sessions are gone from the database; their open screens go too.
    close_screens(request.app.state.hub, viewer.race_id, person_id)
    return _back(request, "#data")


ROUTES = [
    page("/r/{slug}/review", review_page, "review"),
    page("/r/{slug}/review/replay", replay, "replay"),
    page("/r/{slug}/review/report", report, "report"),
    page("/r/{slug}/review/export.json", export_json, "export_json"),
    page("/r/{slug}/review/csv/{table}", csv_table, "csv_table"),
    action("/r/{slug}/review/outcomes", add_outcome, "add_outcome"),
    action("/r/{slug}/review/privacy", set_privacy, "set_privacy"),
    action("/r/{slug}/review/people/{person_id:int}/export", export_person, "export_person"),
    action("/r/{slug}/review/people/{person_id:int}/erase", erase_person, "erase_person"),
]
