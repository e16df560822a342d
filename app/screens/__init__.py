"""What each screen shows live: its regions, which events touch them, and their rendering.

- `audiences`: who watches what (an audience is role, team and language), the regions of each screen, and
  `changes()`, which says which regions an event touches.
- `regions`: what each region is made of (the context its partial is rendered from).
- `frames`: rendering once per audience and content, snapshots, catch-up after a gap, and who is online.
"""

from app.screens.audiences import COLUMN_REGIONS, Audience, Changes, audience, changes, screen_regions
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
    watches,
)
from app.screens.regions import REGIONS, board_context, cards_context, region_context, screen_context

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
    "watches",
]
