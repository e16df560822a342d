"""The build's one hook: the wheel carries the templates, the static files and the compiled catalogues.

templates/ and static/ stay beside app/ in the checkout (app/settings.py finds them there); the wheel puts
them inside the package. The catalogues are compiled here rather than committed: a committed .mo would fall
out of step with the .po, and as a binary file it would conflict in every merge that touches a translation.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("templates", "static")


class BuildWithAssets(build_py):
    """build_py, plus the bundled folders and each language's compiled catalogue."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install serves the checkout's own folders and catalogue
        package = Path(self.build_lib) / "app"
        for name in BUNDLED:
            self.copy_tree(name, str(package / name))
        for po in sorted(Path("app/locale").glob("*/LC_MESSAGES/messages.po")):
            compile_catalogue(po, package / po.relative_to("app").with_suffix(".mo"))


def compile_catalogue(po: Path, mo: Path) -> None:
    """Compile a .po into a .mo, leaving out fuzzy and empty translations (as `pybabel compile` does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalogue = read_po(handle, locale=po.parts[-3])
    mo.parent.mkdir(parents=True, exist_ok=True)
    with mo.open("wb") as handle:
        write_mo(handle, catalogue)


setup(cmdclass={"build_py": BuildWithAssets})
