"""Brute force (issue 13, defect 7): failed credentials throttled per client and per key, a
strong organiser key required, and one token holder unable to evict others' sessions."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from service_helpers import ADMIN_KEY, bearer

from service.config import ServiceSettings
from service.throttle import Throttle

REPO = Path(__file__).resolve().parents[2]
DATABASES = ("sqlite", "postgresql")  # conftest: the tests on the `client` app run on both


def test_a_throttle_counts_failures_per_client_and_per_key():
    clock = [0.0]
    throttle = Throttle(per_client=3, per_key=5, window=60, clock=lambda: clock[0])
    for n in range(3):
        assert throttle.retry_after("10.0.0.1", f"key{n}") is None
        throttle.failed("10.0.0.1", f"key{n}")
    assert throttle.retry_after("10.0.0.1", "other") == pytest.approx(60)  # this client waits
    assert throttle.retry_after("10.0.0.2", "other") is None  # others do not
    for n in range(5):
        throttle.failed(f"10.1.0.{n}", "organiser")
    assert throttle.retry_after("10.0.0.9", "organiser") is not None  # a guessed key waits
    clock[0] = 61.0
    assert throttle.retry_after("10.0.0.1", "x") is None
    assert throttle.retry_after("10.0.0.9", "organiser") is None


def test_wrong_api_tokens_are_throttled_then_429_even_for_the_right_key(client):
    statuses = [
        client.get("/api/me", headers=bearer(f"mk_{n:04x}.guess")).status_code for n in range(40)
    ]
    assert statuses[0] == 401 and statuses[-1] == 429
    refused = client.get("/api/me", headers=bearer(f"mk_{99:04x}.guess"))
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert client.get("/api/me", headers=bearer(ADMIN_KEY)).status_code == 429  # guessing stops


def _login(client, key: str):
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    return client.post("/login", data={"key": key, "csrf": token}, follow_redirects=False)


def test_wrong_web_logins_are_throttled(client):
    statuses = [_login(client, f"wrong-guess-{n}").status_code for n in range(40)]
    assert statuses[0] == 401 and statuses[-1] == 429
    assert _login(client, ADMIN_KEY).status_code == 429


@pytest.mark.parametrize("key", ["a", "secret", "short-key-15chr"])
def test_a_short_organiser_key_is_refused(key):
    with pytest.raises(ValidationError, match="at least 16 characters"):
        ServiceSettings.from_env({"MATCHER_ADMIN_KEY": key})
    assert ServiceSettings.from_env({"MATCHER_ADMIN_KEY": "x" * 16}).admin_key == "x" * 16


def test_serve_refuses_a_short_key_at_start_with_a_clear_message(tmp_path):
    env = {**os.environ, "MATCHER_ADMIN_KEY": "a", "MATCHER_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "service", "--port", "1"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "MATCHER_ADMIN_KEY" in done.stderr and "16 characters" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_token_holder_cannot_sign_the_organiser_out(client, admin):
    assert _login(client, ADMIN_KEY).status_code == 303
    assert client.get("/projects", follow_redirects=False).status_code == 200
    cookie = client.cookies.get("mm_session")
    token = client.post("/api/tokens", json={"project_id": "P1"}, headers=admin).json()["token"]
    for _ in range(40):
        client.cookies.clear()
        client.get("/me", params={"token": token})
    client.cookies.clear()
    client.cookies.set("mm_session", cookie)
    assert client.get("/projects", follow_redirects=False).status_code == 200
    assert client.app.state.web_sessions.count() <= 21


def test_429_is_documented_where_credentials_are_checked(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "429" in paths["/api/projects/{project_id}/matches"]["get"]["responses"]
    assert "429" in paths["/api/query"]["post"]["responses"]
