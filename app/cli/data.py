"""The commands that move a race's data: export, import, backup, restore, purge."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app import settings
from app.cli.common import Failed, database, progress, safe_url


def export(args: argparse.Namespace) -> int:
    """Write a whole race to a JSON file."""
    from app.errors import ServiceError
    from app.services import exports

    out = Path(args.out)
    if out.exists() and not args.force:
        raise Failed(f"{out} already exists; choose another file, or add --force to replace it")
    shown = progress("export", args)
    try:
        document = exports.export_race(database(), args.slug, shown)
    except ServiceError as error:
        shown.finish()
        raise Failed(error.translated()) from None
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    # Written beside the target, then renamed: a failed export leaves no half file, nor a half-replaced one.
    partial = out.with_name(out.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(out)
    seconds = shown.finish()
    rows = sum(len(table["rows"]) for table in document["tables"].values())
    print(
        f"Exported race {args.slug}: {rows} rows in {len(document['tables'])} tables "
        f"to {args.out} ({len(text.encode())} bytes, {seconds:.1f} s)"
    )
    return 0


def import_(args: argparse.Namespace) -> int:
    """Load a race exported with `kraftsamla export` into this database."""
    from app.errors import ServiceError
    from app.services import exports

    try:
        with open(args.file, encoding="utf-8") as handle:
            document = json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Failed(
            f"{args.file} is not JSON ({error}); give a file written by `kraftsamla export`"
        ) from None
    if not isinstance(document, dict):
        raise Failed(f"{args.file} is not a race export; give a file written by `kraftsamla export`")
    shown = progress("import", args)
    try:
        counts = exports.import_race(database(), document, shown)
    except ServiceError as error:
        shown.finish()
        raise Failed(error.translated()) from None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        shown.finish()
        raise Failed(f"{args.file} is a damaged race export ({type(error).__name__}: {error})") from None
    seconds = shown.finish()
    print(
        f"Imported race {document.get('slug')}: {sum(counts.values())} rows in {len(counts)} tables "
        f"into {safe_url(settings.DATABASE_URL)} ({seconds:.1f} s)"
    )
    return 0


def backup(args: argparse.Namespace) -> int:
    """Copy the live database to a file: SQLite's online backup, or pg_dump for PostgreSQL."""
    import time

    from app import backup as backups

    if args.keep and "{time}" not in args.out:
        raise Failed("--keep needs {time} in --out, to know which files are this command's backups", 2)
    out = Path(args.out.replace("{time}", time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())))
    shown = progress("backup", args)
    try:
        if backups.is_postgres(settings.DATABASE_URL):
            size = backups.pg_backup(settings.DATABASE_URL, out)
            done = f"Backed up {safe_url(settings.DATABASE_URL)} with pg_dump"
        else:
            pages = backups.backup(settings.DATABASE_URL, out, shown)
            size, done = out.stat().st_size, f"Backed up {pages} pages"
    except backups.NotSQLite:
        raise Failed("this database can be backed up neither with SQLite nor with pg_dump", 2) from None
    except FileExistsError:
        raise Failed(f"{out} already exists; choose another file") from None
    except (backups.Damaged, backups.ToolMissing) as error:
        raise Failed(str(error)) from None
    seconds = shown.finish()
    removed = _keep_newest(args.out, args.keep) if args.keep else []
    pruned = f"; removed {len(removed)} older" if removed else ""
    print(f"{done} to {out} ({size} bytes, {seconds:.1f} s{pruned})")
    return 0


def _keep_newest(pattern: str, keep: int) -> list[Path]:
    """Delete all but the newest `keep` files that match a backup name with {time}; return the deleted."""
    template = Path(pattern)
    found = sorted(template.parent.glob(template.name.replace("{time}", "*")))
    doomed = found[:-keep] if keep < len(found) else []
    for path in doomed:
        path.unlink()
    return doomed


def restore(args: argparse.Namespace) -> int:
    """Replace the database with a backup (stop the server first): SQLite's, or pg_restore's."""
    from app import backup as backups

    if not args.yes:
        raise Failed("this replaces the whole database; add --yes once the server is stopped", 2)
    shown = progress("restore", args)
    try:
        if backups.is_postgres(settings.DATABASE_URL):
            backups.pg_restore(Path(args.file), settings.DATABASE_URL)
            done = f"Restored {args.file} with pg_restore"
        else:
            pages = backups.restore(Path(args.file), settings.DATABASE_URL, shown)
            done = f"Restored {pages} pages from {args.file}"
    except backups.NotSQLite:
        raise Failed("this database can be restored neither with SQLite nor with pg_restore", 2) from None
    except backups.InUse:
        raise Failed(
            "a server is running on this database; stop it (every process) and try again", 2
        ) from None
    except (backups.Damaged, backups.ToolMissing) as error:
        raise Failed(str(error)) from None
    seconds = shown.finish()
    print(f"{done} into {safe_url(settings.DATABASE_URL)} ({seconds:.1f} s)")
    return 0


def purge(args: argparse.Namespace) -> int:
    """Anonymise the people of every race whose retention period is over."""
    from app.services import privacy

    shown = progress("purge", args)
    race_count, people = privacy.purge(database(), progress=shown)
    seconds = shown.finish()
    print(f"Purged {race_count} races past their retention: {people} people anonymised ({seconds:.1f} s)")
    return 0
