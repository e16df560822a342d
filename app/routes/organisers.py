"""Organisers' accounts in the browser: sign-in and sign-out, a password change, a new organiser."""

from __future__ import annotations

import math
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from app import i18n
from app.auth import ORGANISER_KEY, SESSION_KEY, database, passwords, require_account
from app.errors import ServiceError
from app.routes import action, form, page, redirect
from app.routes.forms import read_form, text
from app.services import organisers
from app.templating import templates

TOO_MANY = i18n.N_("Too many wrong passwords: wait %(minutes)s minutes and try again.")


def client_address(request: Request) -> str:
    """Return the address the connection came from (uvicorn puts the trusted proxy's word there)."""
    return request.client.host if request.client else "?"


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    return templates.TemplateResponse(request, f"organiser/{name}.html", context, status_code=status)


async def sign_in_form(request: Request) -> Response:
    """Show the organisers' sign-in form (or go home when signed in already)."""
    if isinstance(request.session.get(ORGANISER_KEY), str):
        found = await run_in_threadpool(organisers.account, database(request), request.session[ORGANISER_KEY])
        if found is not None:
            return redirect(request, "home")
    return _page(request, "sign_in", {"email": "", "error": ""})


async def sign_in(request: Request) -> Response:
    """Sign an organiser in with e-mail and password; wrong ones are counted per account and address."""
    data = await read_form(request)
    email, password = text(data, "email"), text(data, "password")
    account = email.strip().casefold()[: organisers.EMAIL_MAX]
    limits = request.app.state.limits.sign_in
    address = client_address(request)
    context = {"email": email[: organisers.EMAIL_MAX]}
    wait = limits.wait(account, address)
    if wait > 0:
        minutes = max(1, round(wait / 60))
        context["error"] = i18n.gettext(TOO_MANY, minutes=minutes)
        response = _page(request, "sign_in", context, status=429)
        response.headers["retry-after"] = str(max(1, math.ceil(wait)))
        return response
    try:
        token = await run_in_threadpool(
            organisers.sign_in, database(request), passwords(request), email, password
        )
    except organisers.WrongPassword as error:
        limits.failed(account, address)
        return _page(request, "sign_in", {**context, "error": error.translated()}, status=error.status)
    # A fresh cookie: whatever race session the browser held before is not carried into the account's.
    request.session.clear()
    request.session[ORGANISER_KEY] = token
    return redirect(request, "home")


async def sign_out(request: Request) -> Response:
    """End the organiser's session (and the race screen this browser had open through it)."""
    token = request.session.get(ORGANISER_KEY)
    if isinstance(token, str):
        await run_in_threadpool(organisers.sign_out, database(request), token)
    request.session.pop(ORGANISER_KEY, None)
    request.session.pop(SESSION_KEY, None)
    return redirect(request, "sign_in_form")


async def password(request: Request) -> Response:
    """Show and take the password change form."""
    who = await require_account(request)
    context: dict[str, Any] = {"who": who, "error": "", "done": False}
    if request.method == "GET":
        return _page(request, "password", context)
    data = await read_form(request)
    if text(data, "new") != text(data, "again"):
        context["error"] = i18n.gettext("The two new passwords differ.")
        return _page(request, "password", context, status=422)
    try:
        await run_in_threadpool(
            organisers.change_password,
            database(request),
            passwords(request),
            who,
            request.session[ORGANISER_KEY],
            text(data, "current"),
            text(data, "new"),
        )
    except ServiceError as error:
        return _page(request, "password", {**context, "error": error.translated()}, status=error.status)
    return _page(request, "password", {**context, "done": True})


async def new_organiser(request: Request) -> Response:
    """Show and take the form that makes another organiser's account."""
    who = await require_account(request)
    context: dict[str, Any] = {"who": who, "error": "", "made": None, "form": {}}
    if request.method == "GET":
        return _page(request, "new", context)
    data = await read_form(request)
    fields = {name: text(data, name) for name in ("email", "name")}
    try:
        made = await run_in_threadpool(
            organisers.create,
            database(request),
            passwords(request),
            fields["email"],
            text(data, "password"),
            fields["name"],
        )
    except ServiceError as error:
        context.update(error=error.translated(), form=fields)
        return _page(request, "new", context, status=error.status)
    return _page(request, "new", {**context, "made": made})


ROUTES = [
    page("/organisers/sign-in", sign_in_form, "sign_in_form"),
    action("/organisers/sign-in", sign_in, "sign_in"),
    action("/organisers/sign-out", sign_out, "sign_out"),
    form("/organisers/password", password, "organiser_password"),
    form("/organisers/new", new_organiser, "new_organiser"),
]
