"""The shipped nginx configuration in front of two processes: TLS, WebSockets, no sticky sessions."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from bench.interface import check
from bench.server import ROOT, LocalServer, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (.ci/run installs it)"),
]


def render(config: str, upstreams: list[int], http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """Turn the shipped site configuration into one for this machine's ports and a test certificate."""
    servers = "\n    ".join(f"server 127.0.0.1:{port};" for port in upstreams)
    rendered = config.replace("server 127.0.0.1:8000;\n    server 127.0.0.1:8001;", servers)
    rendered = rendered.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    rendered = rendered.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    rendered = rendered.replace("/etc/letsencrypt/live/race.example.org/fullchain.pem", str(cert))
    rendered = rendered.replace("/etc/letsencrypt/live/race.example.org/privkey.pem", str(key))
    assert servers in rendered and str(cert) in rendered and f":{https_port} ssl" in rendered
    return rendered.replace("race.example.org", "127.0.0.1")


@pytest.fixture
def nginx(tmp_path: Path, two_servers: tuple[LocalServer, LocalServer, str]) -> Iterator[tuple[str, int]]:
    first, second, _ = two_servers
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    http_port, https_port = free_port(), free_port()
    site = render(
        (ROOT / "deploy" / "nginx" / "kraftsamla.conf").read_text(),
        [first.port, second.port],
        http_port,
        https_port,
        cert,
        key,
    )
    (tmp_path / "site.conf").write_text(site)
    for folder in ("body", "proxy", "logs"):
        (tmp_path / folder).mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"""pid {tmp_path}/nginx.pid;
error_log {tmp_path}/logs/error.log;
events {{}}
http {{
    access_log {tmp_path}/logs/access.log;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    include {tmp_path}/site.conf;
}}
"""
    )
    command = [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    # As a daemon, nginx binds its ports before the starting process exits: once run() returns, it listens.
    started = subprocess.run(command, capture_output=True, text=True)
    assert started.returncode == 0, started.stderr + (tmp_path / "logs" / "error.log").read_text()
    try:
        yield f"https://127.0.0.1:{https_port}", http_port
    finally:
        subprocess.run([*command, "-s", "stop"], check=True, capture_output=True)


def test_the_live_scenario_works_through_nginx_with_tls(
    nginx: tuple[str, int], two_servers: tuple[LocalServer, LocalServer, str]
) -> None:
    base_url, _ = nginx
    race = two_servers[0].create_race(name="Bakom nginx")
    results = check(base_url, race, verify=False)
    assert [description for description, passed in results if not passed] == []


def test_plain_http_is_sent_to_https(nginx: tuple[str, int]) -> None:
    _, http_port = nginx
    response = httpx.get(f"http://127.0.0.1:{http_port}/", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"].startswith("https://")
