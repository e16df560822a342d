"""The shipped systemd units and timers, their commands, and the restore drill of docs/deploy.md."""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "deploy" / "systemd"
HOME = "/opt/kraftsamla"
KRAFTSAMLA = Path(sys.executable).with_name("kraftsamla")
pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite: the drill's own database")


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((UNITS / name).read_text())
    return parser


def installed(tmp_path: Path) -> Path:
    """Lay the units out as docs/deploy.md installs them, in a folder standing for /opt/kraftsamla."""
    home = tmp_path / "opt"
    (home / ".venv" / "bin").mkdir(parents=True)
    (home / ".venv" / "bin" / "kraftsamla").symlink_to(KRAFTSAMLA)
    for folder in ("data", "backups"):
        (home / folder).mkdir()
    units = tmp_path / "units"
    units.mkdir()
    for path in UNITS.iterdir():
        (units / path.name).write_text(path.read_text().replace(HOME, str(home)))
    return units


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.slow
def test_systemd_accepts_every_unit_and_timer(tmp_path: Path) -> None:
    units = installed(tmp_path)
    (units / "kraftsamla@8000.service").write_text((units / "kraftsamla@.service").read_text())
    names = sorted(path.name for path in units.iterdir() if "@." not in path.name)
    done = subprocess.run(
        ["systemd-analyze", "verify", *names], cwd=units, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def next_elapses(calendar: str, count: int) -> list[datetime]:
    """Return when a timer's OnCalendar fires next (systemd's own reading of it)."""
    done = subprocess.run(
        ["systemd-analyze", "calendar", calendar, f"--iterations={count}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\S+ \S+)", done.stdout)
    return [datetime.fromisoformat(text) for text in found]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.slow
def test_backups_every_15_minutes_and_a_purge_every_night() -> None:
    backup = next_elapses(unit("kraftsamla-backup.timer")["Timer"]["OnCalendar"], 5)
    assert {(later - earlier).total_seconds() for earlier, later in pairwise(backup)} == {900}
    purge = next_elapses(unit("kraftsamla-purge.timer")["Timer"]["OnCalendar"], 3)
    assert {(later - earlier).total_seconds() for earlier, later in pairwise(purge)} == {86400}
    for name in ("kraftsamla-backup.timer", "kraftsamla-purge.timer"):
        assert unit(name)["Timer"]["Persistent"] == "true"
        assert (UNITS / name.replace(".timer", ".service")).exists()


def test_the_server_unit_raises_the_file_limit_and_logs_each_request() -> None:
    service = unit("kraftsamla@.service")["Service"]
    assert int(service["LimitNOFILE"]) >= 65536
    command = shlex.split(service["ExecStart"])
    assert command[command.index("--log-level") + 1] == "info"


def run_unit_command(units: Path, name: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a oneshot unit's ExecStart as systemd would: its user's environment file, its folder."""
    service = unit_at(units / name)["Service"]
    return subprocess.run(
        shlex.split(service["ExecStart"]),
        cwd=service["WorkingDirectory"],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def unit_at(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read_string(path.read_text())
    return parser


def drill() -> str:
    """Return docs/deploy.md's restore drill: the shell block under its heading."""
    text = (ROOT / "docs" / "deploy.md").read_text()
    section = text.split("### Restore drill", 1)[1]
    found = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert found is not None
    return found.group(1)


@pytest.mark.slow
def test_the_timers_backups_restore_through_the_documented_drill(tmp_path: Path) -> None:
    units = installed(tmp_path)
    home = tmp_path / "opt"
    env = {
        "DATABASE_URL": f"sqlite:///{home / 'data' / 'kraftsamla.db'}",
        "KRAFTSAMLA_DATA_DIR": str(home / "data"),
    }
    made = subprocess.run(
        [str(KRAFTSAMLA), "create-race", "--name", "Övningsracet", "--teams", "3", "--json"],
        env={"PATH": os.environ["PATH"], **env}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    slug = json.loads(made.stdout)["slug"]
    backed = run_unit_command(units, "kraftsamla-backup.service", env)
    assert backed.returncode == 0, backed.stderr
    assert len(list((home / "backups").glob("kraftsamla-*.backup"))) == 1
    purged = run_unit_command(units, "kraftsamla-purge.service", env)
    assert purged.returncode == 0 and purged.stdout.startswith("Purged "), purged.stderr
    script = drill().replace(HOME, str(home))
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env={"PATH": os.environ["PATH"], "RACE": slug, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    printed_slug, counts = done.stdout.strip().splitlines()[-1].split(" ", 1)
    assert printed_slug == slug
    assert "'team': 3" in counts
    assert not [path for path in tmp_path.iterdir() if path.name.startswith("tmp")]  # the drill cleans up
