"""What each screen shows live: its regions, which events touch them, and their rendering.

- `audiences`: who sees the same bytes (an audience is a role, a language, and a team or a person).
- `regions`: every live region declared once (partial, context, scope, item) and the regions of each screen.
- `contexts`: what each region is made of (the context its partial is rendered from).
- `rules`: which regions each kind of event touches (`RULES`, `SILENT`) and `changes()` over a run of events.
- `frames`: rendering once per audience and content, snapshots, catch-up after a gap, and who is online.
"""

from app.screens.audiences import Audience, audience
from app.screens.contexts import board_context, cards_context
from app.screens.frames import (
    _race_regions,
    _snapshots,
    catch_up,
    catch_up_to,
    first_look,
    known_catch_up,
    prepare_first_look,
    render_changes,
    render_presence,
    snapshot,
)
from app.screens.regions import COLUMN_REGIONS, REGIONS, region_context, screen_context, screen_regions
from app.screens.rules import Changes, changes

__all__ = [
    "COLUMN_REGIONS",
    "REGIONS",
    "Audience",
    "Changes",
    "_race_regions",
    "_snapshots",
    "audience",
    "board_context",
    "cards_context",
    "catch_up",
    "catch_up_to",
    "changes",
    "first_look",
    "known_catch_up",
    "prepare_first_look",
    "region_context",
    "render_changes",
    "render_presence",
    "screen_context",
    "screen_regions",
    "snapshot",
]
