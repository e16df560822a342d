"""Changing cards on the team board: edit, move, remove, vote, comment, and a card's history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from app import i18n
from app.auth import database, require_viewer
from app.db import Database
from app.errors import Invalid
from app.i18n import N_
from app.models import Role
from app.routes import action, page, redirect
from app.routes.forms import integer, is_htmx, read_form, text
from app.screens import board_context, cards_context
from app.services import board, comments, revisions, votes
from app.services.people import Viewer
from app.templating import templates


def _back_to_board(request: Request, viewer: Viewer) -> Response:
    """Send a plain (not htmx) post back to the board."""
    return redirect(request, "race", slug=viewer.slug)


async def _open_panel(context: dict[str, Any], db: Database, viewer: Viewer, card_id: int, note: str) -> None:
    """Add the card's panel, opened, with a note above its forms, to an answer's context."""
    context["panel"] = await run_in_threadpool(revisions.panel, db, viewer, card_id)
    context["panel_note"] = i18n.gettext(note) if note else ""
    context.setdefault("conflict", None)


async def _answer_in_panel(
    request: Request,
    viewer: Viewer,
    card_id: int,
    part: str,
    *,
    columns: tuple[str, ...] = (),
    note: str = "",
    status: int = 200,
    conflict: dict[str, str] | None = None,
) -> Response:
    """Answer a change made in an opened card: its note, the touched columns whole, and the card's parts."""
    if not is_htmx(request):
        return _back_to_board(request, viewer)
    db = database(request)
    context = await run_in_threadpool(board_context, db, viewer, columns)
    context.update(touched=columns, my_budget=None, parts=(part,), conflict=conflict)
    if part == "comment":
        context.update(await run_in_threadpool(cards_context, db, viewer, [card_id]))
    await _open_panel(context, db, viewer, card_id, note)
    return templates.TemplateResponse(request, "participant/_card_answer.html", context, status_code=status)


async def _answer_vote(request: Request, viewer: Viewer, voted: votes.Voted) -> Response:
    """Answer a vote with its card alone (an upsert) and the voter's count, as the vote left it."""
    if not is_htmx(request):
        return _back_to_board(request, viewer)
    db = database(request)
    # A replayed vote did not count the voter's votes: the answer reads them.
    unknown = voted.budget is None
    context = await run_in_threadpool(lambda: cards_context(db, viewer, [voted.card_id], budget=unknown))
    if voted.budget is not None:
        context["my_budget"] = voted.budget
    context.update(touched=())
    return templates.TemplateResponse(request, "participant/_board_answer.html", context)


async def _act(request: Request, action: Callable[..., Any], *fields: str) -> tuple[Viewer, Any]:
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    form = await read_form(request)
    values = {name: text(form, name) for name in fields}
    card_id = request.path_params["card_id"]
    key = text(form, "key") or None
    done = await run_in_threadpool(lambda: action(database(request), viewer, card_id, key=key, **values))
    return viewer, done


def _revision(form: FormData) -> int:
    """Return the card revision an edit started from (the `rev` field)."""
    if "rev" not in form:
        raise Invalid("The form does not say which version of the card you edited. Open the card again.")
    return integer(form, "rev")


async def edit_card(request: Request) -> Response:
    """Give a card a new title and text; an edit begun on an older revision shows both texts instead."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    form = await read_form(request)
    card_id = request.path_params["card_id"]
    fields = {"title": text(form, "title"), "body": text(form, "body")}
    db = database(request)
    try:
        changed = await run_in_threadpool(
            lambda: revisions.edit(
                db, viewer, card_id, **fields, rev=_revision(form), key=text(form, "key") or None
            )
        )
    except revisions.Stale:
        if not is_htmx(request):
            context = await run_in_threadpool(board_context, db, viewer, ())
            await _open_panel(context, db, viewer, card_id, "")
            context.update(oob=False, conflict=fields)
            return templates.TemplateResponse(request, "participant/card.html", context, status_code=409)
        return await _answer_in_panel(request, viewer, card_id, "edit", status=409, conflict=fields)
    return await _answer_in_panel(
        request, viewer, card_id, "edit", columns=changed.columns, note=N_("Saved.")
    )


async def move_card(request: Request) -> Response:
    """Move a card to another column."""
    viewer, changed = await _act(request, revisions.move, "column")
    return await _answer_in_panel(
        request, viewer, changed.card.id, "move", columns=changed.columns, note=N_("Moved.")
    )


async def remove_card(request: Request) -> Response:
    """Take a card off the board (its history stays)."""
    viewer, changed = await _act(request, revisions.remove)
    return await _answer_in_panel(request, viewer, changed.card.id, "remove", columns=changed.columns)


async def cast_vote(request: Request) -> Response:
    """Put one of the voter's dots on a card."""
    viewer, voted = await _act(request, votes.cast)
    return await _answer_vote(request, viewer, voted)


async def withdraw_vote(request: Request) -> Response:
    """Take back one of the voter's dots on a card."""
    viewer, voted = await _act(request, votes.withdraw)
    return await _answer_vote(request, viewer, voted)


async def add_comment(request: Request) -> Response:
    """Comment on a card."""
    viewer, card = await _act(request, comments.add, "body")
    return await _answer_in_panel(request, viewer, card.id, "comment", note=N_("Comment sent."))


async def my_votes(request: Request) -> Response:
    """Return the viewer's votes left in the open phase, as a fragment that replaces the count."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    budget = await run_in_threadpool(votes.viewers_budget, database(request), viewer)
    return templates.TemplateResponse(
        request, "participant/_my_votes.html", {"my_budget": budget, "oob": True}
    )


async def card(request: Request) -> Response:
    """Open a card: its edit, move and comment forms and every revision (who, when, what), removed or not."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    db = database(request)
    panel = await run_in_threadpool(revisions.panel, db, viewer, request.path_params["card_id"])
    following = is_htmx(request) and "follow" in request.query_params
    context = await run_in_threadpool(board_context, db, viewer, () if following else None)
    context.update(panel=panel, oob=False, conflict=None)
    if following:
        template = "participant/_card_follow.html"
    else:
        template = "participant/_card_panel.html" if is_htmx(request) else "participant/card.html"
    return templates.TemplateResponse(request, template, context)


async def team_board(request: Request) -> Response:
    """Show a team's board to read (jurors, experts, facilitators): cards, votes, comments, histories."""
    viewer = await require_viewer(request, request.path_params["slug"])
    i18n.set_language(viewer.lang)
    context = await run_in_threadpool(
        board.to_read, database(request), viewer, request.path_params["team_id"]
    )
    if viewer.role == Role.PARTICIPANT:
        # In the gallery walk: shown inside the participant's own screen, so closing it takes it away at once.
        if not is_htmx(request):
            return redirect(request, "race", slug=viewer.slug)
        return templates.TemplateResponse(request, "board/_read.html", context)
    return templates.TemplateResponse(request, "board/page.html", context)


ROUTES = [
    action("/r/{slug}/cards/{card_id:int}/edit", edit_card, "edit_card"),
    action("/r/{slug}/cards/{card_id:int}/move", move_card, "move_card"),
    action("/r/{slug}/cards/{card_id:int}/remove", remove_card, "remove_card"),
    action("/r/{slug}/cards/{card_id:int}/votes", cast_vote, "cast_vote"),
    action("/r/{slug}/cards/{card_id:int}/votes/withdraw", withdraw_vote, "withdraw_vote"),
    action("/r/{slug}/cards/{card_id:int}/comments", add_comment, "add_comment"),
    page("/r/{slug}/cards/{card_id:int}", card, "card"),
    page("/r/{slug}/teams/{team_id:int}/board", team_board, "team_board"),
    page("/r/{slug}/votes/mine", my_votes, "my_votes"),
]
