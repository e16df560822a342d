"""The cyclic garbage collector, tuned for a process that holds many sockets."""

from __future__ import annotations

import gc

# A young generation this large lets a render's short-lived objects die by reference count before they are
# promoted; full collections, which come after enough promotions, become rare.
THRESHOLDS = (20_000, 20, 20)


def tune_collector() -> None:
    """Keep the collector's pauses short: freeze what exists now, and collect young objects less often.

    A full collection walks every tracked object, and with many screens connected every screen's next frame
    waits for it (docs/performance.md).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
