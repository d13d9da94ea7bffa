"""What the planner needs from the ranker: scores, strong flags and need coverage per pair."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from matcher.schema import Project, Resource


def _no_reasons(_p: int, _r: int) -> str:
    return ""


@dataclass
class MatchScores:
    """Ranker output for every (project, resource) pair, indexed like `projects` × `resources`.

    `scores` is higher-is-better, roughly in [0, 1]; `strong[p, r]` marks a strong match;
    `serves_need[need][p, r]` says resource r serves that need of project p (for coverage);
    `reasons(p, r)` is the Chinese reason text shown with a meeting.
    """

    projects: list[Project]
    resources: list[Resource]
    scores: np.ndarray
    strong: np.ndarray
    serves_need: dict[str, np.ndarray] = field(default_factory=dict)
    reasons: Callable[[int, int], str] = _no_reasons

    def __post_init__(self) -> None:
        shape = (len(self.projects), len(self.resources))
        self.scores = np.asarray(self.scores, dtype=np.float64)
        self.strong = np.asarray(self.strong, dtype=bool)
        if self.scores.shape != shape or self.strong.shape != shape:
            raise ValueError(
                f"scores {self.scores.shape} and strong {self.strong.shape} must be {shape}"
            )
        for need, mask in self.serves_need.items():
            if np.shape(mask) != shape:
                raise ValueError(f"serves_need[{need!r}] must be {shape}")
        self.serves_need = {k: np.asarray(v, dtype=bool) for k, v in self.serves_need.items()}

    def project_index(self) -> dict[str, int]:
        return {p.project_id: i for i, p in enumerate(self.projects)}

    def resource_index(self) -> dict[str, int]:
        return {r.resource_id: i for i, r in enumerate(self.resources)}
