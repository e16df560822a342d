"""A real Kraftsamla server (`kraftsamla serve`, its own database) in a subprocess, for scripts and tests."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
# A line of app/logs.py's text format (time, level, logger, ...); a traceback's lines follow their entry.
LOG_ENTRY = re.compile(r"^\S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
# Straight to the loopback port, whatever proxy the environment names.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerError(RuntimeError):
    """The server would not start or stop as it should."""


def free_port() -> int:
    """Return a loopback port nobody listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LocalServer:
    """`kraftsamla serve` on loopback with a fresh data folder; restartable on the same database and port."""

    def __init__(self, data_dir: Path | None = None, env: dict[str, str] | None = None) -> None:
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="kraftsamla-")
        self.data_dir = data_dir if data_dir is not None else Path(self._tmp.name if self._tmp else "")
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        default_url = f"sqlite:///{self.data_dir / 'k.db'}"
        self.env = {
            **os.environ,
            "KRAFTSAMLA_DATA_DIR": str(self.data_dir),
            "DATABASE_URL": os.environ.get("KRAFTSAMLA_BENCH_DATABASE_URL", default_url),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        for name in ("SECRET_KEY", "KRAFTSAMLA_ALLOWED_ORIGINS", "KRAFTSAMLA_COOKIE_SECURE"):
            if not env or name not in env:
                self.env.pop(name, None)
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def cli(self, *args: str) -> str:
        """Run `kraftsamla ARGS` against this server's database and return what it printed."""
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise ServerError(f"kraftsamla {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
        return done.stdout

    def create_race(self, name: str = "Checked race", *, lang: str = "sv", teams: int = 2) -> dict[str, Any]:
        """Create a race through the command line's JSON contract."""
        summary: dict[str, Any] = json.loads(
            self.cli("create-race", "--name", name, "--lang", lang, "--teams", str(teams), "--json")
        )
        return summary

    @property
    def pid(self) -> int:
        """Return the server's process id."""
        assert self.process is not None
        return self.process.pid

    @property
    def log_path(self) -> Path:
        return self.data_dir / f"server-{self.starts}.log"

    def log_tail(self, lines: int = 40) -> str:
        """Return the end of the current server log, for failure messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def start(self) -> None:
        """Start the server and return once /healthz answers 200."""
        assert self.process is None, "the server is already running"
        self.starts += 1
        command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                code, self.process = self.process.returncode, None
                raise ServerError(f"the server exited with {code} while starting:\n{self.log_tail()}")
            try:
                with _direct.open(f"{self.base_url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise ServerError(f"/healthz did not answer within {START_TIMEOUT_S} s:\n{self.log_tail()}")
            time.sleep(0.05)  # polling the health endpoint of a server that is starting, not a message

    def stop(self) -> None:
        """Stop the server with SIGTERM, as a process manager does on a deploy."""
        process = self.process
        if process is None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise ServerError(
                f"the server did not stop within {STOP_TIMEOUT_S} s:\n{self.log_tail()}"
            ) from None
        self.process = None
        # uvicorn shuts down gracefully, then re-raises the signal it caught: -SIGTERM is a clean exit.
        if process.returncode not in (0, -signal.SIGTERM):
            raise ServerError(f"the server exited with {process.returncode} on SIGTERM:\n{self.log_tail()}")

    def restart(self) -> None:
        """Stop and start again on the same database and port, so open pages reconnect by themselves."""
        self.stop()
        self.start()

    def kill(self) -> None:
        """Kill the server outright (SIGKILL)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)
            self.process = None

    def errors(self) -> list[str]:
        """Return the errors (each with its traceback) that any run of the server logged."""
        found = []
        for path in sorted(self.data_dir.glob("server-*.log")):
            block: list[str] = []
            for line in [*path.read_text(errors="replace").splitlines(), "- INFO (end of log)"]:
                entry = LOG_ENTRY.match(line)
                if block and entry:
                    found.append(f"{path.name}:\n" + "\n".join(block))
                    block = []
                failed = entry is not None and entry[1] in ("ERROR", "CRITICAL")
                if failed or line.startswith("Traceback") or (block and not entry):
                    block.append(line)
        return found

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.stop()
        finally:
            self.kill()
            if self._tmp is not None:
                self._tmp.cleanup()
