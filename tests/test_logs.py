"""The server's log keeps what an operator reads and leaves out a line for every socket."""

from __future__ import annotations

import logging

import pytest

from app.logs import log_config, quiet_sockets
from bench.interface import join
from bench.server import LocalServer


def _record(message: str, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.error", level, __file__, 1, message, (), None)


def test_per_socket_lines_are_left_out_unless_debugging() -> None:
    config = log_config("info")
    assert config["loggers"]["uvicorn.error"]["filters"] == ["sockets"]
    sockets = config["filters"]["sockets"]["()"]()
    assert not sockets.filter(_record("connection open"))
    assert not sockets.filter(_record('%s - "WebSocket %s" [accepted]'))
    assert sockets.filter(_record("connection open", logging.WARNING))
    assert sockets.filter(_record('%s - "WebSocket %s" 403'))  # a refused socket is still told
    assert sockets.filter(_record("Application startup complete."))
    assert "filters" not in log_config("debug")["loggers"]["uvicorn.error"]


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_a_sockets_logger_makes_no_record_of_its_per_socket_lines_unless_debugging() -> None:
    logger = logging.getLogger("kraftsamla.test.sockets")
    kept = Kept()
    logger.addHandler(kept)
    logger.propagate = False
    try:
        logger.setLevel(logging.INFO)
        quiet = quiet_sockets(logger)
        assert quiet_sockets(logger) is quiet and quiet_sockets(quiet) is quiet  # one for every socket
        quiet.info('%s - "WebSocket %s" [accepted]', "127.0.0.1:5000", "/r/x/live")
        quiet.info("connection open")
        quiet.info('%s - "WebSocket %s" %d', "127.0.0.1:5000", "/r/x/live", 403)
        quiet.warning("connection open")
        assert quiet.isEnabledFor(logging.INFO) and quiet.name == logger.name
        logger.setLevel(logging.DEBUG)
        quiet.info("connection closed")
        assert kept.messages == [
            '127.0.0.1:5000 - "WebSocket /r/x/live" 403',
            "connection open",
            "connection closed",
        ]
    finally:
        logger.removeHandler(kept)


@pytest.mark.slow
def test_a_served_socket_leaves_no_line_and_the_rest_is_logged() -> None:
    with LocalServer() as server:
        race = server.create_race(name="Loggen")
        server.start()
        slug = race["slug"]
        with (
            join(server.base_url, slug, race["codes"]["participant"], "Lo", race["teams"][0]["id"]) as person,
            person.live() as screen,
        ):
            assert screen.frames[0].startswith("<!--seq")  # its snapshot
        server.stop()
        log = server.log_path.read_text()
    assert "Application startup complete" in log
    assert '"POST /join HTTP/1.1" 303' in log
    assert "[accepted]" not in log and "connection open" not in log
