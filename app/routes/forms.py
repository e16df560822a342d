"""Reading forms within the request limits."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request

from app.errors import Invalid

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
    """Return an integer field or refuse the form."""
    try:
        value = int(text(form, name))
    except ValueError:
        raise Invalid("The form is malformed.") from None
    if not -(2**31) <= value < 2**31:  # ids are 32-bit integers on PostgreSQL
        raise Invalid("The form is malformed.")
    return value


def is_htmx(request: Request) -> bool:
    """Return whether htmx made the request (it wants a fragment, not a page)."""
    return request.headers.get("hx-request") == "true"
