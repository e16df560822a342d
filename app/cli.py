"""The `kraftsamla` command: races, organisers, demo, migrate, serve; export, import, backup, purge."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from app import settings

_opened: list[Any] = []


def _database():  # type: ignore[no-untyped-def]
    """Return the database, migrated to the newest schema first (cheap when it already is)."""
    from app.db import Database
    from app.migrate import upgrade

    upgrade(settings.DATABASE_URL)
    database = Database(settings.DATABASE_URL)
    _opened.append(database)
    return database


def migrate(_args: argparse.Namespace) -> int:
    """Bring the database schema to the newest migration."""
    from app.migrate import upgrade

    upgrade(settings.DATABASE_URL)
    print(f"Database is up to date: {_safe_url(settings.DATABASE_URL)}")
    return 0


def create_race(args: argparse.Namespace) -> int:
    """Create a race with the default agenda and print its summary."""
    from app.errors import ServiceError
    from app.services import launch, races

    if args.organiser:
        try:
            summary = launch.create_for(
                _database(), args.organiser, args.name, lang=args.lang, teams=args.teams
            )
        except ServiceError as error:
            print(f"create-race: {error.message} ({args.organiser})", file=sys.stderr)
            return 1
    else:
        summary = races.create_race(_database(), args.name, lang=args.lang, teams=args.teams)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        _print_summary(summary)
    return 0


def create_organiser(args: argparse.Namespace) -> int:
    """Make an organiser account; the password comes from a file or is asked for."""
    import getpass

    from app.errors import ServiceError
    from app.passwords import Passwords
    from app.services import organisers

    if args.password_file:
        try:
            with open(args.password_file, encoding="utf-8") as handle:
                password = handle.read().rstrip("\r\n")
        except OSError as error:
            print(f"create-organiser: cannot read {args.password_file}: {error.strerror}", file=sys.stderr)
            return 1
    else:
        password = getpass.getpass("Password (at least 10 characters): ")
        if getpass.getpass("The same password again: ") != password:
            print("create-organiser: the two passwords differ", file=sys.stderr)
            return 1
    try:
        made = organisers.create(_database(), Passwords(), args.email, password, args.name or "")
    except ServiceError as error:
        print(f"create-organiser: {error.translated()}", file=sys.stderr)
        return 1
    print(f"Organiser {made.email} can sign in at /organisers/sign-in")
    return 0


DEMO_CHALLENGES = [
    (
        "Gnosjö Fästteknik AB",
        "Fästelement som kan återvinnas",
        "Våra kunder vill kunna ta isär och återvinna det de bygger. Vilka fästelement kan vi erbjuda?",
    ),
    (
        "Värnamo Plåt & Form",
        "Digital offert på en timme",
        "Offerter för legotillverkning tar två veckor i dag. Hur kan vi svara samma dag?",
    ),
    (
        "Smålandsgjuteriet",
        "Spillvärme till nytta",
        "Gjuteriet släpper ut mycket värme. Vem kan använda den, och hur finansieras det?",
    ),
]


def demo(args: argparse.Namespace) -> int:
    """Create the demo race (or find it again) and print its codes and addresses."""
    from app.errors import NotFound
    from app.services import races

    db = _database()
    try:
        summary = races.summary(db, "demo")
    except NotFound:
        summary = races.create_race(
            db, "Innovationsracet Demo", lang=args.lang, teams=3, slug="demo", challenges=DEMO_CHALLENGES
        )
    _print_summary(summary, host=args.host, port=args.port)
    return 0


def _print_summary(summary: dict[str, object], host: str | None = None, port: int | None = None) -> None:
    base = f"http://{host or settings.HOST}:{port or settings.PORT}"
    codes = summary["codes"]
    assert isinstance(codes, dict)
    print(f"\nKraftsamla race '{summary['slug']}'")
    print(f"  Join at {base}/ with one of these codes:")
    for role, code in codes.items():
        print(f"    {role:<12} {code}    {base}/?code={code}")
    print()


def serve(args: argparse.Namespace) -> int:
    """Serve the app with uvicorn, tuned for many small WebSocket frames."""
    import uvicorn

    from app.logs import log_config
    from app.migrate import upgrade
    from app.wsproto import PROTOCOL

    if args.workers > 1 and settings.DATABASE_URL.startswith("sqlite"):
        print(
            "Several workers need PostgreSQL (set DATABASE_URL); SQLite serves one process.", file=sys.stderr
        )
        return 2
    upgrade(settings.DATABASE_URL)
    uvicorn.run(
        "app.asgi:app",
        host=args.host,
        port=args.port,
        ws=PROTOCOL,  # websockets-sansio, lighter per socket (app/wsproto.py)
        ws_max_size=64 * 1024,
        ws_per_message_deflate=False,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        proxy_headers=True,
        workers=args.workers,
        log_level=args.log_level,
        log_config=log_config(args.log_level),
    )
    return 0


def _progress(label: str, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from app.progress import Progress

    return Progress(label, enabled=True if args.progress else None)


def export(args: argparse.Namespace) -> int:
    """Write a whole race to a JSON file."""
    from app.errors import ServiceError
    from app.services import exports

    progress = _progress("export", args)
    try:
        document = exports.export_race(_database(), args.slug, progress)
    except ServiceError as error:
        progress.finish()
        print(f"export: {error.message}", file=sys.stderr)
        return 1
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write(text)
    seconds = progress.finish()
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

    with open(args.file, encoding="utf-8") as handle:
        document = json.load(handle)
    progress = _progress("import", args)
    try:
        counts = exports.import_race(_database(), document, progress)
    except ServiceError as error:
        progress.finish()
        print(f"import: {error.translated()}", file=sys.stderr)
        return 1
    seconds = progress.finish()
    print(
        f"Imported race {document.get('slug')}: {sum(counts.values())} rows in {len(counts)} tables "
        f"into {_safe_url(settings.DATABASE_URL)} ({seconds:.1f} s)"
    )
    return 0


def backup(args: argparse.Namespace) -> int:
    """Copy the live SQLite database to a file; PostgreSQL has pg_dump for that."""
    from pathlib import Path

    from app import backup as backups

    progress = _progress("backup", args)
    try:
        pages = backups.backup(settings.DATABASE_URL, Path(args.out), progress)
    except backups.NotSQLite:
        print(
            "backup: this database is not SQLite; back it up with pg_dump (e.g. pg_dump -Fc).",
            file=sys.stderr,
        )
        return 2
    except FileExistsError:
        print(f"backup: {args.out} already exists; choose another file.", file=sys.stderr)
        return 1
    seconds = progress.finish()
    print(f"Backed up {pages} pages to {args.out} ({Path(args.out).stat().st_size} bytes, {seconds:.1f} s)")
    return 0


def restore(args: argparse.Namespace) -> int:
    """Replace the SQLite database with a backup (stop the server first)."""
    from pathlib import Path

    from app import backup as backups

    if not args.yes:
        print(
            "restore: this replaces the whole database; add --yes once the server is stopped.",
            file=sys.stderr,
        )
        return 2
    progress = _progress("restore", args)
    try:
        pages = backups.restore(Path(args.file), settings.DATABASE_URL, progress)
    except backups.NotSQLite:
        print("restore: this database is not SQLite; restore it with pg_restore.", file=sys.stderr)
        return 2
    except backups.InUse:
        print(
            "restore: a server is running on this database; stop it (every process) and try again.",
            file=sys.stderr,
        )
        return 2
    seconds = progress.finish()
    print(
        f"Restored {pages} pages from {args.file} into {_safe_url(settings.DATABASE_URL)} ({seconds:.1f} s)"
    )
    return 0


def purge(args: argparse.Namespace) -> int:
    """Anonymise the people of every race whose retention period is over."""
    from app.services import privacy

    progress = _progress("purge", args)
    race_count, people = privacy.purge(_database(), progress=progress)
    seconds = progress.finish()
    print(f"Purged {race_count} races past their retention: {people} people anonymised ({seconds:.1f} s)")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine.url import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="kraftsamla", description="Real-time facilitation for Innovation Races."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    command = commands.add_parser("migrate", help="apply the database migrations")
    command.set_defaults(func=migrate)

    command = commands.add_parser("create-race", help="create a race with the default agenda")
    command.add_argument("--name", required=True)
    command.add_argument("--lang", default=settings.DEFAULT_LANG, choices=settings.LANGUAGES)
    command.add_argument("--teams", type=int, default=4)
    command.add_argument("--json", action="store_true", help="print the race as JSON")
    command.add_argument("--organiser", metavar="EMAIL", help="the organiser account that runs the race")
    command.set_defaults(func=create_race)

    command = commands.add_parser("create-organiser", help="make an organiser account")
    command.add_argument("--email", required=True)
    command.add_argument("--name", help="shown to others (default: the e-mail's name part)")
    command.add_argument(
        "--password-file", metavar="FILE", help="read the password from FILE, not the terminal"
    )
    command.set_defaults(func=create_organiser)

    command = commands.add_parser("demo", help="create the demo race and print its codes")
    command.add_argument("--lang", default=settings.DEFAULT_LANG, choices=settings.LANGUAGES)
    command.add_argument("--host", default=settings.HOST)
    command.add_argument("--port", type=int, default=settings.PORT)
    command.set_defaults(func=demo)

    command = commands.add_parser("serve", help="serve the app")
    command.add_argument("--host", default=settings.HOST)
    command.add_argument("--port", type=int, default=settings.PORT)
    command.add_argument("--log-level", default="info")
    command.add_argument("--workers", type=int, default=1, help="processes (PostgreSQL only)")
    command.set_defaults(func=serve)

    command = commands.add_parser("export", help="write a whole race to a JSON file")
    command.add_argument("slug")
    command.add_argument("--out", required=True)
    command.set_defaults(func=export)
    command = commands.add_parser("import", help="load a race exported with `export`")
    command.add_argument("file")
    command.set_defaults(func=import_)
    command = commands.add_parser("backup", help="copy the SQLite database to a file while it runs")
    command.add_argument("--out", required=True)
    command.set_defaults(func=backup)
    command = commands.add_parser("restore", help="replace the SQLite database with a backup")
    command.add_argument("file")
    command.add_argument("--yes", action="store_true", help="confirm that the server is stopped")
    command.set_defaults(func=restore)
    command = commands.add_parser("purge", help="anonymise races past their retention period")
    command.set_defaults(func=purge)
    for name in ("export", "import", "backup", "restore", "purge"):
        commands.choices[name].add_argument(
            "--progress", action="store_true", help="show progress even when stderr is not a terminal"
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line."""
    args = build_parser().parse_args(argv)
    if args.command == "create-race" and not 0 <= args.teams <= 200:
        print("--teams must be between 0 and 200", file=sys.stderr)
        return 2
    try:
        result: int = args.func(args)
    finally:
        while _opened:
            _opened.pop().dispose()
    return result


if __name__ == "__main__":
    sys.exit(main())
