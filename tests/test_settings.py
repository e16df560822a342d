"""Every setting is declared with its help, documented with its default, and listed in .env.example."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app import settings

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| `(?P<name>[A-Z_]+)` \| (?P<kind>[a-z]+) \| `(?P<default>[^`]*)` \| (?P<help>.+) \|$")


def documented() -> dict[str, tuple[str, str]]:
    """Return name -> (type, default) of every setting docs/configuration.md's tables list."""
    rows = {}
    for line in (ROOT / "docs" / "configuration.md").read_text().splitlines():
        found = ROW.match(line)
        if found:
            assert found["name"] not in rows, f"{found['name']} is documented twice"
            rows[found["name"]] = (found["kind"], found["default"])
    return rows


def test_every_setting_is_documented_with_its_type_and_default() -> None:
    declared = {item.name: (item.kind, item.default) for item in settings.SETTINGS}
    assert len(declared) == len(settings.SETTINGS), "a setting is declared twice"
    assert documented() == declared


def test_every_setting_has_help() -> None:
    assert [item.name for item in settings.SETTINGS if len(item.help) < 20] == []


def test_the_settings_module_reads_the_environment_only_through_setting() -> None:
    """A value read with `config(...)` directly would be missing from the declarations and the docs."""
    tree = ast.parse((ROOT / "app" / "settings.py").read_text())
    direct = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "config"
    ]
    # The one inside setting() itself, and the one that quotes a bad value back.
    assert len(direct) == 2


def test_env_example_lists_every_setting() -> None:
    listed = re.findall(r"^# ([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    assert sorted(listed) == sorted(item.name for item in settings.SETTINGS)


def test_env_example_shows_each_literal_default() -> None:
    text = (ROOT / ".env.example").read_text()
    for item in settings.SETTINGS:
        if not item.default.startswith("(") and "$" not in item.default:
            assert f"# {item.name}={item.default}\n" in text


def _run(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.slow
def test_a_bad_value_is_named_and_the_default_kept(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "KRAFTSAMLA_PORT": "eighty", "KRAFTSAMLA_LOG_FORMAT": "xml"}
    done = _run("from app import settings; print(settings.PORT); print(settings.PROBLEMS)", env, tmp_path)
    assert done.returncode == 0, done.stderr
    port, problems = done.stdout.splitlines()
    assert port == "8000"
    assert "KRAFTSAMLA_PORT='eighty' is not a valid int" in problems
    assert "KRAFTSAMLA_LOG_FORMAT='xml' is not one of text, json" in problems


@pytest.mark.slow
def test_reading_the_settings_writes_nothing(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin"}
    done = _run("from app import settings, main, cli; print(settings.DATA_DIR)", env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == tmp_path / "data"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_dotenv_file_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KRAFTSAMLA_PORT=8123\n")
    done = _run("from app import settings; print(settings.PORT)", {"PATH": "/usr/bin:/bin"}, tmp_path)
    assert done.stdout.strip() == "8123", done.stderr
