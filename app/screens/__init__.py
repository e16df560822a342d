"""What each screen shows live: its regions, which events touch them, and their rendering.

- `audiences`: who sees the same bytes (an audience is a role, a language, and a team or a person).
- `regions`: every live region declared once (partial, context, scope, item).
- `pages`: the regions of each screen in page order, and the context a page or an answer renders them from.
- `contexts`: what each region is made of (the context its partial is rendered from, in one render's `Read`).
- `rules`: which regions each kind of event touches (`RULES`, `SILENT`) and `changes()` over a run of events.
- `frames`: rendering regions into a frame, each once per team or person and language.
- `renderer`: the `Renderer` made in `create_app`: frames of changes, snapshots, gaps, and their caches.
"""

from app.screens.audiences import Audience, audience, watches
from app.screens.contexts import board_context, cards_context
from app.screens.pages import region_context, regions_context, screen_context, screen_regions
from app.screens.regions import COLUMN_REGIONS, REGIONS
from app.screens.renderer import Renderer
from app.screens.rules import Changes, changes

__all__ = [
    "COLUMN_REGIONS",
    "REGIONS",
    "Audience",
    "Changes",
    "Renderer",
    "audience",
    "board_context",
    "cards_context",
    "changes",
    "region_context",
    "regions_context",
    "screen_context",
    "screen_regions",
    "watches",
]
