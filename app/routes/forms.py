"""Reading forms within the request limits."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request

from app.errors import Invalid, ServiceError
from app.numbers import whole

FIELD_MAX = 64 * 1024


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
    """Return a whole-number field (an id, a count) or refuse the form."""
    return number(text(form, name))


def number(value: str) -> int:
    """Return a whole number sent as text (a field's value or part of its name) or refuse the form."""
    try:
        return whole(value)
    except ValueError:
        raise Invalid("The form is malformed.") from None


def numbers(form: FormData, name: str) -> list[int]:
    """Return every value of a repeated whole-number field (ticked ids) or refuse the form."""
    return [number(value) for value in form.getlist(name) if isinstance(value, str)]


def path_id(value: str) -> int:
    """Return an id from a path, or refuse the request with 400."""
    try:
        return whole(value)
    except ValueError:
        raise ServiceError("The address is malformed.") from None


def is_htmx(request: Request) -> bool:
    """Return whether htmx made the request (it wants a fragment, not a page)."""
    return request.headers.get("hx-request") == "true"
