"""Static files under content-hashed names: `live.3f2a1b9c0d4e.js` may be cached for a year.

Pages name each file of static/ with the first hex digits of its SHA-256 (computed once at start), so an
upgrade changes the names of what changed and browsers fetch it anew. The app serves both names, as nginx
does (deploy/nginx/kraftsamla.conf): a hashed name for a year, a plain one to revalidate.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

DIGITS = 12
# name.HASH.ext: the hash stands before the last suffix (nginx's location for them matches the same).
HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{DIGITS}}})(?P<suffix>\.[^./]+)$")
FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def manifest(folder: Path) -> dict[str, str]:
    """Return path (relative, with /) -> hash for every file under a folder."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:DIGITS]
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def hashed_name(path: str, digest: str) -> str:
    """Return a file's name with its hash before the last suffix (a name without one stays as it is)."""
    head, dot, suffix = path.rpartition(".")
    if not dot or "/" in suffix or not head or head.endswith("/"):
        return path
    return f"{head}.{digest}.{suffix}"


class HashedStaticFiles(StaticFiles):
    """Starlette's StaticFiles that also answers each file's hashed name, with the caching it allows."""

    def __init__(self, *, directory: Path) -> None:
        super().__init__(directory=directory)
        self.hashes = manifest(directory)

    def url_path(self, path: str) -> str:
        """Return the path below /static/ that pages use for a file: hashed when the file is known."""
        digest = self.hashes.get(path)
        return hashed_name(path, digest) if digest else path

    async def get_response(self, path: str, scope: Scope) -> Response:
        found = HASHED.match(path)
        current = None
        if found and (plain := found["stem"] + found["suffix"]) in self.hashes:
            # An older hash (a page from before an upgrade) gets today's file, not to be kept.
            current = self.hashes[plain] == found["hash"]
            path = plain
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            response.headers["cache-control"] = FOREVER if current else REVALIDATE
        return response
