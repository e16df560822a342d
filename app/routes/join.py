"""The way in: the join form, joining with a code, language choice."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Match

from app import i18n, settings
from app.auth import ORGANISER_KEY, SESSION_KEY, current_viewer, database, device_token, remember_device
from app.errors import ServiceError
from app.language import LANG_COOKIE
from app.limits import TOO_MANY_JOINS, Throttled, client_address
from app.routes import action, page, redirect
from app.routes.forms import read_form, text
from app.services import devices, people
from app.templating import templates
from app.wiring import close_screens


def remember_language(response: Response, lang: str) -> None:
    """Keep a language choice in its own cookie (the session cookie carries only an id)."""
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, httponly=True, samesite="lax")


def _join_page(
    request: Request, *, error: str = "", code: str = "", name: str = "", status: int = 200
) -> Response:
    return templates.TemplateResponse(
        request, "join.html", {"error": error, "code": code, "name": name}, status_code=status
    )


async def join_form(request: Request) -> Response:
    """Show the join form, in the language asked for."""
    lang = request.query_params.get("lang")
    if lang in settings.LANGUAGES:
        i18n.set_language(lang)
    if request.query_params.get("code") is None:
        viewer = await current_viewer(request)
        if viewer is not None:
            return redirect(request, "race", slug=viewer.slug)
    response = _join_page(request, code=request.query_params.get("code", "")[:32])
    if lang in settings.LANGUAGES:
        remember_language(response, lang)
    return response


async def join(request: Request) -> Response:
    """Join the race the code opens, or show the form again with what went wrong."""
    form = await read_form(request)
    code, name = text(form, "code"), text(form, "name")
    earlier = request.session.get(SESSION_KEY)
    db, limits = database(request), request.app.state.limits.joins
    # The browser's device: made on its first join, kept across sign-out.
    device = device_token(request) or devices.new_token()

    def attempt() -> tuple[str, str]:
        return people.join(db, code, name, earlier if isinstance(earlier, str) else None, device)

    address = client_address(request.scope)
    try:
        token, slug = await run_in_threadpool(limits.attempt, address, attempt, people.UnknownCode)
    except Throttled as held:
        message = i18n.gettext(TOO_MANY_JOINS, seconds=held.seconds)
        response = _join_page(request, error=message, code=code[:32], name=name[:80], status=429)
        response.headers["retry-after"] = str(held.seconds)
        return response
    except ServiceError as error:
        message = error.translated()
        return _join_page(request, error=message, code=code[:32], name=name[:80], status=error.status)
    organiser = request.session.get(ORGANISER_KEY)
    request.session.clear()
    request.session[SESSION_KEY] = token
    if isinstance(organiser, str):
        # An organiser who joins a race with a code stays signed in to their account.
        request.session[ORGANISER_KEY] = organiser
    response = redirect(request, "race", slug=slug)
    remember_device(request, response, device)
    return response


def _a_page(request: Request, path: str) -> bool:
    """Return whether a path is one of the app's pages a browser may GET (not a form's POST address)."""
    if "//" in path or "\\" in path or "?" in path:
        return False
    scope = {"type": "http", "path": path, "method": "GET"}
    return any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes)


async def language(request: Request) -> Response:
    """Switch the signed-in person's language and go back to their screen."""
    form = await read_form(request)
    lang = i18n.pick(text(form, "lang"))
    viewer = await current_viewer(request)
    if viewer is not None and viewer.slug == request.path_params["slug"]:
        await run_in_threadpool(people.set_language, database(request), viewer.person_id, lang)
    race_path = str(request.app.url_path_for("race", slug=request.path_params["slug"]))
    back = text(form, "next")
    # Back to the race's own page the switch was made on; anything else goes to the race's screen.
    if not (back == race_path or back.startswith(race_path + "/")) or not _a_page(request, back):
        back = race_path
    response = RedirectResponse(back, status_code=303)
    remember_language(response, lang)
    return response


async def leave(request: Request) -> Response:
    """Sign out: end the session, close its screens' sockets, forget the cookie."""
    token = request.session.get(SESSION_KEY)
    if isinstance(token, str):
        who = await run_in_threadpool(people.leave, database(request), token)
        if who is not None:
            close_screens(request.app.state.hub, who.race_id, who.person_id)
    request.session.clear()
    return redirect(request, "join_form")


ROUTES = [
    page("/", join_form, "join_form"),
    action("/join", join, "join"),
    action("/leave", leave, "leave"),
    action("/r/{slug}/lang", language, "language"),
]
