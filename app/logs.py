"""The server's log: one set-up for uvicorn and the app, a request id on every line of a request.

Each line has the time, the level, the logger, the request id and the message (`KRAFTSAMLA_LOG_FORMAT=json`:
the same as one JSON object per line). uvicorn's and websockets' line for every socket that opens or closes
is left out unless debugging.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import secrets
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The request (or socket) whose work the current task does; "-" outside any.
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
# A proxy's id for the request (nginx's $request_id is 32 hex digits) is kept; anything else is replaced
# by this process's own: a random prefix and a counter (a fifth of the cost of random bytes per request).
_PROCESS = secrets.token_hex(3)
_counter = itertools.count(1)
_PASSED_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

# What uvicorn and websockets log at INFO for each socket: two lines per screen each time the Wi-Fi drops,
# too dear to write in a reconnect storm.
SOCKET_LINES = frozenset({"connection open", "connection closed", '%s - "WebSocket %s" [accepted]'})


class SocketLines(logging.Filter):
    """Drop the per-socket INFO lines; refusals, errors and everything else pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.INFO and record.msg in SOCKET_LINES)


class RequestIdFilter(logging.Filter):
    """Put the current request's id on each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def _time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


class TextFormatter(logging.Formatter):
    """`TIME LEVEL LOGGER [REQUEST] message`, then the traceback if any."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = getattr(record, "request_id", "-")
        return f"{_time(record)} {super().format(record)}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request_id, message, and the traceback as text."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            entry["http"] = {
                "client": client,
                "method": method,
                "path": path,
                "version": version,
                "status": status,
            }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_config(level: str, form: str = "text") -> dict[str, Any]:
    """Return the logging set-up of uvicorn and the app (for `logging.config.dictConfig`)."""
    quiet = level.lower() not in ("debug", "trace")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "app.logs.RequestIdFilter"},
            "sockets": {"()": "app.logs.SocketLines"},
        },
        "formatters": {
            "line": {"()": "app.logs.JsonFormatter" if form == "json" else "app.logs.TextFormatter"},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "line",
                "filters": ["request_id"],
            },
        },
        # Every logger, uvicorn's and the app's (kraftsamla, kraftsamla.live, ...), reaches the one handler.
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"level": level.upper(), "filters": ["sockets"] if quiet else []},
            "uvicorn.access": {"handlers": [], "propagate": True},
            # A line for each of its plugins at every start; its migration lines stay.
            "alembic.runtime.plugins": {"level": "WARNING"},
        },
    }


def configure(level: str, form: str = "text") -> None:
    """Set up logging for a process that is not started by uvicorn (the command line's own lines)."""
    import logging.config

    logging.config.dictConfig(log_config(level, form))


class RequestIdMiddleware:
    """Give each request and socket an id for the log (a proxy's X-Request-ID if well formed) and echo it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        passed = _header(scope, b"x-request-id")
        request_id = passed if passed and _PASSED_ID.fullmatch(passed) else f"{_PROCESS}{next(_counter):08x}"
        # Each request runs in a task of its own: set, not reset, so that the server's own lines after the
        # app returned (the access line, an unhandled error) still carry it.
        REQUEST_ID.set(request_id)
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        await self.app(scope, receive, send_with_id)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class QuietSockets:
    """A sockets' logger that drops the per-socket INFO lines before a record is made (unless debugging).

    The filter above drops them too, but only after the logger found its caller and built the record: in a
    reconnect storm that was a twentieth of the server's time. Everything else goes to the logger.
    """

    __slots__ = ("_logger",)

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger

    def info(self, msg: object, *args: Any, **kwargs: Any) -> None:
        if msg in SOCKET_LINES and not self._logger.isEnabledFor(logging.DEBUG):
            return
        self._logger.info(msg, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._logger, name)


_quiet: dict[str, QuietSockets] = {}


def quiet_sockets(logger: logging.Logger | QuietSockets) -> QuietSockets:
    """Return the one QuietSockets of a logger (shared by every socket: no object more per socket)."""
    if isinstance(logger, QuietSockets):
        return logger
    found = _quiet.get(logger.name)
    if found is None or found._logger is not logger:
        found = _quiet[logger.name] = QuietSockets(logger)
    return found
