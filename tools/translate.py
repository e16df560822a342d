"""Write the Swedish catalog from the extracted template, tools/sv/*.py and the existing catalog."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "app" / "locale" / "messages.pot"
PO = ROOT / "app" / "locale" / "sv" / "LC_MESSAGES" / "messages.po"


TABLES = ROOT / "tools" / "sv"


def main() -> int:
    """Merge the template with the tables and the existing catalog; list what is still untranslated."""
    table: dict[object, object] = {}
    for path in sorted(TABLES.glob("*.py")):
        table.update(runpy.run_path(str(path))["SV"])
    with POT.open("rb") as handle:
        template = read_po(handle)
    existing = Catalog(locale="sv")
    if PO.exists():
        with PO.open("rb") as handle:
            existing = read_po(handle, locale="sv")
    catalog = Catalog(locale="sv", project="Kraftsamla", fuzzy=False)
    missing = []
    for message in template:
        if not message.id:
            continue
        key = message.id
        found = existing.get(key)
        string = table.get(key) or (found.string if found is not None else None)
        if not string:
            missing.append(key)
        catalog.add(key, string or ("", "") if isinstance(key, tuple) else string or "")
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, no_location=True, width=110)
    for key in missing:
        print("untranslated:", key)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
