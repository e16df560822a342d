"""Run a real Kraftsamla server (uvicorn, its own database) in a subprocess, for scripts and tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """Return a loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalServer:
    """A server on loopback with a fresh data folder; restartable on the same database."""

    def __init__(self, data_dir: Path | None = None, port: int | None = None) -> None:
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="kraftsamla-")
        self.data_dir = data_dir or Path(self._tmp.name)  # type: ignore[union-attr]
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "KRAFTSAMLA_DATA_DIR": str(self.data_dir),
            "DATABASE_URL": os.environ.get(
                "KRAFTSAMLA_BENCH_DATABASE_URL", f"sqlite:///{self.data_dir / 'k.db'}"
            ),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        """Run `kraftsamla ARGS` against this server's database and return what it printed."""
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", *args], env=self.env, cwd=ROOT, capture_output=True, check=True
        )
        return result.stdout.decode()

    def create_race(self, name: str = "Checked race", teams: int = 2, lang: str = "sv") -> dict[str, Any]:
        """Create a race through the CLI's JSON contract."""
        data: dict[str, Any] = json.loads(
            self.cli("create-race", "--name", name, "--teams", str(teams), "--lang", lang, "--json")
        )
        return data

    def start(self, timeout: float = 30.0) -> None:
        """Start serving and return once /healthz answers."""
        with (self.data_dir / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "app.cli",
                    "serve",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                ],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {(self.data_dir / 'server.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.05)  # polling a port that is not open yet; no message to wait for
        raise TimeoutError("server did not answer /healthz in time")

    def stop(self) -> None:
        """Stop the server gracefully (SIGTERM), or kill it after ten seconds."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop and start again on the same database and port."""
        self.stop()
        self.start()

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc: object | TracebackType | None) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
