"""The server's log: uvicorn's, without a line for every socket that opens or closes (unless debugging)."""

from __future__ import annotations

import copy
import logging
from typing import Any

# What uvicorn and websockets log at INFO for each socket: two lines per screen each time the Wi-Fi drops,
# too dear to write in a reconnect storm.
SOCKET_LINES = frozenset({"connection open", "connection closed", '%s - "WebSocket %s" [accepted]'})


class SocketLines(logging.Filter):
    """Drop the per-socket INFO lines; refusals, errors and everything else pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.INFO and record.msg in SOCKET_LINES)


def log_config(level: str) -> dict[str, Any]:
    """Return uvicorn's logging set-up, with the per-socket lines left out unless the level is debug."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    if level.lower() not in ("debug", "trace"):
        config.setdefault("filters", {})["sockets"] = {"()": SocketLines}
        config["loggers"]["uvicorn.error"]["filters"] = ["sockets"]
    return config


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
