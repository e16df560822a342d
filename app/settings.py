"""Every setting, read once from the environment and `.env`; nothing else reads the environment."""

from __future__ import annotations

import secrets
from pathlib import Path

from starlette.config import Config
from starlette.datastructures import CommaSeparatedStrings

ROOT = Path(__file__).resolve().parent.parent
config = Config(ROOT / ".env" if (ROOT / ".env").exists() else None)

DATA_DIR: Path = config("KRAFTSAMLA_DATA_DIR", cast=Path, default=ROOT / "data")
DATABASE_URL: str = config("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'kraftsamla.db'}")
HOST: str = config("KRAFTSAMLA_HOST", default="127.0.0.1")
PORT: int = config("KRAFTSAMLA_PORT", cast=int, default=8000)
DEFAULT_LANG: str = config("KRAFTSAMLA_LANG", default="sv")
# Extra origins allowed to post and open sockets, e.g. the public https origin behind a proxy.
ALLOWED_ORIGINS: CommaSeparatedStrings = config(
    "KRAFTSAMLA_ALLOWED_ORIGINS", cast=CommaSeparatedStrings, default=""
)
COOKIE_SECURE: bool = config("KRAFTSAMLA_COOKIE_SECURE", cast=bool, default=False)
SQLITE_BUSY_TIMEOUT_MS: int = config("KRAFTSAMLA_SQLITE_BUSY_TIMEOUT_MS", cast=int, default=5000)
LIVE_QUEUE_MESSAGES: int = config("KRAFTSAMLA_LIVE_QUEUE_MESSAGES", cast=int, default=256)
LIVE_QUEUE_BYTES: int = config("KRAFTSAMLA_LIVE_QUEUE_BYTES", cast=int, default=4 * 1024 * 1024)
# A screen further behind than this many events gets a fresh snapshot instead of the regions it missed.
LIVE_REPLAY_MAX_EVENTS: int = config("KRAFTSAMLA_LIVE_REPLAY_MAX_EVENTS", cast=int, default=2000)
LIVE_MAX_SOCKETS_PER_PERSON: int = config("KRAFTSAMLA_LIVE_MAX_SOCKETS_PER_PERSON", cast=int, default=8)
LIVE_SEND_TIMEOUT_S: float = config("KRAFTSAMLA_LIVE_SEND_TIMEOUT_S", cast=float, default=10.0)
# Who is online is re-rendered at most once per race per window (a reconnect storm renders it a few times).
LIVE_PRESENCE_WINDOW_S: float = config("KRAFTSAMLA_LIVE_PRESENCE_WINDOW_S", cast=float, default=0.2)

# malloc arenas (glibc) the threads share; 0 leaves glibc's default of eight per core. See app/memory.py.
MALLOC_ARENAS: int = config("KRAFTSAMLA_MALLOC_ARENAS", cast=int, default=2)
# Worker threads for the database and the renders (anyio's default is 40), and as many pooled SQLite
# connections. They take turns under the interpreter lock; each one more costs a stack, a connection with
# its page cache, and one more render's working memory at the peak. See app/memory.py.
WORKER_THREADS: int = config("KRAFTSAMLA_WORKER_THREADS", cast=int, default=16)

MAX_BODY_BYTES: int = config("KRAFTSAMLA_MAX_BODY_BYTES", cast=int, default=64 * 1024)
# Posts per second per person (session, else address), with bursts; 0 turns the limit off.
RATE_LIMIT_PER_SECOND: float = config("KRAFTSAMLA_RATE_LIMIT_PER_SECOND", cast=float, default=5.0)
RATE_LIMIT_BURST: float = config("KRAFTSAMLA_RATE_LIMIT_BURST", cast=float, default=20.0)
# Wrong organiser passwords allowed per account and per client address within the window; then 429.
SIGN_IN_FAILURES_PER_ACCOUNT: int = config("KRAFTSAMLA_SIGN_IN_FAILURES_PER_ACCOUNT", cast=int, default=5)
SIGN_IN_FAILURES_PER_ADDRESS: int = config("KRAFTSAMLA_SIGN_IN_FAILURES_PER_ADDRESS", cast=int, default=20)
SIGN_IN_WINDOW_S: float = config("KRAFTSAMLA_SIGN_IN_WINDOW_S", cast=float, default=900.0)

TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
LOCALE_DIR = ROOT / "app" / "locale"
LANGUAGES = ("sv", "en")


def _secret_key() -> str:
    """Return SECRET_KEY, generating it once into the data folder when it is not set."""
    value = config("SECRET_KEY", default="")
    if value:
        return str(value)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


SECRET_KEY: str = _secret_key()
