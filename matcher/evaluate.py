"""Ranking quality: nDCG@10 (linear and exponential gains) and Recall@5 of every ranker, side by side.

Figures are means over projects that have at least one positive grade. Exponential gains
(2^grade − 1) reward an ideal partner (3) seven times a marginal one (1); linear gains three times.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import ndcg_score
from sklearn.model_selection import GroupKFold

from . import signals
from .fusion import Fusion, direction, gains, is_prior
from .schema import Project, Resource

RELEVANT = 2  # Recall@5 counts grades ≥ 2 as relevant
METRICS = ("ndcg10", "ndcg10_exp", "recall5")  # the figures of a Row


@dataclass(frozen=True)
class Row:
    name: str
    kind: str  # baseline | signal | fusion
    ndcg10: float  # linear gains
    ndcg10_exp: float  # exponential gains
    recall5: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def grade_matrix(
    qrels: Mapping[str, Mapping[str, int]],
    projects: Sequence[Project],
    resources: Sequence[Resource],
) -> np.ndarray:
    """Grades (n_projects, n_resources); pairs not judged are 0."""
    column = {r.resource_id: j for j, r in enumerate(resources)}
    grades = np.zeros((len(projects), len(resources)), dtype=np.float32)
    for i, p in enumerate(projects):
        for rid, grade in qrels.get(p.project_id, {}).items():
            if rid in column:
                grades[i, column[rid]] = grade
    return grades


def condensed(scores: np.ndarray, grades: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores and grades with unjudged pairs (grade NaN, from pooled judging) moved below every
    judged one at gain 0: metrics then read each list as its judged pairs only."""
    unjudged = np.isnan(grades)
    floor = np.nanmin(scores) - 1.0 if scores.size else 0.0
    return np.where(unjudged, floor, scores), np.where(unjudged, 0.0, grades)


def ndcg_at(
    scores: np.ndarray, grades: np.ndarray, k: int = 10, exponential: bool = False
) -> float:
    """Mean nDCG@k over projects that have a positive grade."""
    keep = grades.max(axis=1) > 0
    if not keep.any():
        return float("nan")
    return float(ndcg_score(gains(grades[keep], exponential), scores[keep], k=k))


def recall_at(
    scores: np.ndarray, grades: np.ndarray, k: int = 5, relevant: int = RELEVANT
) -> float:
    """Mean share of a project's relevant providers (grade ≥ `relevant`) found in its top k."""
    hits = grades >= relevant
    keep = hits.any(axis=1)
    if not keep.any():
        return float("nan")
    top = np.argsort(-scores[keep], axis=1, kind="stable")[:, :k]
    found = np.take_along_axis(hits[keep], top, axis=1).sum(axis=1)
    return float(np.mean(found / hits[keep].sum(axis=1)))


def row(name: str, kind: str, scores: np.ndarray, grades: np.ndarray) -> Row:
    return Row(
        name,
        kind,
        ndcg_at(scores, grades),
        ndcg_at(scores, grades, exponential=True),
        recall_at(scores, grades),
    )


def vetoed_and_grades(
    qrels: Mapping[str, Mapping[str, int]],
    projects: Sequence[Project],
    resources: Sequence[Resource],
) -> tuple[np.ndarray, np.ndarray]:
    """(excluded, grades), each (projects, resources): the pairs the providers' rules veto, and
    how the judges graded every pair; how well the rules are read, without any encoder."""
    excluded = signals.excluded(
        signals.project_profiles(projects), signals.resource_profiles(resources)
    )
    return excluded, grade_matrix(qrels, projects, resources)


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
    extra: Sequence[tuple[np.ndarray, np.ndarray, float]] = (),
    prior: float = 0.0,
) -> np.ndarray:
    """Out-of-fold scores: each project scored by a fusion that never saw it.

    `extra` holds (features, grades, weight) of auxiliary sources added to every training fold.
    """
    out = np.zeros(grades.shape, dtype=np.float32)
    for train, test in project_folds(len(grades), folds, seed):
        model = Fusion(names, kind=kind, random_state=seed, prior=prior).fit_blocks(
            [(features[train], grades[train], 1.0), *extra]
        )
        out[test] = model.predict(features[test])
    return out


def project_folds(n_projects: int, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) project indices of each fold, shuffled by `seed`."""
    groups = np.arange(n_projects)
    splitter = GroupKFold(n_splits=min(folds, n_projects), shuffle=True, random_state=seed)
    return list(splitter.split(groups, groups=groups))


def provider_halves(kinds: Sequence[str], seed: int) -> np.ndarray:
    """A bool mask over providers: half of each kind (an odd one out falls either way)."""
    rng = np.random.default_rng(seed)
    half = np.zeros(len(kinds), dtype=bool)
    kinds_array = np.asarray(kinds)
    for kind in sorted(set(kinds)):
        members = rng.permutation(np.flatnonzero(kinds_array == kind))
        half[members[: (len(members) + int(rng.integers(0, 2))) // 2]] = True
    return half


def cross_validated_new_providers(
    features: np.ndarray,
    grades: np.ndarray,
    names: tuple[str, ...],
    kind: str,
    excluded: np.ndarray,
    provider_kinds: Sequence[str],
    folds: int = 5,
    seed: int = 0,
    extra: Sequence[tuple[np.ndarray, np.ndarray, float]] = (),
    prior: float = 0.0,
) -> Row:
    """Quality on projects *and* providers a fusion never saw, as a new competition brings them.

    The providers split into halves (half of each kind); each fold's fusion is fitted on its
    training projects against one half and ranks the held-out projects against the other half
    (vetoed pairs last), then the halves swap. The figures are means over those blocks.
    """
    rows = [
        on_new_providers(
            (features[train], grades[train]),
            (features[test], grades[test], excluded[test]),
            names,
            kind,
            provider_kinds,
            seed,
            extra,
            prior,
        )
        for train, test in project_folds(len(grades), folds, seed)
    ]
    return mean_row(kind, "fusion", rows)


def on_new_providers(
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray, np.ndarray],
    names: tuple[str, ...],
    kind: str,
    provider_kinds: Sequence[str],
    seed: int = 0,
    extra: Sequence[tuple[np.ndarray, np.ndarray, float]] = (),
    prior: float = 0.0,
) -> Row:
    """A fusion fitted on `train` (features, grades) against half of the providers, ranking the
    `test` projects (features, grades, excluded) against the other half; both ways, averaged.
    The two sets of projects share their providers, as the judged parts do."""
    half = provider_halves(provider_kinds, seed)
    rows = []
    for seen, unseen in ((half, ~half), (~half, half)):
        model = Fusion(names, kind=kind, random_state=seed, prior=prior).fit_blocks(
            [(train[0][:, seen], train[1][:, seen], 1.0), *extra]
        )
        scores = model.predict(test[0][:, unseen])
        scores = np.where(test[2][:, unseen], scores.min() - 1.0, scores)
        rows.append(row(kind, "fusion", scores, test[1][:, unseen]))
    return mean_row(kind, "fusion", rows)


def mean_row(name: str, kind: str, rows: Sequence[Row]) -> Row:
    """Rows of several blocks (folds, halves, seeds) averaged metric by metric."""
    return Row(name, kind, *(float(np.nanmean([getattr(r, f) for r in rows])) for f in METRICS))


def within_halves(
    name: str,
    kind: str,
    scores: np.ndarray,
    grades: np.ndarray,
    provider_kinds: Sequence[str],
    seed: int = 0,
) -> Row:
    """A ranker that learns nothing, scored as `cross_validated_new_providers` scores fusions:
    each project against each half of the providers, the figures averaged over the halves."""
    half = provider_halves(provider_kinds, seed)
    return mean_row(
        name, kind, [row(name, kind, scores[:, part], grades[:, part]) for part in (half, ~half)]
    )


def signal_rows(features: np.ndarray, grades: np.ndarray, names: tuple[str, ...]) -> list[Row]:
    """Each single signal as a ranker (features that lower a score are reversed)."""
    return [
        row(name, "signal", features[..., j] * direction(name), grades)
        for j, name in enumerate(names)
        if not is_prior(name)
    ]


def baseline_rows(baselines: Mapping[str, np.ndarray], grades: np.ndarray) -> list[Row]:
    return [row(name, "baseline", scores, grades) for name, scores in baselines.items()]
