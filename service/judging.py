"""The judging queue on the live snapshot: pairs pooled from the fused, text and structured
rankers (`matcher.pooling`), without excluded or already graded pairs."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from matcher.catalogue import Snapshot
from matcher.pooling import pool, ranker_scores

from .errors import NotFound
from .schemas import QueuedPair


def queue(
    snapshot: Snapshot,
    judged: Mapping[str, Mapping[str, object]],
    project_id: str | None = None,
    limit: int = 50,
) -> list[QueuedPair]:
    """Up to `limit` pairs to grade next, for one project or (None) every project in order."""
    ranker = snapshot.ranker
    if ranker is None:
        return []
    if project_id is None:
        ids = [p.project_id for p in snapshot.projects]
    elif project_id in snapshot.project_row:
        ids = [project_id]
    else:
        raise NotFound("project", project_id)
    out: list[QueuedPair] = []
    for start in range(0, len(ids), 16):  # a block of projects at a time: stop once enough
        chunk = ids[start : start + 16]
        rows = np.array([snapshot.project_row[pid] for pid in chunk])
        scores = ranker_scores(
            ranker.featurizer.block(rows), ranker.featurizer.names, ranker.scores[rows]
        )
        for found in pool(chunk, ranker.resource_ids, scores, judged, ranker.excluded[rows]):
            i, j = snapshot.project_row[found.project_id], snapshot.resource_col[found.resource_id]
            out.append(
                QueuedPair(
                    project_id=found.project_id,
                    project_title=snapshot.projects[i].title,
                    resource_id=found.resource_id,
                    resource_name=snapshot.resources[j].name,
                    rankers=list(found.rankers),
                    score=round(float(ranker.scores[i, j]), 4),
                )
            )
            if len(out) >= limit:
                return out
    return out
