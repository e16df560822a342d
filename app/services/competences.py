"""Competences: one key each, shown in the reader's language; typed text matched to what the race knows.

A suggested competence is built in: its key is its English label as matched ("business models") and its
labels are the catalogue's, Swedish and English. Text a person types is matched case- and accent-insensitively
against the labels of both languages and against what was typed earlier in the race; text that matches
nothing becomes the race's own competence, whose key is that first spelling (kept as the label it shows).
Profiles, challenge tags, needs and expert requests all store keys, so the competence map, expert routing and
the suggested teams compare the same values.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from app import i18n, settings
from app.db import now_ms
from app.i18n import N_
from app.models import Competence

# key -> English label; the order is the order they are offered in.
BUILT_IN = {
    "ai": N_("AI"),
    "software": N_("Software"),
    "hardware": N_("Hardware"),
    "design": N_("Design"),
    "materials": N_("Materials"),
    "energy": N_("Energy"),
    "sustainability": N_("Sustainability"),
    "business models": N_("Business models"),
    "market": N_("Market"),
    "financing": N_("Financing"),
    "patents and ip": N_("Patents and IP"),
    "law": N_("Law"),
    "production": N_("Production"),
    "health": N_("Health"),
}


def match_key(text: str) -> str:
    """Return text as competences are compared: accents stripped, case folded, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


@functools.cache
def _built_in_index() -> dict[str, str]:
    """Return the match key of each built-in label, in every language, -> the competence's key."""
    index: dict[str, str] = {}
    for key, english in BUILT_IN.items():
        index.setdefault(key, key)
        for lang in settings.LANGUAGES:
            index.setdefault(match_key(i18n.translate(lang, english)), key)
    return index


def built_in(text: str) -> str | None:
    """Return the key of the built-in competence this text names in either language, if any."""
    return _built_in_index().get(match_key(text))


def label(key: str) -> str:
    """Return a competence's label in the current language (the race's own as first spelled)."""
    english = BUILT_IN.get(key)
    return i18n.gettext(english) if english is not None else key


def resolve(session: Session, race_id: int, texts: Iterable[str]) -> list[str]:
    """Return the keys of ticked or typed competences, each once, adding the ones the race did not know."""
    keys: list[str] = []
    for text in texts:
        key = built_in(text) or _race_key(session, race_id, " ".join(text.split()))
        if key and key not in keys:
            keys.append(key)
    return keys


def known_key(session: Session, race_id: int, text: str) -> str | None:
    """Return the key of the race's competence matching this text, if the race has one (reading only)."""
    wanted = match_key(text)
    if not wanted:
        return None
    query = select(Competence.key).where(Competence.race_id == race_id, Competence.match_key == wanted)
    return session.exec(query).first()


def _race_key(session: Session, race_id: int, text: str) -> str:
    """Return the key of the race's competence matching this text, adding it as first spelled when new."""
    wanted = match_key(text)
    if not wanted:
        return ""
    query = select(Competence.key).where(Competence.race_id == race_id, Competence.match_key == wanted)
    found = session.exec(query).first()
    if found is not None:
        return found
    # Two people typing "Trä" and "trä" at once: the unique match key keeps the first, the second reads it.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(Competence)
        .values(race_id=race_id, key=text, match_key=wanted, created_ms=now_ms())
        .on_conflict_do_nothing(index_elements=["race_id", "match_key"])
    )
    return session.exec(query).one()
