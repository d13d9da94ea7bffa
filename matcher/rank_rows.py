"""The rows of a `matcher rank` file: each project's top providers, formatted once for every engine."""

from __future__ import annotations

from collections.abc import Sequence

from .catalogue import Snapshot
from .schema import Project

RANK_HEADER = ("project_id", "rank", "resource_id", "score", "reasons")
RankRow = tuple[str, int, str, str, str]


def rank_rows(
    snapshot: Snapshot, projects: Sequence[Project], top_k: int = 10, types: Sequence[str] = ()
) -> list[RankRow]:
    """Each project's top-k providers (only of `types`, if given), in the projects' order; the
    score is written with four decimals, so every engine's file is the same bytes."""
    return [
        (m.project_id, m.rank, m.resource_id, f"{m.score:.4f}", m.reasons)
        for p in projects
        for m in snapshot.resources_for(p.project_id, top_k, types)
    ]
