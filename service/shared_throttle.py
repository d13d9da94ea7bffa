"""Brute-force protection shared by the processes of one database (PostgreSQL, `serve
--workers`): the limits of `throttle.Throttle`, with each failure a row in
`credential_failures`, so guesses spread over several workers are counted together.

Only failures touch the database: a process records one (two rows: client and key id, purging
rows older than the window), counts the window's rows for that client and key id, and when a
limit is reached remembers until when they are refused. Checking a credential reads only that
memory, so successful calls cost nothing more. A process learns of a limit reached elsewhere
at its own next failure, so with N processes at most N - 1 guesses beyond a limit are checked.
Timestamps are each process's wall clock (UTC): processes on several machines need
synchronised clocks, as for the rest of the service.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from .db import CredentialFailureRow, utcnow
from .throttle import PER_CLIENT, PER_KEY, TRACKED, WINDOW

Row = CredentialFailureRow


class SharedThrottle:
    """Failure counts over a sliding window, in the database; thread-safe."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        per_client: int = PER_CLIENT,
        per_key: int = PER_KEY,
        window: float = WINDOW,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.limits = {"client": per_client, "key": per_key}
        self.window, self.clock = timedelta(seconds=window), clock
        self._lock = threading.Lock()
        self._refused_until: dict[tuple[str, str], datetime] = {}  # (kind, name) → when

    def retry_after(self, client: str, key: str) -> float | None:
        """Seconds until this client may try this key again; None: it may now."""
        now = self.clock()
        with self._lock:
            untils = [self._refused_until.get(entry) for entry in _entries(client, key)]
        waits = [(until - now).total_seconds() for until in untils if until and until > now]
        return max(waits) if waits else None

    def failed(self, client: str, key: str) -> None:
        now = self.clock()
        entries = _entries(client, key)
        with self.sessions() as session:
            session.add_all([Row(kind=kind, name=name, at=now) for kind, name in entries])
            session.execute(delete(Row).where(Row.at <= now - self.window))
            session.commit()
            counts = session.execute(
                select(Row.kind, Row.name, func.count())
                .where(
                    or_(*(and_(Row.kind == k, Row.name == n) for k, n in entries)),
                    Row.at > now - self.window,
                )
                .group_by(Row.kind, Row.name)
            ).all()
            refused = {
                (kind, name): self._freed_at(session, kind, name, count, now)
                for kind, name, count in counts
                if count >= self.limits[kind]
            }
        with self._lock:
            if len(self._refused_until) > TRACKED:  # forget what has expired
                self._refused_until = {k: t for k, t in self._refused_until.items() if t > now}
            self._refused_until.update(refused)

    def _freed_at(
        self, session: Session, kind: str, name: str, count: int, now: datetime
    ) -> datetime:
        """When enough failures have aged out that the count falls below the limit."""
        oldest_needed = session.scalar(
            select(Row.at)
            .where(Row.kind == kind, Row.name == name, Row.at > now - self.window)
            .order_by(Row.at)
            .offset(count - self.limits[kind])
            .limit(1)
        )
        return (oldest_needed or now) + self.window


def _entries(client: str, key: str) -> list[tuple[str, str]]:
    return [("client", client[:128]), ("key", key[:128])]
