"""The server's log: time, level, logger and request id on each line, JSON on demand, no line per socket."""

from __future__ import annotations

import json
import logging
import logging.config
import socket
import time
from collections.abc import Iterator

import httpx2 as httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from app.logs import (
    JsonFormatter,
    RequestIdFilter,
    RequestIdMiddleware,
    SocketLines,
    TextFormatter,
    log_config,
    quiet_sockets,
)
from bench.interface import join
from bench.server import LocalServer


def _record(message: str, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.error", level, __file__, 1, message, (), None)


def test_per_socket_lines_are_left_out_unless_debugging() -> None:
    config = log_config("info")
    assert config["loggers"]["uvicorn.error"]["filters"] == ["sockets"]
    assert config["filters"]["sockets"]["()"] == "app.logs.SocketLines"
    sockets = SocketLines()
    assert not sockets.filter(_record("connection open"))
    assert not sockets.filter(_record('%s - "WebSocket %s" [accepted]'))
    assert sockets.filter(_record("connection open", logging.WARNING))
    assert sockets.filter(_record('%s - "WebSocket %s" 403'))  # a refused socket is still told
    assert sockets.filter(_record("Application startup complete."))
    assert log_config("debug")["loggers"]["uvicorn.error"]["filters"] == []


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


class Lines(logging.Handler):
    """Keeps each formatted line, through the set-up's own filter and a formatter."""

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__()
        self.setFormatter(formatter)
        self.addFilter(RequestIdFilter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def app_lines() -> Iterator[Lines]:
    kept = Lines(JsonFormatter())
    logger = logging.getLogger("kraftsamla.test.requests")
    logger.addHandler(kept)
    logger.setLevel(logging.INFO)
    try:
        yield kept
    finally:
        logger.removeHandler(kept)


def test_the_apps_lines_carry_the_id_of_their_request(app_lines: Lines) -> None:
    async def page(request: Request) -> PlainTextResponse:
        logging.getLogger("kraftsamla.test.requests").info("working on %s", request.url.path)
        return PlainTextResponse("ok")

    app = RequestIdMiddleware(Starlette(routes=[Route("/work", page)]))
    with TestClient(app) as client:
        first = client.get("/work").headers["x-request-id"]
        second = client.get("/work").headers["x-request-id"]
        passed = client.get("/work", headers={"x-request-id": "a1b2c3d4e5f60718"}).headers["x-request-id"]
        forged = client.get("/work", headers={"x-request-id": "bad id\nINFO forged"}).headers["x-request-id"]
    entries = [json.loads(line) for line in app_lines.lines]
    assert [entry["request_id"] for entry in entries] == [first, second, passed, forged]
    assert first != second and passed == "a1b2c3d4e5f60718" and "forged" not in forged
    assert {entry["logger"] for entry in entries} == {"kraftsamla.test.requests"}
    assert entries[0]["message"] == "working on /work" and entries[0]["level"] == "INFO"


def test_a_text_line_has_time_level_logger_and_request_id() -> None:
    assert log_config("info")["formatters"]["line"]["()"] == "app.logs.TextFormatter"
    assert log_config("info", "json")["formatters"]["line"]["()"] == "app.logs.JsonFormatter"
    record = logging.LogRecord("kraftsamla", logging.WARNING, __file__, 1, "disk %s", ("full",), None)
    RequestIdFilter().filter(record)
    time_, level, logger, request, message = TextFormatter().format(record).split(" ", 4)
    assert time_[:4].isdigit() and "T" in time_ and level == "WARNING" and logger == "kraftsamla"
    assert request == "[-]" and message == "disk full"


@pytest.mark.slow
def test_json_lines_carry_the_request_id_in_the_access_line() -> None:
    with LocalServer(env={"KRAFTSAMLA_LOG_FORMAT": "json"}) as server:
        server.start()
        response = httpx.get(f"{server.base_url}/", headers={"x-request-id": "0123456789abcdef"})
        passed = httpx.get(f"{server.base_url}/healthz").headers["x-request-id"]
        server.stop()
        entries = [json.loads(line) for line in server.log_path.read_text().splitlines()]
    assert response.headers["x-request-id"] == "0123456789abcdef"
    access = [entry for entry in entries if entry["logger"] == "uvicorn.access"]
    assert [(entry["request_id"], entry["http"]["path"]) for entry in access[-2:]] == [
        ("0123456789abcdef", "/"),
        (passed, "/healthz"),
    ]
    assert {"time", "level", "logger", "message"} <= set(access[0])
    assert any(entry["message"] == "Application startup complete." for entry in entries)


def _abandon_an_upload(port: int) -> None:
    """Start a post that promises a body, send a little of it, and go away."""
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(
            b"POST /join HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nOrigin: http://127.0.0.1:%d\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\ncode=abc"
            % (port, port)
        )


def _wait_for_line(server: LocalServer, needle: str, timeout: float = 20.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [line for line in server.log_path.read_text().splitlines() if needle in line]
        if found:
            return found
        time.sleep(0.05)  # polling the server's log file for the line itself
    raise AssertionError(f"no line with {needle!r}:\n{server.log_tail()}")


@pytest.mark.slow
def test_a_client_that_goes_away_mid_upload_is_one_debug_line() -> None:
    with LocalServer(env={"KRAFTSAMLA_LOG_LEVEL": "debug"}) as server:
        server.start()
        _abandon_an_upload(server.port)
        (line,) = _wait_for_line(server, "client went away")
        assert " DEBUG kraftsamla " in line and "POST /join" in line
        server.stop()
        log = server.log_path.read_text()
    assert "Traceback" not in log and "ClientDisconnect" not in log
    assert server.errors() == []
