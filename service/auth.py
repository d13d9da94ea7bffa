"""Bearer credentials → a principal (organiser, project:<id>, resource:<id>); 401 vs 403.

401: no credential, an unknown one, or a revoked one. 403: a valid credential that may not
see this (a project token asking for another project's matches).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from . import crud, security
from .errors import Forbidden, TooManyAttempts
from .shared_throttle import SharedThrottle
from .throttle import Throttle

bearer = HTTPBearer(auto_error=False, description="organiser key, or a project/provider token")
CACHE_SECONDS = 30.0  # how long one process trusts a checked key or token it alone serves


@dataclass(frozen=True)
class Principal:
    role: str  # organiser | project | resource
    subject_id: str | None
    key_id: str

    @property
    def is_organiser(self) -> bool:
        return self.role == "organiser"


class Authenticator:
    """Checks credentials against the database, remembering good ones briefly.

    `shared`: other processes may revoke credentials in this database (PostgreSQL, `serve
    --workers`), so a presented key or token is checked against it on every call (one
    primary-key lookup): a revocation committed anywhere is refused everywhere at once. With
    one process (SQLite) a check is remembered for CACHE_SECONDS, and revoking drops it.
    Web sessions need no such check: revoking deletes their rows in the same transaction.
    """

    def __init__(self, sessions: sessionmaker[Session], shared: bool = False) -> None:
        self.sessions = sessions
        self.shared = shared
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[Principal, float]] = {}  # credential fingerprint → …
        self._by_key: dict[str, tuple[Principal, float]] = {}  # key id (web sessions) → …

    def cached(self, credential: str) -> Principal | None:
        """A remembered principal (never when `shared`), or None: then `check`."""
        return None if self.shared else _fresh(self._cache, security.fingerprint(credential))

    def check(self, credential: str) -> Principal | None:
        with self.sessions() as session:
            row = crud.find_credential(session, credential)
            if row is None:
                return None
            principal = Principal(row.role, row.subject_id, row.key_id)
        if not self.shared:
            with self._lock:
                _remember(self._cache, security.fingerprint(credential), principal)
        return principal

    def check_key_id(self, key_id: str) -> Principal | None:
        """The principal of a live credential named by key id (a web session holds no secret:
        it was checked at sign-in), cached and forgotten as `check`'s are."""
        hit = _fresh(self._by_key, key_id)
        if hit is not None:
            return hit
        with self.sessions() as session:
            row = crud.live_credential(session, key_id)
            if row is None:
                return None
            principal = Principal(row.role, row.subject_id, row.key_id)
        with self._lock:
            _remember(self._by_key, key_id, principal)
        return principal

    def forget(self, key_id: str) -> None:
        """Drop cached principals of a revoked credential."""
        self.forget_all({key_id})

    def forget_all(self, key_ids: set[str] | None) -> None:
        """Drop cached principals of these credentials (None: of every credential)."""
        with self._lock:
            self._cache = {
                k: v
                for k, v in self._cache.items()
                if key_ids is not None and v[0].key_id not in key_ids
            }
            self._by_key = {
                k: v for k, v in self._by_key.items() if key_ids is not None and k not in key_ids
            }


Remembered = dict[str, tuple[Principal, float]]  # key → (principal, good until, monotonic)


def _fresh(cache: Remembered, key: str) -> Principal | None:
    hit = cache.get(key)
    return hit[0] if hit and hit[1] > time.monotonic() else None


def _remember(cache: Remembered, key: str, principal: Principal) -> None:
    """Keep a checked principal for CACHE_SECONDS; past 10,000 entries the cache starts over."""
    if len(cache) > 10_000:
        cache.clear()
    cache[key] = (principal, time.monotonic() + CACHE_SECONDS)


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


async def authenticate(request: Request, credential: str) -> Principal | None:
    """The principal of a key or token, None if unknown or revoked; TooManyAttempts (429) while
    this client or this key id has failed too often (the API, sign-in and personal links)."""
    auth: Authenticator = request.app.state.auth
    principal = auth.cached(credential)
    if principal is not None:
        return principal
    client = request.client.host if request.client else ""
    principal, wait = await run_in_threadpool(
        _attempt, auth, request.app.state.throttle, client, credential
    )
    if wait is not None:
        raise TooManyAttempts(wait)
    return principal


def _attempt(
    auth: Authenticator, throttle: Throttle | SharedThrottle, client: str, credential: str
) -> tuple[Principal | None, float | None]:
    """(principal or None, None), or (None, seconds to wait) while throttled: the right
    credential is refused too, so guessing cannot go on."""
    key_id = security.split(credential)[0][:64]
    wait = throttle.retry_after(client, key_id)
    if wait is not None:
        return None, wait
    principal = auth.check(credential) if credential and len(credential) <= 512 else None
    if principal is None:
        throttle.failed(client, key_id)
    return principal, None


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise _unauthorized("missing credentials: send Authorization: Bearer <key or token>")
    principal = await authenticate(request, credentials.credentials)
    if principal is None:
        raise _unauthorized("invalid or revoked credentials")
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


async def organiser(principal: PrincipalDep) -> Principal:
    if not principal.is_organiser:
        raise HTTPException(403, "organisers only")
    return principal


OrganiserDep = Annotated[Principal, Depends(organiser)]


def allow_project(principal: Principal, project_id: str) -> None:
    """403 unless an organiser or this project's own token."""
    if not (
        principal.is_organiser
        or (principal.role == "project" and principal.subject_id == project_id)
    ):
        raise Forbidden("you may only see your own project", "您只能查看自己的页面。")


def allow_resource(principal: Principal, resource_id: str) -> None:
    if not (
        principal.is_organiser
        or (principal.role == "resource" and principal.subject_id == resource_id)
    ):
        raise Forbidden("you may only see your own provider record", "您只能查看自己的页面。")
