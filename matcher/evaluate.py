"""Ranking quality: nDCG@10 and Recall@5 of every signal and fusion, side by side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import ndcg_score
from sklearn.model_selection import GroupKFold

from .fusion import FittedFusion, ZScoreSum, direction
from .schema import Project, Resource

RELEVANT = 2  # Recall@5 counts grades ≥ 2 as relevant


@dataclass(frozen=True)
class Row:
    name: str
    kind: str  # baseline | signal | fusion
    ndcg10: float
    recall5: float


def grade_matrix(
    qrels: Mapping[str, Mapping[str, int]],
    projects: Sequence[Project],
    resources: Sequence[Resource],
) -> tuple[np.ndarray, np.ndarray]:
    """(grades (n_projects, n_resources), mask of projects that have a positive judgment)."""
    column = {r.resource_id: j for j, r in enumerate(resources)}
    grades = np.zeros((len(projects), len(resources)), dtype=np.float32)
    for i, p in enumerate(projects):
        for rid, grade in qrels.get(p.project_id, {}).items():
            if rid in column:
                grades[i, column[rid]] = grade
    return grades, grades.max(axis=1) > 0


def ndcg_at(scores: np.ndarray, grades: np.ndarray, k: int = 10) -> float:
    """Mean nDCG@k with linear gains (the grade) over projects that have a positive grade."""
    keep = grades.max(axis=1) > 0
    return float(ndcg_score(grades[keep], scores[keep], k=k))


def recall_at(
    scores: np.ndarray, grades: np.ndarray, k: int = 5, relevant: int = RELEVANT
) -> float:
    """Mean share of a project's relevant providers (grade ≥ `relevant`) found in its top k."""
    hits = grades >= relevant
    keep = hits.any(axis=1)
    top = np.argsort(-scores[keep], axis=1, kind="stable")[:, :k]
    found = np.take_along_axis(hits[keep], top, axis=1).sum(axis=1)
    return float(np.mean(found / hits[keep].sum(axis=1)))


def field_overlap(projects: Sequence[Project], resources: Sequence[Resource]) -> np.ndarray:
    """The plain spreadsheet baseline: Jaccard of needs vs offers, plus track and stage columns."""
    out = np.zeros((len(projects), len(resources)), dtype=np.float32)
    for i, p in enumerate(projects):
        needs = set(p.needs)
        for j, r in enumerate(resources):
            offers = set(r.offers)
            union = needs | offers
            jaccard = len(needs & offers) / len(union) if union else 0.0
            out[i, j] = jaccard + r.serves_track(p.track) + r.serves_stage(p.stage)
    return out


def cross_validated(
    features: np.ndarray,
    grades: np.ndarray,
    names: tuple[str, ...],
    kind: str,
    folds: int = 5,
    seed: int = 0,
) -> np.ndarray:
    """Out-of-fold predictions: each project scored by a ranker that never saw it."""
    out = np.zeros(grades.shape, dtype=np.float32)
    groups = np.arange(len(grades))
    splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(groups, groups=groups):
        model = FittedFusion(names, kind=kind, random_state=seed).fit(
            features[train], grades[train]
        )
        out[test] = model.predict(features[test])
    return out


def compare(
    features: np.ndarray,
    grades: np.ndarray,
    names: tuple[str, ...],
    baselines: Mapping[str, np.ndarray],
    fused: Mapping[str, np.ndarray],
) -> list[Row]:
    """The side-by-side table: plain baselines, each single signal, then the fusions."""
    rows: list[Row] = []

    def add(name: str, kind: str, scores: np.ndarray) -> None:
        rows.append(Row(name, kind, ndcg_at(scores, grades), recall_at(scores, grades)))

    for name, scores in baselines.items():
        add(name, "baseline", scores)
    for j, name in enumerate(names):
        add(name, "signal", features[..., j] * (direction(name) or 1))
    add("z-score 求和 (naive)", "fusion", ZScoreSum(names).predict(features))
    for name, scores in fused.items():
        add(name, "fusion", scores)
    return rows
