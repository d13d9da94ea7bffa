"""Browser sign-in: an HttpOnly, SameSite=Strict cookie naming a server-side session.

The session keeps the organiser key or personal token in memory only (never in the cookie) and
turns it into the API's `Principal` on every request through the same `Authenticator`, so a
revoked token stops working in the browser at once. Each session has a CSRF token that every
form that changes data must send back. Sessions end with the process (sign in again).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from .. import security
from ..auth import Authenticator, Principal, authenticate

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


@dataclass
class _Entry:
    credential: str
    csrf: str
    expires: float
    owner: str  # the credential's key id: sessions are capped per key, not only in total
    links: dict[str, str] = field(default_factory=dict)  # key id → personal link issued here


class SessionStore:
    """Session id → credential and CSRF token, in memory, expiring after `ttl` seconds.

    One key or token holds at most `per_principal` sessions (opening another closes its own
    oldest), so a token holder opening sessions in a loop cannot push out anyone else's; when
    the store is full anyway, the principal with the most sessions loses its oldest."""

    def __init__(
        self,
        ttl: float = TTL_SECONDS,
        limit: int = MAX_SESSIONS,
        per_principal: int = PER_PRINCIPAL,
    ) -> None:
        self.ttl, self.limit, self.per_principal = ttl, limit, per_principal
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}

    def open(self, credential: str) -> str:
        sid = secrets.token_urlsafe(32)
        now = time.monotonic()
        owner = security.split(credential)[0]
        with self._lock:
            own = [k for k, e in self._entries.items() if e.owner == owner]
            for k in own[: max(len(own) - self.per_principal + 1, 0)]:  # oldest first
                del self._entries[k]
            if len(self._entries) >= self.limit:
                self._entries = {k: e for k, e in self._entries.items() if e.expires > now}
            while len(self._entries) >= self.limit:  # still full: the largest holder gives way
                counts = Counter(e.owner for e in self._entries.values())
                largest = counts.most_common(1)[0][0]
                del self._entries[next(k for k, e in self._entries.items() if e.owner == largest)]
            self._entries[sid] = _Entry(
                credential, secrets.token_urlsafe(24), now + self.ttl, owner
            )
        return sid

    def get(self, sid: str | None) -> _Entry | None:
        if not sid:
            return None
        with self._lock:
            entry = self._entries.get(sid)
            if entry is not None and entry.expires <= time.monotonic():
                del self._entries[sid]
                return None
            return entry

    def remember_link(self, sid: str, key_id: str, link: str) -> None:
        """Keep a personal link issued in this session, so it can be copied again until the
        session ends (only a hash of its secret is stored in the database)."""
        with self._lock:
            entry = self._entries.get(sid)
            if entry is not None:
                entry.links[key_id] = link

    def forget_links(self, key_ids: list[str]) -> None:
        """Drop revoked links from every session."""
        with self._lock:
            for entry in self._entries.values():
                for key_id in key_ids:
                    entry.links.pop(key_id, None)

    def links(self, sid: str) -> dict[str, str]:
        with self._lock:
            entry = self._entries.get(sid)
            return dict(entry.links) if entry else {}

    def close(self, sid: str | None) -> None:
        with self._lock:
            self._entries.pop(sid or "", None)


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
    entry = store(request).get(sid)
    if entry is None or sid is None:
        return None
    auth: Authenticator = request.app.state.auth  # a stored credential is no guess: unthrottled
    principal = auth.cached(entry.credential) or await run_in_threadpool(
        auth.check, entry.credential
    )
    if principal is None:  # revoked since sign-in
        store(request).close(sid)
        return None
    return Visitor(principal, entry.csrf, sid)


def sign_in(request: Request, response: Response, credential: str) -> None:
    """Open a session for a checked credential and set its cookie on `response`."""
    store(request).close(request.cookies.get(COOKIE))
    sid = store(request).open(credential)
    response.set_cookie(
        COOKIE,
        sid,
        max_age=int(TTL_SECONDS),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def sign_out(request: Request, response: Response) -> None:
    store(request).close(request.cookies.get(COOKIE))
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
