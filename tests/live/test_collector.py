"""The served app tunes the garbage collector (bench/fanout.py measures what it is for)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import settings
from live.collector import THRESHOLDS

# It starts processes: left out of `make test-fast`.
pytestmark = pytest.mark.slow


def test_the_served_app_freezes_its_imports_and_collects_young_objects_less_often(tmp_path: Path) -> None:
    script = "import gc, json, app.asgi; print(json.dumps([gc.get_threshold(), gc.get_freeze_count()]))"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}"}
    env["KRAFTSAMLA_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.PACKAGE.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    thresholds, frozen = json.loads(done.stdout.strip().splitlines()[-1])
    assert tuple(thresholds) == THRESHOLDS != (700, 10, 10)
    assert frozen > 10_000  # the imported framework, not a handful of objects
