"""The commands of a race's life: migrate, create-race, create-organiser, demo, serve, status."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app import settings
from app.cli.common import Failed, database, safe_url


def migrate(_args: argparse.Namespace) -> int:
    """Bring the database schema to the newest migration."""
    from app.migrate import upgrade

    upgrade(settings.DATABASE_URL)
    print(f"Database is up to date: {safe_url(settings.DATABASE_URL)}")
    return 0


def create_race(args: argparse.Namespace) -> int:
    """Create a race with the default agenda and print its summary."""
    from app.errors import ServiceError
    from app.services import launch, races

    if args.organiser:
        try:
            summary = launch.create_for(
                database(), args.organiser, args.name, lang=args.lang, teams=args.teams
            )
        except ServiceError as error:
            raise Failed(f"{error.translated()} ({args.organiser})") from None
    else:
        summary = races.create_race(database(), args.name, lang=args.lang, teams=args.teams)
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
        made = organisers.create(database(), Passwords(), args.email, password, args.name or "")
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

    db = database()
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


def status(args: argparse.Namespace) -> int:
    """Print a race's state at a glance: phase, people, teams, cards, ended or not."""
    from app.errors import ServiceError
    from app.services import races

    try:
        found = races.status(database(), args.slug)
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
