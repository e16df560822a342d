"""The printable join sheet: one page per role code, with its QR code, in the race's language."""

from __future__ import annotations

import segno
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from app import i18n
from app.auth import database, require_viewer
from app.models import Role
from app.routes import absolute, page
from app.routes.race import ROLE_NAMES
from app.services import races
from app.services.agenda import require_facilitator
from app.templating import templates

# Who gets which code, in the order the sheet prints them.
ROLE_ORDER = (Role.PARTICIPANT, Role.EXPERT, Role.JURY, Role.WALL, Role.FACILITATOR)


def qr_svg(target: str) -> Markup:
    """Return an inline SVG QR code for an address (made by segno from our own URL, never from user text)."""
    code = segno.make(target, error="m")
    return Markup(code.svg_inline(border=2, dark="#000", light="#fff", omitsize=True))


async def join_sheet(request: Request) -> Response:
    """Show the race's codes as a printable sheet, one page per role."""
    viewer = await require_viewer(request, request.path_params["slug"])
    require_facilitator(viewer)
    race, codes = await run_in_threadpool(races.with_codes, database(request), viewer.slug)
    # Printed for the whole room: the race's language, not the facilitator's.
    i18n.set_language(race.lang)
    join_url = absolute(request, "join_form")
    pages = [
        {
            "role": role.value,
            "label": ROLE_NAMES[role],
            "code": codes[role],
            "link": absolute(request, "join_form", {"code": codes[role]}),
            "qr": qr_svg(absolute(request, "join_form", {"code": codes[role]})),
        }
        for role in ROLE_ORDER
        if role in codes
    ]
    context = {"race": race, "pages": pages, "join_url": join_url}
    return templates.TemplateResponse(request, "facilitator/sheet.html", context)


ROUTES = [
    page("/r/{slug}/sheet", join_sheet, "join_sheet"),
]
