"""Background jobs (event plans here, refits in `refits.py`): a small thread pool each, progress
kept in the jobs table, failures recorded as the job's message. A job runs in the one process
that claimed it (`service.workers.claim`), so with several server processes it never runs twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from matcher.errors import MatcherError
from matcher.plan import Event, PlanSettings, plan_event

from . import crud
from .db import EventRow, JobRow, PlanRow
from .matching import Matching
from .workers import claim, new_process_id

log = logging.getLogger(__name__)
EVENT_DELETED = "活动在排期期间已被删除 the event was deleted while it was being planned"


class BackgroundJobs:
    """A thread pool whose jobs report progress to the jobs table; `_guarded` runs one and
    records a failure (a library or value error as itself, anything else as internal)."""

    name = "job"

    def __init__(
        self,
        sessions: sessionmaker[Session],
        workers: int = 1,
        on_finish: Callable[[str], None] | None = None,
        owner: str = "",
    ) -> None:
        """`owner`: this process's id (`workers.Presence`), which claims the jobs it runs."""
        self.sessions = sessions
        self.on_finish = on_finish
        self.owner = owner or new_process_id()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=self.name)

    def submit(self, job_id: int) -> None:
        """Claim the job for this process and run it here (not if another process claimed it)."""
        with self.sessions() as session:
            if not claim(session, job_id, self.owner):
                return
        self._pool.submit(self._run, job_id)

    def _run(self, job_id: int) -> None:
        raise NotImplementedError

    def _progress(self, job_id: int, progress: float, message: str, **values: Any) -> None:
        with self.sessions() as session:
            crud.update_job(session, job_id, progress=progress, message=message, **values)

    def _guarded(self, job_id: int, work: Callable[[], tuple[str, dict[str, Any]]]) -> None:
        """Run `work` (→ the final message and values); the job ends done or failed."""
        try:
            message, values = work()
        except (MatcherError, ValueError) as exc:
            self._end(job_id, "failed", str(exc)[:2000])
        except Exception as exc:
            log.exception("%s job %s failed", self.name, job_id)
            self._end(job_id, "failed", f"internal error: {type(exc).__name__}")
        else:
            self._end(job_id, "done", message, **values)

    def _end(self, job_id: int, status: str, message: str, **values: Any) -> None:
        self._progress(job_id, 1.0, message, status=status, **values)
        if self.on_finish:
            self.on_finish(status)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class PlanJobs(BackgroundJobs):
    """Runs `plan_event` on the current snapshot off the request path; one job at a time by default."""

    name = "plan"

    def __init__(
        self,
        matching: Matching,
        sessions: sessionmaker[Session],
        workers: int = 1,
        on_finish: Callable[[str], None] | None = None,
        time_limit: float = 60.0,
        owner: str = "",
    ) -> None:
        """`time_limit`: the solver's seconds for a job that does not set its own."""
        super().__init__(sessions, workers, on_finish, owner)
        self.matching = matching
        self.time_limit = time_limit

    def _run(self, job_id: int) -> None:
        self._guarded(job_id, lambda: self._plan(job_id))

    def _plan(self, job_id: int) -> tuple[str, dict[str, Any]]:
        with self.sessions() as session:
            row = session.get(JobRow, job_id)
            if row is None or row.event_id is None:
                return "", {}
            event_row = session.get(EventRow, row.event_id)
            params = dict(row.params)
            if event_row is None:
                raise ValueError("the event was deleted")
            spec, event_id = dict(event_row.spec), event_row.id
        self._progress(job_id, 0.1, "preparing scores", status="running")
        snapshot = self.matching.catalogue.current()
        known = set(snapshot.project_row) | set(snapshot.resource_col)
        event, dropped = Event.from_mapping(spec, f"event {event_id}").restricted_to(known)
        scores = snapshot.match_scores()
        self._progress(job_id, 0.3, "assigning and scheduling meetings")
        settings = PlanSettings(time_limit=float(params.get("time_limit") or self.time_limit))
        plan = plan_event(
            scores,
            event,
            seed=int(params.get("seed", 0)),
            solver=str(params.get("solver", "flow")),
            settings=settings,
        )
        self._progress(job_id, 0.9, "saving the plan")
        body = plan.to_dict()
        body["diagnostics"] = [*dropped, *body["diagnostics"]]
        with self.sessions() as session:
            if session.get(EventRow, event_id) is None:
                raise ValueError(EVENT_DELETED)
            stored = PlanRow(event_id=event_id, status="draft", body=body)
            session.add(stored)
            try:
                session.commit()
            except IntegrityError as exc:  # deleted between the check and the commit
                raise ValueError(EVENT_DELETED) from exc
            plan_row_id = stored.id
        return f"{len(plan.meetings)} meetings planned", {"plan_id": plan_row_id}
