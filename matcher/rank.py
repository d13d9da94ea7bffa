"""Ranked matches with reasons, in both directions, from fused pair scores."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

import numpy as np

from . import fusion as fusions
from .features import PairFeaturizer, Progress
from .reasons import Explainer, WordStats
from .schema import Project, Resource
from .settings import DEFAULT_CANDIDATES
from .signals import NEED_BIT

if TYPE_CHECKING:
    from .retrieval import Retriever

log = logging.getLogger(__name__)


class Fusion(Protocol):
    names: tuple[str, ...]

    @property
    def strong_threshold(self) -> float: ...

    def predict(
        self, features: np.ndarray, resource_ids: Sequence[str] | None = None
    ) -> np.ndarray: ...

    @property
    def standardises(self) -> bool: ...

    def predict_columns(
        self,
        columns: Sequence[np.ndarray],
        resource_ids: Sequence[str] | None = None,
        columns_of: np.ndarray | None = None,
        spreads: fusions.Spreads | None = None,
    ) -> np.ndarray: ...


VETOED = -1.0  # the score of a pair the provider's own rules exclude: below any expected grade


UNSCORED = -0.5  # a pair the first stage left out: below any expected grade, above a veto


def score_block(
    fusion: Fusion,
    columns: Sequence[np.ndarray],
    resource_ids: Sequence[str],
    candidates: int = DEFAULT_CANDIDATES,
) -> np.ndarray:
    """Expected grades of a block of projects × all providers, from `PairFeaturizer.columns`.

    Two stages: the naive z-score sum, which adds standardised columns one at a time, picks each
    project's `candidates` best providers; the fusion scores those only, and the others sit at
    UNSCORED. A fusion that standardises (linear, z-sum) is itself such a sum, so it scores
    every pair at the first stage's cost, exactly; so does any fusion of a small catalogue.
    """
    n_resources = len(resource_ids)
    if fusion.standardises or n_resources <= candidates:
        return fusion.predict_columns(columns, resource_ids)
    first = fusions.Fusion(tuple(fusion.names), "zsum").raw_columns(columns)
    keep = np.argpartition(-first, candidates - 1, axis=1)[:, :candidates]
    shape = first.shape
    gathered = [np.take_along_axis(np.broadcast_to(c, shape), keep, axis=1) for c in columns]
    out = np.full(shape, UNSCORED, dtype=np.float32)
    scored = fusion.predict_columns(gathered, resource_ids, columns_of=keep)
    np.put_along_axis(out, keep, scored, axis=1)
    return out


def scored_rows(
    featurizer: PairFeaturizer,
    fusion: Fusion,
    rows: np.ndarray,
    resource_ids: Sequence[str],
    candidates: int = DEFAULT_CANDIDATES,
    retriever: Retriever | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected grades of the projects at `rows` × all providers with the veto applied, and the
    vetoed pairs. With a `retriever` (big catalogues), only its candidates are featurized and
    scored, the other pairs sit at UNSCORED; without, every pair (`score_block`)."""
    excluded = featurizer.excluded(rows)
    if retriever is None:
        predicted = score_block(fusion, featurizer.columns(rows), resource_ids, candidates)
        return veto(predicted, excluded), excluded
    lexical = featurizer.lexical(rows)
    keep = retriever.search(featurizer, rows, lexical[0], excluded)
    columns, spreads = featurizer.candidate_columns(rows, keep, retriever.spreads, lexical)
    scored = fusion.predict_columns(columns, resource_ids, columns_of=keep, spreads=spreads)
    predicted = np.full(excluded.shape, UNSCORED, dtype=np.float32)
    np.put_along_axis(predicted, keep, scored, axis=1)
    return veto(predicted, excluded), excluded


def veto(scores: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """Scores with excluded pairs moved below every other pair, keeping their order among them."""
    return np.where(excluded, VETOED + 1e-3 * np.tanh(scores), scores).astype(np.float32)


def best(scores: np.ndarray, allowed: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest `scores` where `allowed`, best first, ties in index order: the
    head of a stable descending sort, without sorting the rest (lists of 100,000 providers)."""
    index = np.flatnonzero(allowed)
    if len(index) > k > 0:
        kth = np.partition(scores[index], len(index) - k)[len(index) - k]
        index = index[scores[index] >= kth]
    return index[np.argsort(-scores[index], kind="stable")][:k]


@dataclass(frozen=True)
class Match:
    """One suggested partner: `rank` starts at 1 within its list."""

    project_id: str
    resource_id: str
    rank: int
    score: float
    reasons: str


class Ranker:
    """Scores every project × provider pair once, then answers ranked lists from the matrix."""

    def __init__(
        self,
        featurizer: PairFeaturizer,
        fusion: Fusion,
        block_size: int = 256,
        words: WordStats | None = None,
        candidates: int = DEFAULT_CANDIDATES,
        retriever: Retriever | None = None,
    ) -> None:
        """`retriever`: a first stage over these providers (`retrieval`), for big catalogues."""
        if tuple(fusion.names) != featurizer.names:
            raise ValueError(
                f"fusion expects features {fusion.names}, featurizer gives {featurizer.names}"
            )
        self.featurizer = featurizer
        self.fusion = fusion
        self.block_size = block_size
        self.candidates = candidates
        self.retriever = retriever
        self.explain = Explainer(featurizer, words, lambda i, j: bool(self.excluded[i, j]))
        self._progress: Progress | None = None

    @classmethod
    def from_scores(
        cls,
        featurizer: PairFeaturizer,
        fusion: Fusion,
        scores: np.ndarray,
        excluded: np.ndarray,
        words: WordStats | None = None,
        retriever: Retriever | None = None,
    ) -> Ranker:
        """A ranker whose pair scores were computed elsewhere (e.g. row by row, incrementally)."""
        ranker = cls(featurizer, fusion, words=words, retriever=retriever)
        ranker.__dict__["_scored"] = (np.asarray(scores, np.float32), np.asarray(excluded, bool))
        return ranker

    @property
    def projects(self) -> list[Project]:
        return self.featurizer.projects

    @property
    def resources(self) -> list[Resource]:
        return self.featurizer.resources

    @cached_property
    def resource_ids(self) -> list[str]:
        return [r.resource_id for r in self.resources]

    def with_progress(self, progress: Progress | None) -> Ranker:
        self._progress = progress
        return self

    @property
    def scores(self) -> np.ndarray:
        """Expected grades 0–3 (n_projects, n_resources), excluded pairs at VETOED."""
        return self._scored[0]

    @property
    def excluded(self) -> np.ndarray:
        """(n_projects, n_resources) bool: the provider's own words rule the project out."""
        return self._scored[1]

    @cached_property
    def _scored(self) -> tuple[np.ndarray, np.ndarray]:
        shape = (len(self.projects), len(self.resources))
        scores = np.empty(shape, dtype=np.float32)
        excluded = np.empty(shape, dtype=bool)
        for rows in self.featurizer.row_blocks(self.block_size, self._progress):
            scores[rows], excluded[rows] = scored_rows(
                self.featurizer,
                self.fusion,
                rows,
                self.resource_ids,
                self.candidates,
                self.retriever,
            )
        return scores, excluded

    def strong(self, rows: slice | int = slice(None)) -> np.ndarray:
        """Pairs good enough to promise (coverage, planning), for the projects at `rows`."""
        return (self.scores[rows] >= self.fusion.strong_threshold) & ~self.excluded[rows]

    def serves_need(self, need: str, rows: slice | int = slice(None)) -> np.ndarray:
        """Bool: the provider offers a need the project has (and does not exclude it)."""
        p, r = self.featurizer.project_profiles, self.featurizer.resource_profiles
        bit = NEED_BIT[need]
        wants = ((p.needs_field[rows] | p.needs_text[rows]) & bit) != 0
        offers = ((r.needs_field | r.needs_text) & bit) != 0
        return np.logical_and.outer(wants, offers) & ~self.excluded[rows]

    def top(
        self, project_index: int, top_k: int = 10, types: Sequence[str] = (), coverage: bool = False
    ) -> list[int]:
        """Provider indices of one project's list, best first (no reasons: for evaluation)."""
        scores = self.scores[project_index]
        allowed = self._of_types(tuple(types))
        chosen = [int(j) for j in best(scores, allowed, top_k)]
        if coverage:
            chosen = self._cover_needs(project_index, chosen, allowed, top_k)
        return chosen

    def _of_types(self, types: tuple[str, ...]) -> np.ndarray:
        """Bool per provider: of one of `types` (all when empty)."""
        if not types:
            return np.ones(len(self.resources), dtype=bool)
        return np.array([r.type in types for r in self.resources])

    def resources_for(
        self, project_index: int, top_k: int = 10, types: Sequence[str] = (), coverage: bool = False
    ) -> list[Match]:
        """Top providers for one project, optionally only of some types."""
        project = self.projects[project_index]
        return [
            Match(
                project.project_id,
                self.resources[j].resource_id,
                rank,
                float(self.scores[project_index, j]),
                self.explain(project_index, j),
            )
            for rank, j in enumerate(self.top(project_index, top_k, types, coverage), start=1)
        ]

    def projects_for(self, resource_index: int, top_k: int = 10) -> list[Match]:
        """Top projects for one provider (the reverse direction, same pair scores)."""
        column = self.scores[:, resource_index]
        order = best(column, np.ones(len(column), dtype=bool), top_k)
        resource = self.resources[resource_index]
        return [
            Match(
                self.projects[i].project_id,
                resource.resource_id,
                rank,
                float(column[i]),
                self.explain(int(i), resource_index),
            )
            for rank, i in enumerate(order, start=1)
        ]

    def _cover_needs(self, i: int, chosen: list[int], allowed: np.ndarray, top_k: int) -> list[int]:
        """Make the top-k hold a strong provider for each of the project's needs, where one exists."""
        strong = self.strong(i)
        p = self.featurizer.project_profiles
        wanted = int(p.needs_text[i]) | int(p.needs_field[i])
        covers = {n: self.serves_need(n, i) & strong for n, bit in NEED_BIT.items() if wanted & bit}
        chosen = list(chosen)
        for need, cover in covers.items():
            if any(cover[j] for j in chosen):
                continue
            open_ = cover & allowed
            open_[chosen] = False
            if not open_.any():
                continue
            candidate = int(best(self.scores[i], open_, 1)[0])
            # Replace the lowest-ranked pick that is not the only strong cover of another need.
            for position in range(len(chosen) - 1, -1, -1):
                others = chosen[:position] + chosen[position + 1 :]
                sole = any(c[chosen[position]] and not c[others].any() for c in covers.values())
                if not sole:
                    log.debug(
                        "coverage: %s replaces %s for need %s", candidate, chosen[position], need
                    )
                    chosen[position] = candidate
                    break
        return sorted(chosen, key=lambda j: -self.scores[i, j])[:top_k]
