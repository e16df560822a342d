"""Every setting, read once from the environment and `.env`; nothing else reads the environment.

Each setting is declared with `setting()`: its variable, type, default and meaning are kept in SETTINGS,
which docs/configuration.md and .env.example follow (tests/test_settings.py checks both). Reading them
writes nothing.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from starlette.config import Config
from starlette.datastructures import CommaSeparatedStrings

T = TypeVar("T")

# The installed package, and the checkout it may sit in (templates/ and static/ are beside app/ there).
PACKAGE = Path(__file__).resolve().parent
# `.env` in the working directory, as the server's process manager or the person running it sets it.
config = Config(".env" if Path(".env").is_file() else None)


@dataclass(frozen=True)
class Setting:
    """One setting: its environment variable, type, default (as documented) and meaning."""

    name: str
    kind: str
    default: str
    help: str
    group: str


SETTINGS: list[Setting] = []
# What was wrong with the environment, one sentence each: the CLI and the server refuse to start on any.
PROBLEMS: list[str] = []
_group = ""


def group(title: str) -> None:
    """Start a group of settings (a section of docs/configuration.md)."""
    global _group
    _group = title


def setting(
    name: str,
    cast: Callable[[Any], T],
    default: T,
    help: str,
    *,
    shown: str | None = None,
    choices: tuple[str, ...] = (),
) -> T:
    """Declare a setting and return its value; `shown` documents a default that is computed."""
    documented = shown if shown is not None else _shown(default)
    SETTINGS.append(Setting(name, _kind(cast), documented, help, _group))
    try:
        value: T = config(name, cast=cast, default=default)
    except ValueError:
        PROBLEMS.append(f"{name}={config(name, default='')!r} is not a valid {_kind(cast)}")
        return default
    if choices and value not in choices:
        PROBLEMS.append(f"{name}={value!r} is not one of {', '.join(choices)}")
        return default
    return value


def _kind(cast: Callable[[Any], object]) -> str:
    if cast is CommaSeparatedStrings:
        return "list"
    return getattr(cast, "__name__", str(cast)).replace("Path", "path").replace("str", "text")


def _shown(default: object) -> str:
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, CommaSeparatedStrings):
        return ", ".join(default)
    return str(default)


group("Server")
DATA_DIR: Path = setting(
    "KRAFTSAMLA_DATA_DIR",
    Path,
    Path.cwd() / "data",
    "Folder of the SQLite database and the generated secret key.",
    shown="./data",
)
DATABASE_URL: str = setting(
    "DATABASE_URL",
    str,
    f"sqlite:///{DATA_DIR / 'kraftsamla.db'}",
    "The database: `sqlite:///PATH` (one process) or `postgresql://USER:PASSWORD@HOST/NAME` (several, with "
    "the `postgres` extra installed).",
    shown="sqlite:///$KRAFTSAMLA_DATA_DIR/kraftsamla.db",
)
HOST: str = setting("KRAFTSAMLA_HOST", str, "127.0.0.1", "Address `kraftsamla serve` listens on.")
PORT: int = setting("KRAFTSAMLA_PORT", int, 8000, "Port `kraftsamla serve` listens on.")
DEFAULT_LANG: str = setting(
    "KRAFTSAMLA_LANG",
    str,
    "sv",
    "Language of new races and of screens whose person has chosen none: sv or en.",
    choices=("sv", "en"),
)
LOG_LEVEL: str = setting(
    "KRAFTSAMLA_LOG_LEVEL",
    str,
    "info",
    "Least level logged: debug, info (a line per request), warning, error. `serve --log-level` overrides it.",
    choices=("debug", "info", "warning", "error"),
)
LOG_FORMAT: str = setting(
    "KRAFTSAMLA_LOG_FORMAT",
    str,
    "text",
    "`text`: time, level, logger, request id and message on one line; `json`: one JSON object per line.",
    choices=("text", "json"),
)
PUBLIC_ORIGIN: str = setting(
    "KRAFTSAMLA_PUBLIC_ORIGIN",
    str,
    "",
    "The site's public origin, e.g. `https://race.example.org`: links read away from the site (QR codes, the "
    "join sheet, the intake link) use it, and posts naming it are the site's own. Empty: the origin each "
    "request came to (redirects are paths and never need it).",
    shown="(the request's)",
).rstrip("/")
if PUBLIC_ORIGIN and not re.fullmatch(r"https?://[^/\s?#]+", PUBLIC_ORIGIN):
    PROBLEMS.append(
        f"KRAFTSAMLA_PUBLIC_ORIGIN={PUBLIC_ORIGIN!r} is not an origin like https://race.example.org"
    )

group("Security")
_SECRET_KEY: str = setting(
    "SECRET_KEY",
    str,
    "",
    "Signs the session cookies; the same for every process of a site. Empty: generated once into "
    "`$KRAFTSAMLA_DATA_DIR/secret_key` when the server starts.",
    shown="(generated)",
)
# Extra origins allowed to post and open sockets, e.g. the public https origin behind a proxy.
ALLOWED_ORIGINS: CommaSeparatedStrings = setting(
    "KRAFTSAMLA_ALLOWED_ORIGINS",
    CommaSeparatedStrings,
    CommaSeparatedStrings(""),
    "Origins besides the site itself allowed to post and open sockets, comma-separated (behind a proxy: "
    "the public origin, e.g. `https://race.example.org`).",
    shown="(none)",
)
COOKIE_SECURE: bool = setting(
    "KRAFTSAMLA_COOKIE_SECURE", bool, False, "Send the session cookie over HTTPS only (set it behind TLS)."
)
METRICS_ALLOW: CommaSeparatedStrings = setting(
    "KRAFTSAMLA_METRICS_ALLOW",
    CommaSeparatedStrings,
    CommaSeparatedStrings(""),
    "Addresses or networks (comma-separated, e.g. `10.0.0.5, 192.168.1.0/24`) allowed to read `/metrics`, "
    "besides loopback.",
    shown="(loopback only)",
)
for _network in METRICS_ALLOW:
    try:
        ipaddress.ip_network(_network.strip(), strict=False)
    except ValueError:
        PROBLEMS.append(f"KRAFTSAMLA_METRICS_ALLOW: {_network!r} is not an address or network")
MAX_BODY_BYTES: int = setting(
    "KRAFTSAMLA_MAX_BODY_BYTES", int, 64 * 1024, "Largest request body accepted; larger ones get 413."
)
# Posts per second per person (session, else address), with bursts; 0 turns the limit off.
RATE_LIMIT_PER_SECOND: float = setting(
    "KRAFTSAMLA_RATE_LIMIT_PER_SECOND",
    float,
    5.0,
    "Posts per second one person (signed session, else address) may make on average; 0 turns the limit off.",
)
RATE_LIMIT_BURST: float = setting(
    "KRAFTSAMLA_RATE_LIMIT_BURST", float, 20.0, "Posts one person may make at once above that rate."
)
# Wrong join codes per client address, per minute with bursts: a room's typos fit, guessing does not.
JOIN_FAILURES_PER_MINUTE: float = setting(
    "KRAFTSAMLA_JOIN_FAILURES_PER_MINUTE",
    float,
    60.0,
    "Wrong join codes one client address may send per minute on average; past it, every join attempt from "
    "that address gets 429. 0 turns the limit off.",
)
JOIN_FAILURES_BURST: float = setting(
    "KRAFTSAMLA_JOIN_FAILURES_BURST",
    float,
    60.0,
    "Wrong join codes one address may send at once above that rate.",
)
# Each wrong code is a guess at every race; past this, an address that guesses wrong is held back for a whole
# refill of its own budget.
JOIN_GUESSES_PER_MINUTE: float = setting(
    "KRAFTSAMLA_JOIN_GUESSES_PER_MINUTE",
    float,
    300.0,
    "Wrong join codes from every address together per minute; past it, an address that guesses wrong is held "
    "back for a whole refill of its own budget. 0 turns the limit off.",
)
JOIN_GUESSES_BURST: float = setting(
    "KRAFTSAMLA_JOIN_GUESSES_BURST",
    float,
    600.0,
    "Wrong join codes from all addresses at once above that rate.",
)
# A room shares one address, so valid joins only meet a ceiling far above any room.
JOIN_CEILING_PER_MINUTE: float = setting(
    "KRAFTSAMLA_JOIN_CEILING_PER_MINUTE",
    float,
    600.0,
    "Joins with a valid code one client address may make per minute (far above a room behind one address). "
    "0 turns the ceiling off.",
)
JOIN_CEILING_BURST: float = setting(
    "KRAFTSAMLA_JOIN_CEILING_BURST",
    float,
    1000.0,
    "Valid joins one address may make at once above that rate.",
)
INTAKE_PER_HOUR: float = setting(
    "KRAFTSAMLA_INTAKE_PER_HOUR",
    float,
    30.0,
    "Needs one client address may send per hour through a race's public intake; 0 turns the limit off.",
)
INTAKE_BURST: float = setting(
    "KRAFTSAMLA_INTAKE_BURST", float, 10.0, "Needs one address may send at once above that rate."
)
SIGN_IN_FAILURES_PER_ACCOUNT: int = setting(
    "KRAFTSAMLA_SIGN_IN_FAILURES_PER_ACCOUNT",
    int,
    5,
    "Wrong passwords allowed for one organiser's account within the window below; past it, 429.",
)
SIGN_IN_FAILURES_PER_ADDRESS: int = setting(
    "KRAFTSAMLA_SIGN_IN_FAILURES_PER_ADDRESS",
    int,
    20,
    "Wrong organiser passwords allowed from one client address within the window below; past it, 429.",
)
SIGN_IN_WINDOW_S: float = setting(
    "KRAFTSAMLA_SIGN_IN_WINDOW_S",
    float,
    900.0,
    "Seconds over which wrong organiser passwords are counted.",
)

group("Database")
SQLITE_BUSY_TIMEOUT_MS: int = setting(
    "KRAFTSAMLA_SQLITE_BUSY_TIMEOUT_MS",
    int,
    5000,
    "How long a SQLite write waits for another process's write before it fails (milliseconds).",
)

group("Live screens")
LIVE_QUEUE_MESSAGES: int = setting(
    "KRAFTSAMLA_LIVE_QUEUE_MESSAGES",
    int,
    256,
    "Frames that may wait for one slow screen; past this it is cut off and reloads a snapshot.",
)
LIVE_QUEUE_BYTES: int = setting(
    "KRAFTSAMLA_LIVE_QUEUE_BYTES", int, 4 * 1024 * 1024, "Bytes that may wait for one slow screen; as above."
)
# A screen further behind than this many events gets a fresh snapshot instead of the regions it missed.
LIVE_REPLAY_MAX_EVENTS: int = setting(
    "KRAFTSAMLA_LIVE_REPLAY_MAX_EVENTS",
    int,
    2000,
    "A screen further behind than this many events gets a fresh snapshot instead of what it missed.",
)
LIVE_MAX_SOCKETS_PER_PERSON: int = setting(
    "KRAFTSAMLA_LIVE_MAX_SOCKETS_PER_PERSON", int, 8, "Live sockets one person may hold open at once."
)
LIVE_SEND_TIMEOUT_S: float = setting(
    "KRAFTSAMLA_LIVE_SEND_TIMEOUT_S",
    float,
    10.0,
    "Seconds a send to one screen may take before that screen is cut off (it reconnects).",
)
# Who is online is re-rendered at most once per race per window (a reconnect storm renders it a few times).
LIVE_PRESENCE_WINDOW_S: float = setting(
    "KRAFTSAMLA_LIVE_PRESENCE_WINDOW_S",
    float,
    0.2,
    "Who is online is re-rendered at most once per race in this many seconds.",
)

group("Memory and threads")
# malloc arenas (glibc) the threads share; 0 leaves glibc's default of eight per core. See app/memory.py.
MALLOC_ARENAS: int = setting(
    "KRAFTSAMLA_MALLOC_ARENAS",
    int,
    2,
    "malloc arenas (glibc) the server's threads share; 0 keeps glibc's default of eight per core.",
)
# Worker threads for the database and the renders (anyio's default is 40), and as many pooled SQLite
# connections. They take turns under the interpreter lock; each one more costs a stack, a connection with
# its page cache, and one more render's working memory at the peak. See app/memory.py.
WORKER_THREADS: int = setting(
    "KRAFTSAMLA_WORKER_THREADS",
    int,
    16,
    "Threads for database work and renders, and as many pooled SQLite connections.",
)


def _bundled(name: str) -> Path:
    """Return a folder of files the app serves: inside the installed package, else beside it in a checkout."""
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name


TEMPLATES_DIR = _bundled("templates")
STATIC_DIR = _bundled("static")
LOCALE_DIR = PACKAGE / "locale"
MIGRATIONS_DIR = PACKAGE / "migrations"
LANGUAGES = ("sv", "en")


def secret_key() -> str:
    """Return SECRET_KEY, generating it once into the data folder when it is not set (the server's start)."""
    if _SECRET_KEY:
        return _SECRET_KEY
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()
