"""The `kraftsamla` command: create-race, demo, migrate, serve."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from app import settings


def _database():  # type: ignore[no-untyped-def]
    """Return the database, migrated to the newest schema first (cheap when it already is)."""
    from app.db import Database
    from app.migrate import upgrade

    upgrade(settings.DATABASE_URL)
    return Database(settings.DATABASE_URL)


def migrate(_args: argparse.Namespace) -> int:
    """Bring the database schema to the newest migration."""
    from app.migrate import upgrade

    upgrade(settings.DATABASE_URL)
    print(f"Database is up to date: {_safe_url(settings.DATABASE_URL)}")
    return 0


def create_race(args: argparse.Namespace) -> int:
    """Create a race with the default agenda and print its summary."""
    from app.services import races

    summary = races.create_race(_database(), args.name, lang=args.lang, teams=args.teams)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        _print_summary(summary)
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

    from app.migrate import upgrade

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
        ws="websockets-sansio",
        ws_max_size=64 * 1024,
        ws_per_message_deflate=False,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        proxy_headers=True,
        workers=args.workers,
        log_level=args.log_level,
    )
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
    command.set_defaults(func=create_race)

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line."""
    args = build_parser().parse_args(argv)
    if args.command == "create-race" and not 0 <= args.teams <= 200:
        print("--teams must be between 0 and 200", file=sys.stderr)
        return 2
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
