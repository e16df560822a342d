"""The `kraftsamla` command: create-race, create-organiser, demo, migrate, serve, status; export, import,
backup, restore, purge.

Each command is a function of its parsed arguments that returns the exit code, registered in build_parser()
with a help text for it and for each of its options. What an operator got wrong (a missing file, bad JSON, an
unknown option, a database that does not answer) is one line on stderr and a non-zero exit: raise Failed, or
let main() translate the usual exceptions; a traceback means a bug.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from app import __version__, settings

if TYPE_CHECKING:
    from app.db import Database  # imported by the commands that open it, to keep the others quick
    from app.progress import Progress

_opened: list[Any] = []


class Failed(Exception):
    """A command that cannot go on: its message is the one line the operator reads."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _database() -> Database:
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
            raise Failed(f"{error.translated()} ({args.organiser})") from None
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
            password = Path(args.password_file).read_text(encoding="utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise Failed(f"{args.password_file} is not UTF-8 text") from None
    elif not sys.stdin.isatty():
        raise Failed("no terminal to ask for the password on; give it with --password-file FILE", 2)
    else:
        try:
            password = getpass.getpass("Password (at least 10 characters): ")
            again = getpass.getpass("The same password again: ")
        except EOFError:
            raise Failed("no password given; type it at the prompt or use --password-file FILE", 2) from None
        if again != password:
            raise Failed("the two passwords differ")
    try:
        made = organisers.create(_database(), Passwords(), args.email, password, args.name or "")
    except ServiceError as error:
        raise Failed(error.translated()) from None
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
    from app.logs import configure, log_config

    # Before anything logs (the migration, a warning from app/wsproto.py): one format from the first line.
    configure(args.log_level, settings.LOG_FORMAT)
    import uvicorn

    from app.migrate import upgrade
    from app.wsproto import PROTOCOL

    if args.workers > 1 and settings.DATABASE_URL.startswith("sqlite"):
        raise Failed("several workers need PostgreSQL (set DATABASE_URL); SQLite serves one process", 2)
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
        log_config=log_config(args.log_level, settings.LOG_FORMAT),
    )
    return 0


def _progress(label: str, args: argparse.Namespace) -> Progress:
    from app.progress import Progress

    return Progress(label, enabled=True if args.progress else None)


def status(args: argparse.Namespace) -> int:
    """Print a race's state at a glance: phase, people, teams, cards, ended or not."""
    from app.errors import ServiceError
    from app.services import races

    try:
        found = races.status(_database(), args.slug)
    except ServiceError as error:
        raise Failed(f"{args.slug}: {error.translated()}") from None
    if args.json:
        print(json.dumps(found, ensure_ascii=False))
        return 0
    phase = found["phase"]
    people = ", ".join(f"{count} {role}" for role, count in found["people"].items() if count)
    print(f"Race '{found['slug']}': {found['name']}")
    print(f"  ended:  {'yes' if found['ended'] else 'no'}")
    print(f"  phase:  {phase['name'] + ' (' + phase['state'] + ')' if phase else 'none started'}")
    print(f"  people: {people or 'nobody yet'}")
    print(f"  teams:  {found['teams']}   cards: {found['cards']}   seq: {found['seq']}")
    return 0


def export(args: argparse.Namespace) -> int:
    """Write a whole race to a JSON file."""
    from app.errors import ServiceError
    from app.services import exports

    out = Path(args.out)
    if out.exists() and not args.force:
        raise Failed(f"{out} already exists; choose another file, or add --force to replace it")
    progress = _progress("export", args)
    try:
        document = exports.export_race(_database(), args.slug, progress)
    except ServiceError as error:
        progress.finish()
        raise Failed(error.translated()) from None
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    # Written beside the target, then renamed: a failed export leaves no half file, nor a half-replaced one.
    partial = out.with_name(out.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(out)
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

    try:
        with open(args.file, encoding="utf-8") as handle:
            document = json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Failed(
            f"{args.file} is not JSON ({error}); give a file written by `kraftsamla export`"
        ) from None
    if not isinstance(document, dict):
        raise Failed(f"{args.file} is not a race export; give a file written by `kraftsamla export`")
    progress = _progress("import", args)
    try:
        counts = exports.import_race(_database(), document, progress)
    except ServiceError as error:
        progress.finish()
        raise Failed(error.translated()) from None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        progress.finish()
        raise Failed(f"{args.file} is a damaged race export ({type(error).__name__}: {error})") from None
    seconds = progress.finish()
    print(
        f"Imported race {document.get('slug')}: {sum(counts.values())} rows in {len(counts)} tables "
        f"into {_safe_url(settings.DATABASE_URL)} ({seconds:.1f} s)"
    )
    return 0


def backup(args: argparse.Namespace) -> int:
    """Copy the live database to a file: SQLite's online backup, or pg_dump for PostgreSQL."""
    import time

    from app import backup as backups

    if args.keep and "{time}" not in args.out:
        raise Failed("--keep needs {time} in --out, to know which files are this command's backups", 2)
    out = Path(args.out.replace("{time}", time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())))
    progress = _progress("backup", args)
    try:
        if backups.is_postgres(settings.DATABASE_URL):
            size = backups.pg_backup(settings.DATABASE_URL, out)
            done = f"Backed up {_safe_url(settings.DATABASE_URL)} with pg_dump"
        else:
            pages = backups.backup(settings.DATABASE_URL, out, progress)
            size, done = out.stat().st_size, f"Backed up {pages} pages"
    except backups.NotSQLite:
        raise Failed("this database can be backed up neither with SQLite nor with pg_dump", 2) from None
    except FileExistsError:
        raise Failed(f"{out} already exists; choose another file") from None
    except (backups.Damaged, backups.ToolMissing) as error:
        raise Failed(str(error)) from None
    seconds = progress.finish()
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
    progress = _progress("restore", args)
    try:
        if backups.is_postgres(settings.DATABASE_URL):
            backups.pg_restore(Path(args.file), settings.DATABASE_URL)
            done = f"Restored {args.file} with pg_restore"
        else:
            pages = backups.restore(Path(args.file), settings.DATABASE_URL, progress)
            done = f"Restored {pages} pages from {args.file}"
    except backups.NotSQLite:
        raise Failed("this database can be restored neither with SQLite nor with pg_restore", 2) from None
    except backups.InUse:
        raise Failed(
            "a server is running on this database; stop it (every process) and try again", 2
        ) from None
    except (backups.Damaged, backups.ToolMissing) as error:
        raise Failed(str(error)) from None
    seconds = progress.finish()
    print(f"{done} into {_safe_url(settings.DATABASE_URL)} ({seconds:.1f} s)")
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
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(DATABASE_URL is not a database URL)"


def _count(low: int, high: int) -> Any:
    """Return an argparse type: a whole number from low to high."""

    def count(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    return count


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line that says where to read more (not the usage, then the error)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = _Parser(prog="kraftsamla", description="Real-time facilitation for Innovation Races.")
    parser.add_argument("--version", action="version", version=f"kraftsamla {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    lang: dict[str, Any] = {"default": settings.DEFAULT_LANG, "choices": settings.LANGUAGES}

    command = commands.add_parser("migrate", help="apply the database migrations")
    command.set_defaults(func=migrate)

    command = commands.add_parser("create-race", help="create a race with the default agenda")
    command.add_argument("--name", required=True, help="the race's name, as people will see it")
    command.add_argument("--lang", **lang, help="the race's language (default: %(default)s)")
    command.add_argument(
        "--teams", type=_count(0, 200), default=4, help="teams to create, 0-200 (default: %(default)s)"
    )
    command.add_argument("--json", action="store_true", help="print the race as JSON")
    command.add_argument("--organiser", metavar="EMAIL", help="the organiser account that runs the race")
    command.set_defaults(func=create_race)

    command = commands.add_parser("create-organiser", help="make an organiser account")
    command.add_argument("--email", required=True, help="the e-mail address the organiser signs in with")
    command.add_argument("--name", help="shown to others (default: the e-mail's name part)")
    command.add_argument(
        "--password-file", metavar="FILE", help="read the password from FILE, not the terminal"
    )
    command.set_defaults(func=create_organiser)

    command = commands.add_parser("demo", help="create the demo race and print its codes")
    command.add_argument("--lang", **lang, help="the demo race's language (default: %(default)s)")
    command.add_argument("--host", default=settings.HOST, help="host shown in the printed addresses")
    command.add_argument(
        "--port", type=int, default=settings.PORT, help="port shown in the printed addresses"
    )
    command.set_defaults(func=demo)

    command = commands.add_parser("serve", help="serve the app")
    command.add_argument("--host", default=settings.HOST, help="address to listen on (default: %(default)s)")
    command.add_argument(
        "--port", type=int, default=settings.PORT, help="port to listen on (default: %(default)s)"
    )
    command.add_argument(
        "--log-level",
        default=settings.LOG_LEVEL,
        choices=("debug", "info", "warning", "error"),
        help="least level logged; info logs one line per request (default: %(default)s)",
    )
    command.add_argument("--workers", type=int, default=1, help="processes on this port (PostgreSQL only)")
    command.set_defaults(func=serve)

    command = commands.add_parser("status", help="show a race's phase, people, teams and cards, ended or not")
    command.add_argument("slug", help="the race's address name (the SLUG in /r/SLUG)")
    command.add_argument("--json", action="store_true", help="print the status as one JSON object")
    command.set_defaults(func=status)

    command = commands.add_parser("export", help="write a whole race to a JSON file")
    command.add_argument("slug", help="the race's address name (the SLUG in /r/SLUG)")
    command.add_argument("--out", required=True, help="the JSON file to write")
    command.add_argument("--force", action="store_true", help="replace the file if it exists")
    command.set_defaults(func=export)
    command = commands.add_parser("import", help="load a race exported with `export`")
    command.add_argument("file", help="a JSON file written by `kraftsamla export`")
    command.set_defaults(func=import_)
    command = commands.add_parser("backup", help="copy the database to a file while the server runs")
    command.add_argument(
        "--out",
        required=True,
        help="the backup file to write (it must not exist); {time} stands for the UTC time",
    )
    command.add_argument(
        "--keep",
        type=_count(1, 100_000),
        default=0,
        help="then delete all but the newest KEEP backups of --out",
    )
    command.set_defaults(func=backup)
    command = commands.add_parser(
        "restore", help="replace the database with a backup (stop the server first)"
    )
    command.add_argument("file", help="a file written by `kraftsamla backup`")
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
    """Run the command line; what went wrong is one line on stderr and a non-zero exit."""
    parser = build_parser()
    if settings.PROBLEMS:
        for problem in settings.PROBLEMS:
            print(f"kraftsamla: setting {problem}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
    except Failed as failure:
        return _say(args, str(failure), failure.code)
    except FileNotFoundError as error:
        return _say(args, f"{error.filename or error}: no such file")
    except OSError as error:
        return _say(args, f"{error.filename or ''}: {error.strerror or error}".lstrip(": "))
    except ModuleNotFoundError as error:
        if error.name in ("psycopg", "psycopg_binary"):
            return _say(args, "PostgreSQL needs its driver: pip install 'kraftsamla[postgres]'")
        raise
    except KeyboardInterrupt:
        return _say(args, "interrupted", 130)
    except Exception as error:
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(error, SQLAlchemyError):
            return _say(args, f"the database {_safe_url(settings.DATABASE_URL)} failed: {_first_line(error)}")
        raise
    finally:
        while _opened:
            _opened.pop().dispose()
    return result


def _say(args: argparse.Namespace, message: str, code: int = 1) -> int:
    print(f"kraftsamla {args.command}: {message}", file=sys.stderr)
    return code


def _first_line(error: BaseException) -> str:
    """Return the gist of a database error (drivers add the statement and a link on further lines)."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
