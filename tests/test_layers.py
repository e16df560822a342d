"""Imports point down: the live layer knows nothing of the app, services nothing of screens and transports."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(folder: str) -> dict[str, set[str]]:
    """Return module file -> the modules it imports (absolute names), for every module under a folder."""
    found: dict[str, set[str]] = {}
    paths = [ROOT / folder] if folder.endswith(".py") else sorted((ROOT / folder).rglob("*.py"))
    for path in paths:
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
        found[str(path.relative_to(ROOT))] = names
    return found


def _offending(folder: str, *prefixes: str) -> dict[str, list[str]]:
    wrong = {
        module: sorted(name for name in names if any(name == p or name.startswith(f"{p}.") for p in prefixes))
        for module, names in _imports(folder).items()
    }
    return {module: names for module, names in wrong.items() if names}


def test_the_live_layer_imports_nothing_of_the_app() -> None:
    assert _offending("live", "app") == {}


def test_services_know_neither_the_screens_nor_the_routes_nor_the_transport() -> None:
    # Services record events; the backplane sends them to other processes (app/db.py calls it at commit).
    assert _offending("app/services", "app.screens", "app.routes", "app.main", "app.wiring", "live") == {}


def test_the_template_environment_gets_the_services_helpers_from_the_assembly() -> None:
    assert _offending("app/templating.py", "app.services", "app.screens", "app.routes") == {}


def test_routes_never_open_a_database_transaction() -> None:
    opened = []
    for path in sorted((ROOT / "app" / "routes").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("read", "write", "read_rows", "engine")
                and isinstance(node.value, ast.Name)
                and node.value.id in ("db", "database")
            ):
                opened.append(f"{path.name}:{node.lineno}")
    assert opened == []
