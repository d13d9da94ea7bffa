"""The judging queue: which pairs an organiser should grade next so each grade teaches something.

Per project, the top suggestions of several rankers are pooled (the fused ranking, text alone,
structured facts alone), plus a few random providers so the pool is not only what the rankers
already like; pairs already graded are left out. The pool is ordered so the pairs the rankers
disagree on come first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

DEPTH = 5  # top suggestions taken from each ranker
RANDOM = 2  # random providers per project


@dataclass(frozen=True)
class Pooled:
    project_id: str
    resource_id: str
    rankers: tuple[str, ...]  # which rankers put it in their top DEPTH ("random" if none)


def pool(
    project_ids: Sequence[str],
    resource_ids: Sequence[str],
    scores: Mapping[str, np.ndarray],
    judged: Mapping[str, Mapping[str, object]] | None = None,
    excluded: np.ndarray | None = None,
    depth: int = DEPTH,
    random: int = RANDOM,
    seed: int = 0,
) -> list[Pooled]:
    """Pairs to grade, per project in the given order; `scores[name]` is (n_projects, n_resources).

    Excluded pairs (the provider's own rules) and already judged pairs are never pooled. The
    random picks are fixed by `seed` and the project id, so a queue is stable between visits.
    """
    judged = judged or {}
    out: list[Pooled] = []
    for i, pid in enumerate(project_ids):
        done = judged.get(pid, {})
        allowed = np.array(
            [rid not in done for rid in resource_ids]
            if excluded is None
            else [rid not in done and not excluded[i, j] for j, rid in enumerate(resource_ids)],
            dtype=bool,
        )
        votes: dict[int, list[str]] = {}
        for name, matrix in scores.items():
            row = np.where(allowed, matrix[i], -np.inf)
            for j in np.argsort(-row, kind="stable")[:depth]:
                if allowed[j]:
                    votes.setdefault(int(j), []).append(name)
        rest = np.flatnonzero(allowed & ~np.isin(np.arange(len(resource_ids)), list(votes)))
        rng = np.random.default_rng([seed, *pid.encode("utf-8")])
        picks = rng.choice(rest, size=min(random, len(rest)), replace=False)
        # disagreement first: pairs only some rankers like teach the most about how to weigh them
        ordered = sorted(votes.items(), key=lambda kv: (len(kv[1]), kv[0]))
        out += [Pooled(pid, resource_ids[j], tuple(names)) for j, names in ordered]
        out += [Pooled(pid, resource_ids[int(j)], ("random",)) for j in picks]
    return out


TEXT_FEATURES = ("bm25", "tfidf", "need_bm25", "dense_", "need_dense_")


def is_text(name: str) -> bool:
    return name.startswith(TEXT_FEATURES)


def ranker_scores(
    features: np.ndarray, names: Sequence[str], fused: np.ndarray
) -> dict[str, np.ndarray]:
    """The rankers a queue pools from: the fused scores as users see them, the z-score sum of the
    text signals alone, and of the structured facts alone (provider-type priors left out)."""
    from .fusion import is_prior, signed, zscores

    z = zscores(signed(features, tuple(names)))
    text = np.array([is_text(n) for n in names])
    structured = np.array([not is_text(n) and not is_prior(n) for n in names])
    return {
        "fused": fused,
        "text": z[..., text].sum(axis=-1),
        "structured": z[..., structured].sum(axis=-1),
    }
