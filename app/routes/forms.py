"""Reading forms within the request limits."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request

from app.errors import Invalid, NotFound, ServiceError
from app.i18n import N_
from app.numbers import ID_MAX, whole

FIELD_MAX = 64 * 1024
MALFORMED_FORM = N_("The form is malformed.")
MALFORMED_ADDRESS = N_("The address is malformed.")
NOTHING_THERE = N_("There is nothing at this address.")
NOT_IN_RACE = N_("What you chose is not in this race.")


async def read_form(request: Request) -> FormData:
    """Parse a posted form: no files, a bounded number and size of fields."""
    return await request.form(max_files=0, max_fields=32, max_part_size=FIELD_MAX)


def text(form: FormData, name: str) -> str:
    """Return a text field, empty when missing."""
    value = form.get(name, "")
    if not isinstance(value, str):
        raise Invalid("The form is malformed.")
    return value


def integer(form: FormData, name: str) -> int:
    """Return a number a person types (minutes, days) or refuse the form (422)."""
    try:
        return whole(text(form, name))
    except ValueError:
        raise Invalid("The form is malformed.") from None


def ident(form: FormData, name: str) -> int:
    """Return an id a form sends (a team, a card, a person) within 64 bits, or refuse the request (400)."""
    return _id(text(form, name), MALFORMED_FORM, NOT_IN_RACE)


def optional_ident(form: FormData, name: str) -> int | None:
    """Return an id a form may leave empty (no team, say), or None."""
    value = text(form, name).strip()
    return _id(value, MALFORMED_FORM, NOT_IN_RACE) if value else None


def idents(form: FormData, name: str) -> list[int]:
    """Return every id of a repeated field (ticked teams or cards)."""
    return [_id(value, MALFORMED_FORM, NOT_IN_RACE) for value in form.getlist(name) if isinstance(value, str)]


def path_id(value: str) -> int:
    """Return an id from a path, or refuse the request (400)."""
    return _id(value, MALFORMED_ADDRESS, NOTHING_THERE)


def _id(value: str, malformed: str, missing: str) -> int:
    try:
        number = whole(value)
    except ValueError:
        raise ServiceError(malformed) from None
    if number > ID_MAX:
        # Well formed, but no row has it (PostgreSQL would refuse to compare it with an id column).
        raise NotFound(missing)
    return number


def is_htmx(request: Request) -> bool:
    """Return whether htmx made the request (it wants a fragment, not a page)."""
    return request.headers.get("hx-request") == "true"
