"""The server's log: uvicorn's, without a line for every socket that opens or closes (unless debugging)."""

from __future__ import annotations

import copy
import logging
from typing import Any

# What uvicorn and websockets log at INFO for each socket. A room of 1,000 screens writes 2,000 of them
# each time the Wi-Fi drops, and writing them took a tenth of the server's time in a reconnect storm.
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
