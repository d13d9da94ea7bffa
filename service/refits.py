"""Refit jobs: a challenger fitted on the organisers' labels in the background, judged against
the active model (`matcher.learning.refit`), saved as a new version either way and activated
only when it wins. Progress is kept in the jobs table, like plan jobs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from matcher import learning
from matcher.catalogue import Snapshot
from matcher.datasets import Source
from matcher.engine import all_features
from matcher.errors import UsageError
from matcher.fusion import Fusion
from matcher.selection import Labelled

from . import labels, versions
from .db import JobRow
from .errors import ServiceError
from .jobs import BackgroundJobs
from .matching import Matching

log = logging.getLogger(__name__)


class NotEnoughGraded(ServiceError):
    """409: too few graded projects to refit (the job would only fail)."""

    status = 409

    def __init__(self, graded: int) -> None:
        super().__init__(
            learning.not_enough_message(graded), learning.not_enough_message(graded, english=False)
        )


def event_data(snapshot: Snapshot, combined: labels.Combined) -> Labelled:
    """Every project × provider of the snapshot with its features and pooled grades (NaN where
    nobody judged the pair)."""
    ranker = snapshot.ranker
    if ranker is None:
        raise learning.NotEnoughGrades("没有资源方，无法训练 — no providers to learn about")
    project_ids = [p.project_id for p in snapshot.projects]
    grades = learning.grades_from(combined.grades, project_ids, ranker.resource_ids, complete=False)
    source = Source("organiser", snapshot.projects, snapshot.resources, combined.grades)
    return Labelled(source, ranker.featurizer, all_features(ranker.featurizer), grades)


class RefitJobs(BackgroundJobs):
    """Runs one refit at a time off the request path."""

    name = "refit"

    def __init__(
        self,
        matching: Matching,
        sessions: sessionmaker[Session],
        data_dir: Path,
        on_finish: Callable[[str], None] | None = None,
        owner: str = "",
    ) -> None:
        super().__init__(sessions, workers=1, on_finish=on_finish, owner=owner)
        self.matching = matching
        self.data_dir = Path(data_dir)
        # rows → fusion instead of the recipe search (tests); see `learning.refit`
        self.fit: Callable[[np.ndarray], Fusion] | None = None
        self._base: list[Labelled] | None = None
        self._base_lock = threading.Lock()

    def check(self, session: Session) -> None:
        """NotEnoughGraded unless enough of the catalogue's projects have a grade."""
        snapshot = self.matching.catalogue.current()
        graded = labels.combined(session).graded_projects(
            snapshot.project_row, snapshot.resource_col
        )
        if graded < learning.MIN_PROJECTS:
            raise NotEnoughGraded(graded)

    def start(self, session: Session) -> JobRow:
        self.check(session)
        row = JobRow(kind="refit", event_id=None, params={}, message="排队中")
        session.add(row)
        session.commit()
        self.submit(row.id)
        return row

    def base(self) -> Sequence[Labelled]:
        """The project's own judged data the organisers' grades are added to (once a process)."""
        with self._base_lock:
            if self._base is None:
                self._base = learning.base_data(self.matching.catalogue.encoders)
            return self._base

    def _run(self, job_id: int) -> None:
        self._guarded(job_id, lambda: (self._refit(job_id), {}))

    def _refit(self, job_id: int) -> str:
        self._progress(job_id, 0.05, "正在汇总评分", status="running")
        with self.sessions() as session:
            combined = labels.combined(session)
        snapshot = self.matching.catalogue.current()
        champion = self.matching.catalogue.fusion
        if not isinstance(champion, Fusion):
            raise UsageError("当前模型不能重新训练 the active model cannot be refitted")
        self._progress(job_id, 0.15, "正在计算全部配对的特征")
        event = event_data(snapshot, combined)
        self._progress(job_id, 0.3, "正在载入基础训练数据")
        base = self.base()
        self._progress(job_id, 0.4, "正在训练新模型并在留出项目上与当前模型比较")
        result = learning.refit(champion, base, event, fit=self.fit)
        self._progress(job_id, 0.9, "正在保存模型版本")
        return self._save(result, combined, event)

    def _save(self, result: learning.Refit, combined: labels.Combined, event: Labelled) -> str:
        """Store the challenger as a version; activate it if it won. Returns the job's message."""
        comparison = result.comparison
        counts = {**combined.by_source, "projects": comparison.projects, "pairs": comparison.pairs}
        with self.sessions() as session:
            row = versions.save_version(
                session,
                self.data_dir,
                result.challenger,
                label_counts=counts,
                labels_sha256=learning.labels_digest(event),
                comparison=comparison.as_dict(),
            )
            if comparison.wins:
                versions.activate(session, self.matching, row.id)
                return f"新模型（版本 {row.id}）在留出项目上胜出，已启用"
        return f"新模型（版本 {row.id}）未胜过当前模型，已保存但未启用"
