"""Browser sign-in: an HttpOnly, SameSite=Strict cookie naming a server-side session.

Sessions live in the database (`web_sessions`), so every server process honours them: a row
holds the SHA-256 of the cookie's random id, the credential's key id (never its secret), the
CSRF token every form that changes data must send back, and the expiry. Each request turns the
key id into the API's `Principal` through the same `Authenticator` (refusing a revoked key), and
revoking a credential deletes its sessions in the same transaction, so the browser is signed
out at once in every process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from ..auth import Authenticator, Principal, authenticate
from ..db import WebSessionRow, utcnow

COOKIE = "mm_session"
LOGIN_COOKIE = "mm_login"  # CSRF token of the login form, before there is a session
TTL_SECONDS = 12 * 3600
MAX_SESSIONS = 10_000
PER_PRINCIPAL = 20  # sessions one key or token may hold; its oldest goes first


class LoginRequired(Exception):
    """No live session: the page redirects to the login form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageError(Exception):
    """An error shown to a person as a page (Chinese message, HTTP status)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Entry:
    """A live session: whose it is (a key id) and its CSRF token."""

    key_id: str
    csrf: str


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class SessionStore:
    """Session id → key id and CSRF token in the `web_sessions` table, expiring after `ttl`
    seconds (wall clock, UTC).

    One key or token holds at most `per_principal` sessions (opening another closes its own
    oldest), so a token holder opening sessions in a loop cannot push out anyone else's; when
    the table holds `limit` sessions anyway, expired ones are purged and then the key with the
    most sessions loses its oldest. Processes opening sessions at the same moment may overshoot
    a cap by a few until the next open.

    Personal links issued in a session (`remember_link`) contain secrets, so they stay in this
    process's memory: a link can be copied again only from the process that issued it."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        ttl: float = TTL_SECONDS,
        limit: int = MAX_SESSIONS,
        per_principal: int = PER_PRINCIPAL,
    ) -> None:
        self.sessions = sessions
        self.ttl, self.limit, self.per_principal = ttl, limit, per_principal
        self._lock = threading.Lock()
        self._links: dict[str, dict[str, str]] = {}  # session id hash → key id → link

    def open(self, key_id: str) -> str:
        """A new session for a checked credential's key id; returns the id for the cookie."""
        sid = secrets.token_urlsafe(32)
        now = utcnow()
        with self.sessions() as session:
            own = list(
                session.scalars(
                    select(WebSessionRow.id)
                    .where(WebSessionRow.key_id == key_id)
                    .order_by(WebSessionRow.id)
                )
            )
            surplus = own[: max(len(own) - self.per_principal + 1, 0)]  # oldest first
            if surplus:
                session.execute(delete(WebSessionRow).where(WebSessionRow.id.in_(surplus)))
            if _count(session) >= self.limit:
                session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at <= now))
            while _count(session) >= self.limit:  # still full: the largest holder gives way
                largest = session.scalars(
                    select(WebSessionRow.key_id)
                    .group_by(WebSessionRow.key_id)
                    .order_by(func.count().desc(), WebSessionRow.key_id)
                    .limit(1)
                ).one()
                oldest = select(func.min(WebSessionRow.id)).where(WebSessionRow.key_id == largest)
                session.execute(
                    delete(WebSessionRow).where(WebSessionRow.id == oldest.scalar_subquery())
                )
            session.add(
                WebSessionRow(
                    sid_sha256=_digest(sid),
                    key_id=key_id,
                    csrf=secrets.token_urlsafe(24),
                    expires_at=now + timedelta(seconds=self.ttl),
                    created_at=now,
                )
            )
            session.commit()
        return sid

    def get(self, sid: str | None) -> Entry | None:
        """The live session with this id (an expired one is deleted), or None."""
        if not sid:
            return None
        digest = _digest(sid)
        with self.sessions() as session:
            row = session.scalars(
                select(WebSessionRow).where(WebSessionRow.sid_sha256 == digest)
            ).one_or_none()
            if row is not None and row.expires_at > utcnow():
                return Entry(row.key_id, row.csrf)
            if row is not None:
                session.delete(row)
                session.commit()
        with self._lock:
            self._links.pop(digest, None)
        return None

    def close(self, sid: str | None) -> None:
        """End a session (sign-out, or a new sign-in from the same browser)."""
        if not sid:
            return
        digest = _digest(sid)
        with self.sessions() as session:
            session.execute(delete(WebSessionRow).where(WebSessionRow.sid_sha256 == digest))
            session.commit()
        with self._lock:
            self._links.pop(digest, None)

    def count(self) -> int:
        """Sessions in the table, expired ones included."""
        with self.sessions() as session:
            return _count(session)

    def remember_link(self, sid: str, key_id: str, link: str) -> None:
        """Keep a personal link issued in this session, in this process's memory, so it can be
        copied again until the session ends (only a hash of its secret is in the database)."""
        with self._lock:
            if len(self._links) >= self.limit:  # sessions that ended elsewhere: oldest first
                del self._links[next(iter(self._links))]
            self._links.setdefault(_digest(sid), {})[key_id] = link

    def forget_links(self, key_ids: list[str]) -> None:
        """Drop revoked links from every session."""
        with self._lock:
            for links in self._links.values():
                for key_id in key_ids:
                    links.pop(key_id, None)

    def links(self, sid: str) -> dict[str, str]:
        with self._lock:
            return dict(self._links.get(_digest(sid), {}))


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(WebSessionRow)) or 0


@dataclass(frozen=True)
class Visitor:
    """A signed-in person: the API principal plus this session's CSRF token."""

    principal: Principal
    csrf: str
    sid: str


def store(request: Request) -> SessionStore:
    sessions: SessionStore = request.app.state.web_sessions
    return sessions


async def principal_for(request: Request, credential: str) -> Principal | None:
    """The API's principal for a key or token (None if unknown or revoked; throttled as the
    API's, TooManyAttempts after too many failures)."""
    if not credential:
        return None
    return await authenticate(request, credential)


async def current_visitor(request: Request) -> Visitor | None:
    sid = request.cookies.get(COOKIE)
    if not sid:
        return None
    entry = await run_in_threadpool(store(request).get, sid)
    if entry is None:
        return None
    auth: Authenticator = request.app.state.auth  # checked at sign-in: unthrottled
    principal = await run_in_threadpool(auth.check_key_id, entry.key_id)
    if principal is None:  # revoked since sign-in
        await run_in_threadpool(store(request).close, sid)
        return None
    return Visitor(principal, entry.csrf, sid)


async def sign_in(request: Request, response: Response, principal: Principal) -> None:
    """Open a session for a checked credential's principal and set its cookie on `response`
    (closing the session this browser had)."""
    await run_in_threadpool(store(request).close, request.cookies.get(COOKIE))
    sid = await run_in_threadpool(store(request).open, principal.key_id)
    response.set_cookie(
        COOKIE,
        sid,
        max_age=int(TTL_SECONDS),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


async def sign_out(request: Request, response: Response) -> None:
    await run_in_threadpool(store(request).close, request.cookies.get(COOKIE))
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


def same_token(given: object, expected: str) -> bool:
    return isinstance(given, str) and bool(expected) and hmac.compare_digest(given, expected)


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


async def signed_in(request: Request) -> Visitor:
    visitor = await current_visitor(request)
    if visitor is None:
        raise LoginRequired(_here(request))
    return visitor


async def organiser(visitor: Annotated[Visitor, Depends(signed_in)]) -> Visitor:
    if not visitor.principal.is_organiser:
        raise PageError(403, "此页面仅限组织方。")
    return visitor


async def checked_form(
    request: Request, visitor: Annotated[Visitor, Depends(organiser)]
) -> Visitor:
    """An organiser's form post carrying this session's CSRF token."""
    return await _with_csrf(request, visitor)


async def visitor_form(
    request: Request, visitor: Annotated[Visitor, Depends(signed_in)]
) -> Visitor:
    """Anyone signed in (a personal link too): a form post carrying this session's CSRF token."""
    return await _with_csrf(request, visitor)


async def _with_csrf(request: Request, visitor: Visitor) -> Visitor:
    form = await request.form()  # cached by Starlette: the route's own Form/File params reuse it
    if not same_token(form.get("csrf"), visitor.csrf):
        raise PageError(403, "表单已过期或来源不明，请刷新页面后重试。")
    return visitor


VisitorDep = Annotated[Visitor, Depends(signed_in)]
OrganiserPage = Annotated[Visitor, Depends(organiser)]
OrganiserForm = Annotated[Visitor, Depends(checked_form)]
VisitorForm = Annotated[Visitor, Depends(visitor_form)]
