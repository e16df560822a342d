"""Build the wheel and run it as an operator would: a fresh environment outside the checkout, no PostgreSQL
driver, migrate, create a race, serve it; then a page, a static file and a live socket from that server.

Run by .ci/run with the checkout's .venv (`make install`): `.venv/bin/python .ci/check-wheel.py`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.interface import join  # noqa: E402  (the checker's client, from the checkout)
from bench.server import free_port  # noqa: E402

_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command, fail with its output if it fails, and return what it printed."""
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        shown = " ".join(map(str, command))
        sys.exit(f"check-wheel: {shown} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def constraints(lock: Path, out: Path) -> Path:
    """Write the lock's pins without their hashes (pip takes no hashes in a constraints file)."""
    pins = re.findall(r"^([A-Za-z0-9._-]+==[^\s\\]+(?: ;[^\\\n]+)?)", lock.read_text(), re.MULTILINE)
    out.write_text("\n".join(pin.strip() for pin in pins) + "\n")
    return out


def wait_for_health(base_url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"check-wheel: the server exited with {server.returncode}:\n{log.read_text()}")
        try:
            with _direct.open(f"{base_url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)  # polling the health of a server that is starting
    sys.exit(f"check-wheel: /healthz did not answer:\n{log.read_text()}")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="kraftsamla-wheel-"))
    print(f"check-wheel: in {work}")
    dist, venv, home = work / "dist", work / "venv", work / "home"
    home.mkdir()
    # The source distribution, then the wheel from it: what MANIFEST.in leaves out is missing from both.
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, ".", cwd=ROOT)
    (wheel,) = dist.glob("kraftsamla-*.whl")
    run(sys.executable, "-m", "venv", venv, cwd=work)
    pins = constraints(ROOT / "requirements" / "server.txt", work / "constraints.txt")
    run(venv / "bin" / "pip", "install", "--quiet", "--constraint", pins, wheel, cwd=work)
    python, kraftsamla = venv / "bin" / "python", venv / "bin" / "kraftsamla"
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "KRAFTSAMLA_DATA_DIR": str(home / "data")}
    where = run(
        python,
        "-c",
        "from app import settings; print(settings.TEMPLATES_DIR, settings.STATIC_DIR)",
        cwd=home,
        env=env,
    )
    assert all(Path(path).is_relative_to(venv) for path in where.split()), where
    assert subprocess.run([python, "-c", "import psycopg"], capture_output=True).returncode != 0, (
        "psycopg is there"
    )
    print("check-wheel:", run(kraftsamla, "--version", cwd=home, env=env).strip(), f"from {wheel.name}")
    run(kraftsamla, "migrate", cwd=home, env=env)
    race = json.loads(
        run(kraftsamla, "create-race", "--name", "Hjulet", "--lang", "sv", "--json", cwd=home, env=env)
    )

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = work / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [kraftsamla, "serve", "--port", str(port)],
            cwd=home,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_health(base_url, server, log)
        slug, team = race["slug"], race["teams"][0]["id"]
        with join(base_url, slug, race["codes"]["participant"], "Hjulia", team) as person:
            page = person.http.get(f"{base_url}/r/{slug}")
            assert page.status_code == 200 and "Hjulet" in page.text, page.status_code
            assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
            assert assets and all(
                person.http.get(f"{base_url}{asset}").status_code == 200 for asset in assets
            )
            # The compiled Swedish catalogue is in the wheel: the page speaks Swedish.
            assert "Logga ut" in page.text and "Sign out" not in page.text, "the page is not in Swedish"
            with person.live() as screen:
                assert screen.frames[0].startswith("<!--seq"), screen.frames[0][:80]
                title = f"Hjul {uuid.uuid4().hex[:6]}"
                form = {"title": title, "body": "", "column": "idea", "key": uuid.uuid4().hex}
                posted = person.post(f"/r/{slug}/cards", form)
                assert posted.status_code in (201, 303), posted.status_code
                screen.frame_with(title)
        print(f"check-wheel: served a page, {len(assets)} static files and a live socket from the wheel")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)
    errors = [line for line in log.read_text().splitlines() if " ERROR " in line or "Traceback" in line]
    assert not errors, "\n".join(errors)
    shutil.rmtree(work)
    print("check-wheel: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
