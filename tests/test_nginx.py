"""The shipped nginx configuration in front of two processes: TLS, WebSockets, no sticky sessions, static
files served by nginx, and limits that stop slow and flooding clients but let a whole room join."""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx2 as httpx
import pytest
from bs4 import BeautifulSoup

from app import settings
from bench.interface import check, join
from bench.server import ROOT, LocalServer, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (.ci/run installs it)"),
]


def render(config: str, upstreams: list[int], http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """Turn the shipped site configuration into one for this machine's ports, a test certificate, and the
    checkout's static files."""
    servers = "\n    ".join(f"server 127.0.0.1:{port};" for port in upstreams)
    rendered = config.replace("server 127.0.0.1:8000;\n    server 127.0.0.1:8001;", servers)
    rendered = rendered.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    rendered = rendered.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    rendered = rendered.replace("/etc/letsencrypt/live/race.example.org/fullchain.pem", str(cert))
    rendered = rendered.replace("/etc/letsencrypt/live/race.example.org/privkey.pem", str(key))
    rendered = rendered.replace("/opt/kraftsamla/static/", f"{settings.STATIC_DIR}/")
    assert servers in rendered and str(cert) in rendered and f":{https_port} ssl" in rendered
    assert f"alias {settings.STATIC_DIR}/" in rendered
    return rendered.replace("race.example.org", "127.0.0.1")


@contextmanager
def running_nginx(
    tmp_path: Path, upstreams: list[int], changes: dict[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """Run the shipped site configuration (with `changes` made to its text) in front of the upstreams."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    if not cert.exists():
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True,
        )  # fmt: skip
    http_port, https_port = free_port(), free_port()
    site = render(
        (ROOT / "deploy" / "nginx" / "kraftsamla.conf").read_text(),
        upstreams,
        http_port,
        https_port,
        cert,
        key,
    )
    for shipped, changed in (changes or {}).items():
        assert shipped in site
        site = site.replace(shipped, changed)
    (tmp_path / "site.conf").write_text(site)
    for folder in ("body", "proxy", "logs"):
        (tmp_path / folder).mkdir(exist_ok=True)
    (tmp_path / "nginx.conf").write_text(
        f"""pid {tmp_path}/nginx.pid;
error_log {tmp_path}/logs/error.log;
events {{}}
http {{
    access_log {tmp_path}/logs/access.log;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    include /etc/nginx/mime.types;
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


@pytest.fixture
def nginx(tmp_path: Path, two_servers: tuple[LocalServer, LocalServer, str]) -> Iterator[tuple[str, int]]:
    first, second, _ = two_servers
    with running_nginx(tmp_path, [first.port, second.port]) as found:
        yield found


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


def test_static_files_are_served_by_nginx_under_hashed_names_for_a_year(nginx: tuple[str, int]) -> None:
    base_url, _ = nginx
    with httpx.Client(verify=False) as client:
        page = BeautifulSoup(client.get(f"{base_url}/").text, "html.parser")
        links = [str(tag.get("href") or tag.get("src")) for tag in page.find_all(["link", "script"])]
        hashed = [link for link in links if link.startswith("/static/")]
        assert hashed
        for link in hashed:
            response = client.get(f"{base_url}{link}")
            assert response.status_code == 200
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert "x-request-id" not in response.headers  # nginx answered, not the app
            plain = re.sub(r"\.[0-9a-f]{12}(\.[^./]+)$", r"\1", link.removeprefix("/static/"))
            assert response.content == (settings.STATIC_DIR / plain).read_bytes()
        assert "javascript" in client.get(f"{base_url}{hashed[-1]}").headers["content-type"]
        plain_name = client.get(f"{base_url}/static/kraftsamla.css")
        assert plain_name.status_code == 200 and plain_name.headers["cache-control"] == "no-cache"


def test_metrics_are_not_served_through_nginx(nginx: tuple[str, int]) -> None:
    base_url, _ = nginx
    assert httpx.get(f"{base_url}/metrics", verify=False).status_code == 404


def _joins(base_url: str, code: str, count: int) -> list[httpx.Response]:
    with httpx.Client(verify=False, follow_redirects=False) as client:
        return [
            client.post(
                f"{base_url}/join",
                data={"code": code, "name": f"Deltagare {n}"},
                headers={"origin": base_url},
            )
            for n in range(count)
        ]


def test_a_room_behind_one_address_joins(
    nginx: tuple[str, int], two_servers: tuple[LocalServer, LocalServer, str]
) -> None:
    base_url, _ = nginx
    race = two_servers[0].create_race(name="Hela rummet")
    answers = _joins(base_url, race["codes"]["participant"], 300)
    # 300 joins at once from one address: nginx lets every one through (what the app says is its business).
    assert len(answers) == 300
    assert [a.status_code for a in answers if "x-request-id" not in a.headers] == []


def test_a_flood_of_joins_is_held_off_past_the_burst(
    tmp_path: Path, two_servers: tuple[LocalServer, LocalServer, str]
) -> None:
    first, second, _ = two_servers
    # The shipped burst, with the rate after it slowed from 10 a second to 1 a minute: the test's own pace
    # then refills nothing, and the 301st join is nginx's to refuse.
    slowed = {"rate=10r/s;": "rate=1r/m;"}
    with running_nginx(tmp_path, [first.port, second.port], slowed) as (base_url, _):
        answers = _joins(base_url, "FEL-KOD-123", 320)
    by_nginx = [n for n, a in enumerate(answers) if a.status_code == 429 and "x-request-id" not in a.headers]
    assert by_nginx == list(range(301, 320)) or by_nginx == list(range(300, 320))


def test_a_client_that_trickles_its_headers_is_dropped(nginx: tuple[str, int]) -> None:
    base_url, _ = nginx
    port = int(base_url.rsplit(":", 1)[1])
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port)) as raw, context.wrap_socket(raw) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
        conn.settimeout(20)  # the shipped client_header_timeout is 10 s
        answer = conn.recv(4096)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408")


def test_connections_from_one_address_are_limited(
    tmp_path: Path, two_servers: tuple[LocalServer, LocalServer, str]
) -> None:
    first, second, _ = two_servers
    race = first.create_race(name="Många skärmar")
    slug, team = race["slug"], race["teams"][0]["id"]
    # The shipped limit (2,000) with 3 in its place: three live sockets fill it.
    with running_nginx(
        tmp_path,
        [first.port, second.port],
        {"limit_conn kraftsamla_addr 2000;": "limit_conn kraftsamla_addr 3;"},
    ) as (base_url, _):
        with ExitStack() as stack:
            for n in range(3):
                person = stack.enter_context(
                    join(base_url, slug, race["codes"]["participant"], f"P{n}", team, verify=False)
                )
                stack.enter_context(person.live())
            refused = httpx.get(f"{base_url}/", verify=False)
            assert refused.status_code == 429 and "x-request-id" not in refused.headers
        assert httpx.get(f"{base_url}/", verify=False).status_code == 200
