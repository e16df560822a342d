"""The facilitator's editing: agenda, challenges, teams, people, locked boards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from app import i18n
from app.auth import database, require_viewer
from app.errors import Invalid
from app.i18n import N_, Label
from app.numbers import whole
from app.routes import action, redirect
from app.routes.forms import is_htmx, optional_ident, read_form, text
from app.services import agenda, profiles, roster, teams
from app.services.people import Viewer
from app.templating import templates

SAVED = N_("Saved.")


def _number(form: FormData, name: str, label: str) -> int:
    try:
        return whole(text(form, name))
    except ValueError:
        raise Invalid("Enter a whole number for %(field)s.", field=Label(label)) from None


def _phase_form(form: FormData) -> agenda.PhaseForm:
    return agenda.PhaseForm(
        name=text(form, "name"),
        minutes=_number(form, "minutes", N_("the minutes")),
        board_open=bool(text(form, "board_open")),
        voting_open=bool(text(form, "voting_open")),
        requests_open=bool(text(form, "requests_open")),
        vote_budget=_number(form, "vote_budget", N_("the vote budget")),
        lock_at_end=bool(text(form, "lock_at_end")),
        next_at_end=bool(text(form, "next_at_end")),
    )


async def _act(request: Request, action: Callable[[Viewer, FormData], Any], message: str = SAVED) -> Response:
    """Run one facilitator action; htmx gets a short notice, a plain form goes back to the screen."""
    slug = request.path_params["slug"]
    viewer = await require_viewer(request, slug)
    i18n.set_language(viewer.lang)
    form = await read_form(request)
    await run_in_threadpool(action, viewer, form)
    if not is_htmx(request):
        return redirect(request, "race", slug=slug)
    # The new state itself arrives over the socket, like everyone else's.
    return templates.TemplateResponse(request, "facilitator/_notice.html", {"message": i18n.gettext(message)})


async def add_phase(request: Request) -> Response:
    """Add a phase at the end of the agenda."""
    db = database(request)
    return await _act(request, lambda viewer, form: agenda.add(db, viewer, _phase_form(form)))


async def update_phase(request: Request) -> Response:
    """Change a phase's name, minutes, what it opens and its vote budget."""
    db, phase_id = database(request), request.path_params["phase_id"]
    return await _act(request, lambda viewer, form: agenda.update(db, viewer, phase_id, _phase_form(form)))


async def remove_phase(request: Request) -> Response:
    """Take a phase out of the agenda."""
    db, phase_id = database(request), request.path_params["phase_id"]
    return await _act(request, lambda viewer, _form: agenda.remove(db, viewer, phase_id), N_("Removed."))


async def move_phase(request: Request) -> Response:
    """Move a phase one step earlier or later."""
    db, phase_id = database(request), request.path_params["phase_id"]
    return await _act(
        request, lambda viewer, form: agenda.move(db, viewer, phase_id, text(form, "direction")), N_("Moved.")
    )


def _challenge_fields(form: FormData) -> dict[str, Any]:
    fields: dict[str, Any] = {name: text(form, name) for name in ("company", "title", "description")}
    if "tags" in form:
        # The competences the challenge asks for; a form without the field leaves them as they are.
        fields["tags"] = profiles.parse_tags([], text(form, "tags"))
    return fields


async def add_challenge(request: Request) -> Response:
    """Add a challenge."""
    db = database(request)
    return await _act(
        request, lambda viewer, form: roster.add_challenge(db, viewer, **_challenge_fields(form))
    )


async def update_challenge(request: Request) -> Response:
    """Edit a challenge."""
    db, challenge_id = database(request), request.path_params["challenge_id"]
    return await _act(
        request,
        lambda viewer, form: roster.update_challenge(db, viewer, challenge_id, **_challenge_fields(form)),
    )


def _team_fields(form: FormData) -> dict[str, Any]:
    return {
        "name": text(form, "name"),
        "colour": text(form, "colour"),
        "challenge_id": optional_ident(form, "challenge"),
    }


async def add_team(request: Request) -> Response:
    """Add a team."""
    db = database(request)
    return await _act(request, lambda viewer, form: roster.add_team(db, viewer, **_team_fields(form)))


async def update_team(request: Request) -> Response:
    """Edit a team."""
    db, team_id = database(request), request.path_params["team_id"]
    return await _act(
        request, lambda viewer, form: roster.update_team(db, viewer, team_id, **_team_fields(form))
    )


async def lock_board(request: Request) -> Response:
    """Lock or unlock a team's board."""
    db, team_id = database(request), request.path_params["team_id"]

    def action(viewer: Viewer, form: FormData) -> int:
        return roster.set_locked(db, viewer, team_id, text(form, "locked") == "1")

    return await _act(request, action)


async def team_choice(request: Request) -> Response:
    """Open or close team choice for participants who already have a team."""
    db = database(request)
    return await _act(request, lambda viewer, form: teams.set_choice(db, viewer, text(form, "open") == "1"))


async def move_person(request: Request) -> Response:
    """Put a participant in another team; their screens load the new team."""
    return await _move(request, lambda _form: request.path_params["person_id"])


async def move_chosen_person(request: Request) -> Response:
    """Put the person chosen in the form in another team (the roster's one move form in a big race)."""

    def chosen(form: FormData) -> int:
        person_id = optional_ident(form, "person")
        if person_id is None:
            raise Invalid("Choose a person to move.")
        return person_id

    return await _move(request, chosen)


async def _move(request: Request, person_of: Callable[[FormData], int]) -> Response:
    db = database(request)

    def action(viewer: Viewer, form: FormData) -> int:
        agenda.require_facilitator(viewer)
        return roster.move_person(db, viewer, person_of(form), optional_ident(form, "team"))

    # The person's screens close and load their new team as the hub renders the move (see Changes.moved).
    return await _act(request, action, N_("Moved."))


ROUTES = [
    action("/r/{slug}/agenda", add_phase, "add_phase"),
    action("/r/{slug}/agenda/{phase_id:int}", update_phase, "update_phase"),
    action("/r/{slug}/agenda/{phase_id:int}/remove", remove_phase, "remove_phase"),
    action("/r/{slug}/agenda/{phase_id:int}/move", move_phase, "move_phase"),
    action("/r/{slug}/challenges", add_challenge, "add_challenge"),
    action("/r/{slug}/challenges/{challenge_id:int}", update_challenge, "update_challenge"),
    action("/r/{slug}/teams", add_team, "add_team"),
    action("/r/{slug}/teams/{team_id:int}", update_team, "update_team"),
    action("/r/{slug}/teams/{team_id:int}/lock", lock_board, "lock_board"),
    action("/r/{slug}/team-choice", team_choice, "team_choice"),
    action("/r/{slug}/people/{person_id:int}/team", move_person, "move_person"),
    action("/r/{slug}/people/team", move_chosen_person, "move_chosen_person"),
]
