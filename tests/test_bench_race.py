"""The race harness plays a tiny race through the stable interface, reports each figure, stops its server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.race import MUST_SHOW
from bench.server import ROOT

pytestmark = pytest.mark.slow


def test_a_tiny_race_reports_every_figure_and_leaves_no_server(tmp_path: Path) -> None:
    out = tmp_path / "race.json"
    small = ["--teams", "3", "--per-team", "3", "--walls", "2", "--facilitators", "2", "--experts", "2"]
    small += ["--speeds", "20", "--timeout", "100"]
    done = subprocess.run(
        [sys.executable, "-m", "bench.race", *small, "--json", str(out)],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())
    (step,) = results["steps"]
    assert step["failure_count"] == 0, step["failures"]
    assert step["server_errors"] == 0
    for kind in MUST_SHOW:
        row = step["kinds"][kind]
        assert row["count"] > 0 and row["failed"] == 0, kind
        assert row["ack_p99_ms"] > 0, kind
        assert row["not_shown"] == 0, kind
    # Each kind that has screens to reach was measured to its last screen.
    for kind in ("card", "comment", "request", "claim", "resolve", "vote"):
        assert step["kinds"][kind]["last_screen_p99_ms"] > 0, kind
    for name in ("kick-off", "cards", "comments", "expert round", "voting rush"):
        assert step["segments"][name]["server_cpu_ms_per_action"] > 0, name
    assert "ack p99" in done.stdout and "last p99" in done.stdout
    # The server was stopped: its process is gone (or, reaped, its pid now names another program).
    pid = step["server_pid"]
    cmdline = Path(f"/proc/{pid}/cmdline")
    assert not cmdline.exists() or b"serve" not in cmdline.read_bytes()
