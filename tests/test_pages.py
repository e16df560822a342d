"""The error handlers: a client that goes away mid-upload is one line in the log, not a traceback."""

from __future__ import annotations

import socket
import time

from bench.server import LocalServer

GONE = "the client went away before its request was read"


def test_an_abandoned_upload_is_one_log_line() -> None:
    with LocalServer() as server:
        server.start()
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", server.port)) as client:
                client.sendall(
                    f"POST /join HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n".encode()
                    + f"Origin: {server.base_url}\r\n".encode()
                    + b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n"
                    + b"code=ABC&name="
                )
        deadline = time.monotonic() + 10
        while server.log_path.read_text().count(GONE) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)  # polling the server's log for the line it writes, with a deadline
        log = server.log_path.read_text()
        assert log.count(GONE) == 3
        assert "Traceback" not in log
        assert server.errors() == []
