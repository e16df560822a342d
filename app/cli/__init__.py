"""The `kraftsamla` command: create-race, create-organiser, demo, migrate, serve, status; export, import,
backup, restore, purge.

Each command is a function of its parsed arguments that returns the exit code, registered in build_parser()
with a help text for it and for each of its options. What an operator got wrong (a missing file, bad JSON, an
unknown option, a database that does not answer) is one line on stderr and a non-zero exit: raise Failed, or
let main() translate the usual exceptions; a traceback means a bug. The commands live in `race` (a race's
life) and `data` (moving its data), what they share in `common`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from app import __version__, settings
from app.cli.common import Failed, count_type, opened, safe_url
from app.cli.data import backup, export, import_, purge, restore
from app.cli.race import create_organiser, create_race, demo, migrate, serve, status


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
        "--teams", type=count_type(0, 200), default=4, help="teams to create, 0-200 (default: %(default)s)"
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
        type=count_type(1, 100_000),
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
            return _say(args, f"the database {safe_url(settings.DATABASE_URL)} failed: {_first_line(error)}")
        raise
    finally:
        while opened:
            opened.pop().dispose()
    return result


def _say(args: argparse.Namespace, message: str, code: int = 1) -> int:
    print(f"kraftsamla {args.command}: {message}", file=sys.stderr)
    return code


def _first_line(error: BaseException) -> str:
    """Return the gist of a database error (drivers add the statement and a link on further lines)."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
