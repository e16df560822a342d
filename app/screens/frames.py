"""Rendering regions into frames: each once per team or person and language, items of one kind together."""

from __future__ import annotations

from app import i18n
from app.models import Race
from app.screens.audiences import Audience
from app.screens.contexts import Read
from app.screens.regions import ITEMS, REGIONS, item_region, scope_id
from app.templating import render

# One render's output by (region or items, team or person, language): audiences showing the same share it.
RenderCache = dict[tuple[str, object, str], str]


def render_regions(read: Read, race: Race, aud: Audience, regions: list[str], cache: RenderCache) -> str:
    """Render regions and items for an audience, each once per team or person and language (see `cache`)."""
    parts = []
    items: dict[str, list[str]] = {}
    for region in regions:
        if item_region(region) is not None:
            items.setdefault(region.partition(":")[0], []).append(region)
            continue
        owner = scope_id(aud, region)
        cache_key = (region, owner, aud.lang)
        if cache_key not in cache:
            declared = REGIONS[region]
            context = declared.build(read, race, owner)
            # Teams whose region has the same content (the phase's, none of their own) share one render.
            shared = declared.shared(context) if declared.shared is not None else None
            shared_key = (region, shared, aud.lang)
            if shared is not None and shared_key in cache:
                cache[cache_key] = cache[shared_key]
            else:
                with i18n.language(aud.lang):
                    cache[cache_key] = render(declared.template, race=race, oob=True, **context)
                if shared is not None:
                    cache[shared_key] = cache[cache_key]
        parts.append(cache[cache_key])
    for kind, wanted in items.items():
        # The items of one kind in one render (a burst of posts to a team: one query, one template).
        owner = scope_id(aud, wanted[0])
        cache_key = (" ".join(wanted), owner, aud.lang)
        if cache_key not in cache:
            item = ITEMS[kind]
            with i18n.language(aud.lang):
                cache[cache_key] = render(item.template, race=race, **item.build(read, race, owner, wanted))
        parts.append(cache[cache_key])
    return "".join(parts)


def frame(seq: int, body: str) -> str:
    """Prefix rendered fragments with the seq they reflect, for the screen's resume point."""
    return f"<!--seq {seq}-->\n{body}"


# Marks a frame that carries who is online and no seq (screens swap it like any other).
PRESENCE_MARK = "<!--presence-->\n"
