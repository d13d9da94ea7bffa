"""Which server processes are alive, and the jobs of those that are not.

Each process registers a row (`service_processes`) at start, refreshes it every few seconds and
removes it at a clean exit. A job is run by the one process that claimed it (`job_claims`; the
primary key lets exactly one claim succeed). A job whose process died can never finish: any
live process marks it failed — at once when that process was on this machine and its pid is
gone (a restart after a crash), else once its row is `DEAD_AFTER` seconds old.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .db import JobClaimRow, JobRow, ProcessRow, utcnow

log = logging.getLogger(__name__)
HEARTBEAT = 5.0  # seconds between a process's signs of life
DEAD_AFTER = 30.0  # seconds without one after which a process counts as dead
INTERRUPTED = "interrupted by a restart: the server process running it stopped"  # web: messages.py


def new_process_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _pid_gone(process_id: str) -> bool:
    """True if `process_id` names a process on this machine that no longer runs."""
    host, _, rest = process_id.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def live_processes(session: Session) -> set[str]:
    """Ids of the processes that count as alive."""
    cutoff = utcnow() - timedelta(seconds=DEAD_AFTER)
    rows = session.scalars(select(ProcessRow))
    return {r.id for r in rows if r.seen_at >= cutoff and not _pid_gone(r.id)}


def claim(session: Session, job_id: int, owner: str) -> bool:
    """Make `owner` the one process that runs this job; False if another already did."""
    session.add(JobClaimRow(job_id=job_id, owner=owner))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def fail_orphaned_jobs(session: Session) -> int:
    """Mark failed the queued or running jobs no live process will finish: claimed by a dead
    process, or never claimed and older than `DEAD_AFTER` (their process died in between)."""
    alive = live_processes(session)
    unfinished = list(
        session.scalars(select(JobRow).where(JobRow.status.in_(("queued", "running"))))
    )
    if not unfinished:
        return 0
    owners = dict(
        session.execute(
            select(JobClaimRow.job_id, JobClaimRow.owner).where(
                JobClaimRow.job_id.in_([j.id for j in unfinished])
            )
        ).all()
    )
    old = utcnow() - timedelta(seconds=DEAD_AFTER)
    failed = 0
    for job in unfinished:
        owner = owners.get(job.id)
        if (owner is None and job.created_at < old) or (owner is not None and owner not in alive):
            job.status, job.message, job.updated_at = "failed", INTERRUPTED, utcnow()
            failed += 1
    session.commit()
    if failed:
        log.warning("%d job(s) of stopped processes marked failed", failed)
    return failed


class Presence:
    """This process's row: registered by `start`, refreshed every `HEARTBEAT` seconds (which
    also fails the jobs of dead processes), removed by `close`."""

    def __init__(self, sessions: sessionmaker[Session], interval: float = HEARTBEAT) -> None:
        self.sessions = sessions
        self.interval = interval
        self.id = new_process_id()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="presence", daemon=True)

    def start(self) -> None:
        self._beat()
        self._thread.start()

    def close(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():  # a beat inside a session must end before the engine does
            self._thread.join(timeout)
        try:
            with self.sessions() as session:
                session.execute(delete(ProcessRow).where(ProcessRow.id == self.id))
                session.commit()
        except Exception:
            log.exception("could not remove this process's row")

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._beat()
                with self.sessions() as session:
                    fail_orphaned_jobs(session)
            except Exception:
                log.exception("heartbeat failed; trying again")

    def _beat(self) -> None:
        with self.sessions() as session:
            row = session.get(ProcessRow, self.id)
            if row is None:
                session.add(ProcessRow(id=self.id))
            else:
                row.seen_at = utcnow()
            session.commit()
