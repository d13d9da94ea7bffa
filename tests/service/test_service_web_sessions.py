"""Browser sessions in the database (`service/web/session.py`): what a row holds, expiry, the
caps, sign-out, revocation, and one app honouring a session another app opened."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_helpers import ADMIN_KEY, bearer, fake_models, settings_for, wait_ready
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from service import crud, security
from service.db import WebSessionRow, create_schema, make_engine
from service.main import create_app
from service.web.session import COOKIE, SessionStore

DATABASES = ("sqlite", "postgresql")  # conftest: the tests using `database` run on both


@pytest.fixture
def sessions(database: str, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database or f"sqlite:///{tmp_path / 'matcher.db'}")
    create_schema(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def _rows(sessions: sessionmaker[Session]) -> list[WebSessionRow]:
    with sessions() as session:
        return list(session.scalars(select(WebSessionRow).order_by(WebSessionRow.id)))


def test_a_session_row_holds_a_hash_of_the_id_and_the_key_id_only(sessions):
    store = SessionStore(sessions)
    sid = store.open("mk_0123456789abcdef")
    entry = store.get(sid)
    assert entry is not None and entry.key_id == "mk_0123456789abcdef" and entry.csrf
    [row] = _rows(sessions)
    assert row.sid_sha256 == hashlib.sha256(sid.encode()).hexdigest()
    assert sid not in (row.sid_sha256, row.key_id, row.csrf) and len(row.sid_sha256) == 64
    assert row.expires_at > row.created_at
    assert store.get("not-a-session") is None and store.get(None) is None and store.get("") is None


def test_sessions_expire_and_expired_rows_are_deleted(sessions):
    store = SessionStore(sessions, ttl=0.05)
    sid = store.open("mk_a")
    assert store.get(sid) is not None
    time.sleep(0.08)
    assert store.get(sid) is None
    assert _rows(sessions) == []


def test_one_key_holds_at_most_per_principal_sessions_the_newest(sessions):
    store = SessionStore(sessions, limit=50, per_principal=5)
    organiser = store.open("organiser")
    opened = [store.open("mk_token") for _ in range(30)]
    assert store.get(organiser) is not None
    assert [store.get(sid) is not None for sid in opened] == [False] * 25 + [True] * 5


def test_when_full_expired_rows_go_first_then_the_largest_holders_oldest(sessions):
    store = SessionStore(sessions, ttl=0.05, limit=3, per_principal=3)
    stale = store.open("mk_old")
    time.sleep(0.08)
    store.ttl = 3600
    a1, a2, b1 = store.open("mk_a"), store.open("mk_a"), store.open("mk_b")
    assert {r.key_id for r in _rows(sessions)} == {"mk_a", "mk_b"}  # the expired one went
    assert store.get(stale) is None
    c1 = store.open("mk_c")  # full: mk_a holds the most and loses its oldest
    assert [store.get(s) is not None for s in (a1, a2, b1, c1)] == [False, True, True, True]
    assert store.count() == 3


def test_close_ends_a_session(sessions):
    store = SessionStore(sessions)
    sid, other = store.open("mk_a"), store.open("mk_a")
    store.remember_link(sid, "mk_p", "http://x/me?token=secret")
    assert store.links(sid) == {"mk_p": "http://x/me?token=secret"}
    store.close(sid)
    store.close(None)
    assert store.get(sid) is None and store.get(other) is not None
    assert store.links(sid) == {}


def test_revoking_a_credential_deletes_its_sessions(sessions):
    store = SessionStore(sessions)
    with sessions() as session:
        row, _ = crud.issue_credential(session, "project", "P1", "")
        key_id = row.key_id
    sid, kept = store.open(key_id), store.open("mk_other")
    with sessions() as session:
        crud.revoke_credential(session, key_id)
    assert store.get(sid) is None and store.get(kept) is not None


def _login(client: TestClient, key: str = ADMIN_KEY) -> None:
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    answer = client.post("/login", data={"key": key, "csrf": csrf.group(1)})
    assert answer.status_code == 303, answer.text


def test_a_session_opened_by_one_app_is_honoured_by_another_on_the_same_database(
    tmp_path, hash_encoder
):
    settings = settings_for(tmp_path)
    with ExitStack() as stack:
        a, b = (
            stack.enter_context(
                TestClient(create_app(settings, fake_models(hash_encoder)), follow_redirects=False)
            )
            for _ in range(2)
        )
        wait_ready(a)
        wait_ready(b)
        _login(a)
        cookie = a.cookies.get(COOKIE)
        assert cookie
        b.cookies.set(COOKIE, cookie)
        assert b.get("/projects").status_code == 200
        page = b.get("/projects/P1").text  # the CSRF token is the session's, in every app
        assert re.search(r'name="csrf" value="([^"]+)"', page)

        token = a.post("/api/tokens", json={"project_id": "P1"}, headers=bearer(ADMIN_KEY))
        credential = token.json()["token"]
        a.cookies.clear()
        assert a.get("/me", params={"token": credential}).status_code == 200
        link_cookie = a.cookies.get(COOKIE)
        b.cookies.set(COOKIE, link_cookie)
        assert b.get("/projects/P1").status_code == 200
        key_id = security.split(credential)[0]
        assert b.delete(f"/api/tokens/{key_id}", headers=bearer(ADMIN_KEY)).status_code == 204
        for client in (a, b):  # the row is gone: refused everywhere at once
            client.cookies.set(COOKIE, link_cookie)
            assert client.get("/projects/P1").status_code == 303

        b.cookies.set(COOKIE, cookie)  # signing out in one app ends the session in both
        page = b.get("/projects").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf is not None
        assert b.post("/logout", data={"csrf": csrf.group(1)}).status_code == 303
        a.cookies.set(COOKIE, cookie)
        assert a.get("/projects").status_code == 303
