"""Helpers for the browser tests and the screenshot script (a uniquely named module:
tests/web is not a package, so `conftest` would be ambiguous next to tests/service)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "service"))  # service_helpers: the organiser key

from service_helpers import ADMIN_KEY  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
AXE_VERSION = "4.10.3"
AXE_DIR = HERE / ".axe"  # project-local npm folder (git-ignored), filled from the npm registry


def axe_script() -> Path:
    """axe-core's minified script, installed with npm into tests/web/.axe on first use
    (`make test` installs it during setup; nothing is fetched from anywhere but the registry)."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(AXE_DIR),
                f"axe-core@{AXE_VERSION}",
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return script


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's violations of the given impacts on the current page, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_script().read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']} {v['id']}: {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(folder: Path, sample: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """The app in its own process on a free loopback port; returns once /readyz answers 200."""
    port = _free_port()
    command = [sys.executable, str(HERE / "web_server.py"), str(folder), str(port)]
    log = open(folder / "server.log", "wb")  # noqa: SIM115  (closed with the process)
    process = subprocess.Popen(
        [*command, *([str(sample)] if sample else [])],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "MATCHER_THREADS": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                log.close()
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    log.close()
    raise RuntimeError(f"the web server did not start:\n{(folder / 'server.log').read_text()}")


def sign_in(page, key: str = ADMIN_KEY) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the login form (the organiser key by default)."""
    page.goto("/login")
    page.fill("input[name=key]", key)
    page.click("form[action='/login'] button[type=submit]")


def organiser_session(test_client) -> None:  # type: ignore[no-untyped-def]
    """Sign a TestClient in as the organiser through the login form (CSRF included)."""
    form = test_client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    test_client.post("/login", data={"key": ADMIN_KEY, "csrf": csrf.group(1)})
