"""Errors a person can act on, carried to one exception handler."""

from __future__ import annotations

from typing import Any

from app import i18n


class ServiceError(Exception):
    """A refused action: an HTTP status and a translatable message."""

    status = 400

    def __init__(self, message: str, status: int | None = None, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params
        if status is not None:
            self.status = status

    def translated(self) -> str:
        """Return the message and its parameters in the current language."""
        # Only a Label is ours to translate; any other parameter (a name someone typed) is shown as it is.
        params = {
            name: i18n.gettext(value) if isinstance(value, i18n.Label) else value
            for name, value in self.params.items()
        }
        return i18n.gettext(self.message, **params)


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    status = 422
