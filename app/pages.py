"""One error handler: a page, or a fragment for htmx, in the person's language."""

from __future__ import annotations

import logging

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import Scope

from app import i18n
from app.auth import NotSignedIn, OrganiserNotSignedIn
from app.errors import ServiceError
from app.language import negotiate
from app.templating import render, templates

log = logging.getLogger("kraftsamla")

TITLES = {
    400: i18n.N_("Something is wrong with the request"),
    401: i18n.N_("Please join first"),
    403: i18n.N_("Not allowed"),
    404: i18n.N_("Not found"),
    405: i18n.N_("Not allowed"),
    409: i18n.N_("Not possible right now"),
    410: i18n.N_("Closed"),
    413: i18n.N_("Too large"),
    422: i18n.N_("Please check what you entered"),
    429: i18n.N_("Too many requests"),
    500: i18n.N_("Something went wrong"),
}


def refusal(scope: Scope, status: int, message: str) -> Response:
    """Return an error page (or, to htmx, its message alone) in the language the request asks for.

    For answers made outside the routes' language handling (a cross-site post, a server error).
    """
    with i18n.language(negotiate(scope)):
        context = {"status": status, "title": i18n.gettext(TITLES[status]), "message": i18n.gettext(message)}
        htmx = Headers(scope=scope).get("hx-request") == "true"
        return HTMLResponse(render("_error.html" if htmx else "error.html", **context), status_code=status)


async def server_error(request: Request, exc: Exception) -> Response:
    """Answer an unexpected failure with a page in the person's language (the server logs the error)."""
    return refusal(request.scope, 500, i18n.N_("Something went wrong on the server. Try again in a moment."))


async def database_error(request: Request, exc: Exception) -> Response:
    """Answer 503 when the database cannot take a write (locked too long, disk full); nothing was saved."""
    log.error("database error on %s %s: %s", request.method, request.url.path, exc)
    message = i18n.gettext("The database is busy or full, so nothing was saved. Try again in a moment.")
    context = {"status": 503, "message": message, "title": i18n.gettext("Not saved")}
    template = "_error.html" if request.headers.get("hx-request") == "true" else "error.html"
    response = templates.TemplateResponse(request, template, context, status_code=503)
    response.headers["retry-after"] = "2"
    return response


async def client_gone(request: Request, exc: Exception) -> Response:
    """Note at debug level that the client went away before its request was read; nobody gets the answer."""
    log.debug("client went away during %s %s", request.method, request.url.path)
    return Response(status_code=400)


async def malformed(request: Request, exc: Exception) -> Response:
    """Answer 400 to a number no database column can hold (an id in a path, say)."""
    return await service_error(request, ServiceError("The form is malformed."))


async def service_error(request: Request, exc: Exception) -> Response:
    """Answer a refused action with its status and a message the person can act on."""
    if isinstance(exc, NotSignedIn) and request.method == "GET" and "hx-request" not in request.headers:
        way_in = "sign_in_form" if isinstance(exc, OrganiserNotSignedIn) else "join_form"
        return RedirectResponse(request.app.url_path_for(way_in), status_code=303)
    if isinstance(exc, ServiceError):
        status, message = exc.status, exc.translated()
    elif isinstance(exc, HTTPException):
        status = exc.status_code
        if status == 404:
            message = i18n.gettext("There is nothing at this address.")
        else:
            message = i18n.gettext("This is not allowed.")
    else:
        raise exc
    context = {"status": status, "message": message, "title": i18n.gettext(TITLES.get(status, TITLES[400]))}
    template = "_error.html" if request.headers.get("hx-request") == "true" else "error.html"
    return templates.TemplateResponse(request, template, context, status_code=status)
