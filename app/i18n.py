"""Swedish and English: catalogs read from .po files, the current language held per task."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app import settings

_current: ContextVar[str] = ContextVar("lang", default=settings.DEFAULT_LANG)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


@cache
def catalog(lang: str) -> dict[str, str]:
    """Return msgid -> translation for a language; English is the source language.

    An installed package holds only the compiled catalog (its build compiles it); a checkout compiles it with
    `make`, and reads the .po itself while the compiled one is missing or older.
    """
    path = settings.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    compiled = path.with_suffix(".mo")
    if lang == "en" or not (path.exists() or compiled.exists()):
        return {}
    if compiled.exists() and (not path.exists() or compiled.stat().st_mtime >= path.stat().st_mtime):
        with compiled.open("rb") as handle:
            po = read_mo(handle)
    else:
        with path.open("rb") as handle:
            po = read_po(handle, locale=lang)
    found: dict[str, str] = {}
    for message in po:
        if not message.id or message.fuzzy:
            continue
        # Plural entries come as tuples from a .po and as lists from a .mo.
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        for msgid, string in zip(ids, strings, strict=False):
            if string:
                found[str(msgid)] = str(string)
    return found


SOURCE = "sv"  # the catalogue that holds every message of the app (the one source)


def is_message(message: object) -> bool:
    """Return whether a text is one of the app's own messages (a msgid of the catalogue), not typed text."""
    return isinstance(message, str) and message in catalog(SOURCE)


class Label(str):
    """A parameter translated along with its message when it is a catalogue message (a default name)."""

    __slots__ = ()


def pick(lang: str | None) -> str:
    """Return a supported language, falling back to the default."""
    return lang if lang in settings.LANGUAGES else settings.DEFAULT_LANG


def translate(lang: str, message: str, **params: Any) -> str:
    """Translate a message into a language and fill in its %(name)s parameters."""
    text = catalog(lang).get(message, message)
    return text % params if params else text


def gettext(message: str, **params: Any) -> str:
    """Translate into the current language."""
    return translate(_current.get(), message, **params)


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    """Translate a message that depends on a count (both languages share the English plural rule)."""
    return gettext(singular if n == 1 else plural, **params)


def current() -> str:
    """Return the language of the current task."""
    return _current.get()


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Use a language for everything rendered inside the block."""
    token = _current.set(pick(lang))
    try:
        yield
    finally:
        _current.reset(token)


def set_language(lang: str) -> None:
    """Set the language for the rest of the current task (one request)."""
    _current.set(pick(lang))
