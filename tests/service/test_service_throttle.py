"""Brute force (issue 13, defect 7): failed credentials throttled per client and per key, a
strong organiser key required, and one token holder unable to evict others' sessions."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from service_helpers import ADMIN_KEY, bearer, fake_models, settings_for, wait_ready

from service.config import ServiceSettings
from service.main import create_app
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


def test_the_per_address_limit_is_a_setting(tmp_path, hash_encoder):
    """A venue where everybody shares one address raises it (MATCHER_FAILURES_PER_CLIENT)."""
    settings = settings_for(tmp_path, failures_per_client=60)
    with TestClient(create_app(settings, fake_models(hash_encoder))) as client:
        wait_ready(client)
        statuses = [
            client.get("/api/me", headers=bearer(f"mk_{n:04x}.guess")).status_code
            for n in range(40)
        ]
        assert set(statuses) == {401}  # 40 > the default 20, < 60
        assert client.get("/api/me", headers=bearer(ADMIN_KEY)).status_code == 200


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


def test_a_shared_throttle_counts_the_failures_of_every_process_together(database, tmp_path):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy.orm import sessionmaker

    from service.db import create_schema, make_engine
    from service.shared_throttle import SharedThrottle

    engine = make_engine(database or f"sqlite:///{tmp_path / 'matcher.db'}")
    create_schema(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    now = [start]

    def process() -> SharedThrottle:  # one per server process, on the same database
        return SharedThrottle(sessions, per_client=3, per_key=5, window=60, clock=lambda: now[0])

    a, b = process(), process()
    a.failed("10.0.0.1", "key0")
    b.failed("10.0.0.1", "key1")
    assert a.retry_after("10.0.0.1", "other") is None
    now[0] += timedelta(seconds=10)
    a.failed("10.0.0.1", "key2")  # the third of this client's, counted over both processes
    assert a.retry_after("10.0.0.1", "other") == pytest.approx(50)  # until the first ages out
    assert b.retry_after("10.0.0.1", "other") is None  # b learns at its own next failure
    b.failed("10.0.0.1", "key3")
    assert b.retry_after("10.0.0.1", "other") == pytest.approx(50)  # both at 0 s must age out
    assert a.retry_after("10.0.0.2", "other") is None  # other clients do not wait
    for n in range(5):
        (a, b)[n % 2].failed(f"10.1.0.{n}", "organiser")
    assert a.retry_after("10.0.0.9", "organiser") is not None  # a guessed key waits
    now[0] = start + timedelta(seconds=71)  # every failure is over 60 s old
    assert a.retry_after("10.0.0.1", "x") is None and a.retry_after("10.0.0.9", "organiser") is None
    engine.dispose()


def test_guesses_spread_over_two_apps_on_postgresql_are_throttled_together(
    tmp_path, hash_encoder, postgres
):
    from contextlib import ExitStack

    from fastapi.testclient import TestClient
    from service_helpers import fake_models, settings_for, wait_ready

    from service.main import create_app

    db = postgres.create()
    settings = settings_for(tmp_path, db_url=db)
    try:
        with ExitStack() as stack:
            apps = [
                stack.enter_context(TestClient(create_app(settings, fake_models(hash_encoder))))
                for _ in range(2)
            ]
            for app in apps:
                wait_ready(app)
            statuses = [
                apps[n % 2].get("/api/me", headers=bearer(f"mk_{n:04x}.guess")).status_code
                for n in range(24)
            ]
            # 20 failures from this client in all; the other app learns at its next failure
            assert statuses[:20] == [401] * 20 and statuses[21:] == [429] * 3, statuses
            for app in apps:
                assert app.get("/api/me", headers=bearer(ADMIN_KEY)).status_code == 429
    finally:
        postgres.drop(db)
