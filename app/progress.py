"""Progress for long runs: one rewritten line on stderr, silent when stderr is not a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Report `step, done of total` as one line that rewrites itself, at most a few times a second."""

    def __init__(self, label: str, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.started = time.monotonic()
        self._shown = 0.0
        self._width = 0

    def __call__(self, step: str, done: int, total: int) -> None:
        """Show how far the run is; the last step is always shown."""
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._shown < 0.1:
            return
        self._shown = now
        percent = 100 * done // total if total else 100
        line = f"{self.label}: {done}/{total} ({percent}%) {step}"
        self.stream.write("\r" + line.ljust(self._width))
        self._width = len(line)
        self.stream.flush()

    def finish(self) -> float:
        """End the progress line and return the seconds the run took."""
        if self.enabled and self._width:
            self.stream.write("\n")
            self.stream.flush()
        return time.monotonic() - self.started
