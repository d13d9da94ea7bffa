"""Pair features: every text and structured signal for (project, provider) pairs.

A `PairFeaturizer` is prepared once for two record lists (lexical models fitted on provider
texts, texts embedded, profiles built) and then yields features for any block of projects, so
large catalogues are scored chunk by chunk in bounded memory.

Text is compared twice: the whole project text, and the clauses where it says what it needs now
("需要…", "寻求…"), which read like the provider's offer ("需要GMP中试放大" ↔ "提供GMP中试").
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import prose, signals
from .fusion import MIN_STD, Spreads, standardised, zscores
from .schema import Project, Resource
from .text.encoders import Encoder
from .text.fold import Organisations
from .text.lexical import BM25Scorer, CharNgramScorer

log = logging.getLogger(__name__)

LEXICAL_FEATURES = ("bm25", "tfidf", "need_bm25")
Progress = Callable[[str, int, int], None]  # (what, done, total)
NEED = "/need"  # suffix of the vectors of a project's need clauses
# Encoders that also embed the need clauses: only the cheap one. With e5 too, a free-text query
# cost ~50 % more encoding for +0.0015 judged-train CV nDCG@10 (0.7198 → 0.7213), within noise.
NEED_ENCODERS = ("use-m3",)


def dense_feature(encoder_name: str) -> str:
    return f"dense_{encoder_name.replace('-', '_')}"


def need_dense_feature(encoder_name: str) -> str:
    return f"need_dense_{encoder_name.replace('-', '_')}"


def feature_names(encoder_names: Sequence[str]) -> tuple[str, ...]:
    return (
        *LEXICAL_FEATURES,
        *(dense_feature(n) for n in encoder_names),
        *(need_dense_feature(n) for n in encoder_names if n in NEED_ENCODERS),
        *signals.STRUCTURED_FEATURES,
    )


def project_vectors(
    encoders: Mapping[str, Encoder], projects: Sequence[Project]
) -> dict[str, np.ndarray]:
    """Each encoder's query vectors of the projects' texts (key: encoder name) and, for the
    NEED_ENCODERS, of their need clauses (key: name + NEED)."""
    texts = [p.text for p in projects]
    needs = [prose.need_text(t) for t in texts]
    out: dict[str, np.ndarray] = {}
    for name, encoder in encoders.items():
        if name in NEED_ENCODERS:
            both = _encode(encoder, texts + needs)
            out[name], out[name + NEED] = both[: len(texts)], both[len(texts) :]
        else:
            out[name] = _encode(encoder, texts)
    return out


def _encode(encoder: Encoder, texts: list[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return np.asarray(encoder.encode_queries(texts), dtype=np.float32)


class PairFeaturizer:
    """All signals for pairs of `projects` × `resources`, computed by blocks of projects."""

    def __init__(
        self,
        projects: Sequence[Project],
        resources: Sequence[Resource],
        encoders: Mapping[str, Encoder],
        progress: Progress | None = None,
        vectors: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        """`vectors`: the projects' vectors when already at hand (see `project_vectors`)."""
        self.projects = list(projects)
        self.resources = list(resources)
        self.encoder_names = tuple(encoders)
        self.names = feature_names(self.encoder_names)
        resource_texts = [r.text for r in self.resources]

        # Lexical models see the providers only: a project's row then depends on nothing but
        # itself and the providers, so adding or editing projects never shifts another's scores.
        self.tfidf = CharNgramScorer().fit(resource_texts or [""])
        self.bm25 = BM25Scorer().fit(resource_texts)
        self.resource_ngrams = self._ngrams(resource_texts)
        self._set_projects(self.projects)

        if progress:
            progress("编码 encoding", 0, 2)
        self.project_vectors = dict(vectors) if vectors else project_vectors(encoders, projects)
        if progress:
            progress("编码 encoding", 1, 2)
        self.resource_vectors = {
            name: np.asarray(encoder.encode_passages(resource_texts), dtype=np.float32)
            if resource_texts
            else np.zeros((0, encoder.dim), np.float32)
            for name, encoder in encoders.items()
        }
        if progress:
            progress("编码 encoding", 2, 2)
        self.resource_profiles = signals.resource_profiles(self.resources)
        self.region_weight = signals.region_weights(self.resources)
        self.organisations = Organisations([r.name for r in self.resources])
        self.members_only = signals.members_only(self.resource_profiles)

    def _set_projects(self, projects: list[Project]) -> None:
        self.projects = projects
        self.project_ngrams = self._ngrams([p.text for p in projects])
        self.need_texts = [prose.need_text(p.text) for p in projects]
        self.project_profiles = signals.project_profiles(projects)

    def block(self, rows: np.ndarray | slice) -> np.ndarray:
        """Features for the projects at `rows`: float32 (n_rows, n_resources, n_features)."""
        return np.stack(self.columns(rows), axis=-1)

    def columns(self, rows: np.ndarray | slice) -> list[np.ndarray]:
        """`block` as one float32 (n_rows, n_resources) array per feature, in `names` order."""
        index = np.arange(len(self.projects))[rows]
        columns = [zscores(scores) for scores in self.lexical(index)]
        for key in self.dense_keys:
            name = key.removesuffix(NEED)
            columns.append(
                zscores(
                    _similarities(self.project_vectors[key][index], self.resource_vectors[name])
                )
            )
        own = self.own_institution(index)
        structured = signals.structured_features(
            self.project_profiles.take(index), self.resource_profiles, own, self.region_weight
        )
        columns.extend(structured[name] for name in signals.STRUCTURED_FEATURES)
        return columns

    @property
    def dense_keys(self) -> tuple[str, ...]:
        """Keys of `project_vectors` with a dense feature each, in `names` order."""
        needs = (n + NEED for n in self.encoder_names if n in NEED_ENCODERS)
        return (*self.encoder_names, *needs)

    def lexical(self, rows: np.ndarray | slice) -> list[np.ndarray]:
        """Raw LEXICAL_FEATURES of the projects at `rows` against every provider: sparse
        products over the providers' words and n-grams, cheap at any catalogue size."""
        index = np.arange(len(self.projects))[rows]
        ngrams = self.project_ngrams[index] @ self.resource_ngrams.T
        return [
            self.bm25.score([self.projects[i].text for i in index]),
            np.asarray(ngrams.toarray(), dtype=np.float32),
            self.bm25.score([self.need_texts[i] for i in index]),
        ]

    def candidate_columns(
        self,
        rows: np.ndarray | slice,
        keep: np.ndarray,
        spread_of: SpreadSource,
        lexical: list[np.ndarray] | None = None,
    ) -> tuple[list[np.ndarray], Spreads]:
        """`columns` for each project's own providers only, `keep` (n_rows, n_cells), and each
        column's per-project spread over *all* providers, for a fusion that standardises.

        The lexical scores are whole rows anyway (`lexical`), so they are standardised exactly;
        dense ones exactly from the providers' moments; structured ones over the providers in
        `SpreadSource.samples` (exact where those stand for distinct values, see `retrieval`),
        own institution from its count, type priors as given. Columns the featurizer
        standardises itself get a spread of (0, 1), or (0, 0) when they were constant.
        """
        index = np.arange(len(self.projects))[rows]
        columns: list[np.ndarray] = []
        spreads: list[tuple[np.ndarray, np.ndarray]] = []

        def add_standardised(values: np.ndarray, mean: np.ndarray, std: np.ndarray) -> None:
            columns.append(standardised(values, mean, std))
            spreads.append((np.zeros_like(std), (std > MIN_STD).astype(np.float32)))

        for scores in lexical if lexical is not None else self.lexical(index):
            mean, std = scores.mean(axis=1, keepdims=True), scores.std(axis=1, keepdims=True)
            add_standardised(np.take_along_axis(scores, keep, axis=1), mean, std)
        for key in self.dense_keys:
            name = key.removesuffix(NEED)
            queries = self.project_vectors[key][index]
            mean, std = spread_of.dense[name].spread(queries)
            similar = pair_similarities(queries, self.resource_vectors[name], keep)
            add_standardised(similar, mean, std)

        own = self.own_institution(index)
        profiles = self.project_profiles.take(index)
        structured = signals.structured_features(
            profiles,
            self.resource_profiles,
            np.take_along_axis(own, keep, axis=1),
            self.region_weight,
            keep,
        )
        seen: dict[int, dict[str, np.ndarray]] = {}  # features share samples: compute each once
        for sample, _ in spread_of.samples.values():
            if id(sample) not in seen:
                seen[id(sample)] = signals.structured_features(
                    profiles,
                    self.resource_profiles.take(sample),
                    np.zeros((len(index), len(sample)), dtype=bool),  # own institution: below
                    self.region_weight[sample],
                )
        n = len(index)
        for name in signals.STRUCTURED_FEATURES:
            columns.append(structured[name])
            if name in spread_of.exact:  # the same for every project: known over all providers
                mean, std = spread_of.exact[name]
                spreads.append(
                    (np.full((n, 1), mean, np.float32), np.full((n, 1), std, np.float32))
                )
            elif name == "own_institution":  # a few providers at most: from the count
                share = own.mean(axis=1, keepdims=True)
                spreads.append(
                    (share.astype(np.float32), np.sqrt(share * (1 - share)).astype(np.float32))
                )
            else:
                sample, weights = spread_of.samples[name]
                spreads.append(_spread(seen[id(sample)][name], weights))
        return columns, spreads

    def own_institution(self, index: np.ndarray) -> np.ndarray:
        """(len(index), n_resources) bool: the provider is the project's own institution (and
        does not serve only its own people)."""
        projects = [self.projects[i] for i in index]
        return signals.own_institution(projects, self.organisations, self.members_only)

    def excluded(self, rows: np.ndarray | slice | list[int]) -> np.ndarray:
        """(n_rows, n_resources) bool: the provider's explicit rules rule the project out."""
        index = np.arange(len(self.projects))[rows]
        return signals.excluded(self.project_profiles.take(index), self.resource_profiles)

    def for_projects(
        self, projects: Sequence[Project], vectors: Mapping[str, np.ndarray]
    ) -> PairFeaturizer:
        """Other projects against the same providers and models; `vectors` from `project_vectors`."""
        other = copy.copy(self)
        other._set_projects(list(projects))
        other.project_vectors = dict(vectors)
        return other

    def merged(self, keep: np.ndarray, other: PairFeaturizer) -> PairFeaturizer:
        """This featurizer's projects at `keep`, then `other`'s (same providers and models)."""
        out = copy.copy(self)
        out.projects = [self.projects[i] for i in keep] + other.projects
        out.project_ngrams = sp.vstack([self.project_ngrams[keep], other.project_ngrams]).tocsr()
        out.need_texts = [self.need_texts[i] for i in keep] + other.need_texts
        out.project_vectors = {
            key: np.concatenate([self.project_vectors[key][keep], other.project_vectors[key]])
            for key in self.project_vectors
        }
        out.project_profiles = self.project_profiles.take(keep).concat(other.project_profiles)
        return out

    def _ngrams(self, texts: list[str]) -> sp.csr_matrix:
        if not texts:
            width = len(self.tfidf.vectorizer_.vocabulary_)
            return sp.csr_matrix((0, width), dtype=np.float32)
        first: dict[str, int] = {}  # each distinct text once: a row depends on its text alone
        index = [first.setdefault(t, len(first)) for t in texts]
        return self.tfidf.vectorizer_.transform(list(first))[index]

    def blocks(self, size: int = 256, progress: Progress | None = None):
        """(row indices, `columns`) for consecutive blocks of projects."""
        for rows in self.row_blocks(size, progress):
            yield rows, self.columns(rows)

    def row_blocks(self, size: int = 256, progress: Progress | None = None):
        """Row indices of consecutive blocks of projects; progress after each is consumed."""
        total = len(self.projects)
        for start in range(0, total, size):
            rows = np.arange(start, min(start + size, total))
            yield rows
            if progress:
                progress("打分 scoring", int(rows[-1]) + 1, total)


def _similarities(projects: np.ndarray, resources: np.ndarray) -> np.ndarray:
    """Dot products rounded to float32 from float64 sums, the same bits for any block of projects
    and any BLAS thread count (float32 sums differ by up to ~1e-4 of a score between them)."""
    return (projects.astype(np.float64) @ resources.astype(np.float64).T).astype(np.float32)


def pair_similarities(projects: np.ndarray, resources: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Each project's dot products with its own providers `keep` (n_projects, n_cells) only,
    summed cell by cell (einsum, not BLAS), so no block shape or thread count changes a bit;
    the cost follows the cells, not the catalogue."""
    vectors = np.asarray(resources, dtype=np.float32)
    queries = np.asarray(projects, dtype=np.float32)
    out = np.empty(keep.shape, dtype=np.float32)
    for start in range(0, len(keep), _PAIR_CHUNK):  # bounded memory: chunk × cells × d floats
        rows = slice(start, start + _PAIR_CHUNK)
        out[rows] = np.einsum("pcd,pd->pc", vectors[keep[rows]], queries[rows])
    return out


_PAIR_CHUNK = 16


def _spread(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted per-row (mean, std), float32 (n, 1) each."""
    x, w = values.astype(np.float64), weights.astype(np.float64) / weights.sum()
    mean = x @ w
    variance = (x - mean[:, None]) ** 2 @ w
    return mean[:, None].astype(np.float32), np.sqrt(variance)[:, None].astype(np.float32)


@dataclass(frozen=True)
class Moments:
    """Mean vector and covariance of the providers' vectors: every project's mean and spread of
    dense similarity over all providers, exactly, without a product with each (q·μ, qᵀΣq)."""

    mean: np.ndarray  # (d,) float64
    covariance: np.ndarray  # (d, d) float64, over the providers (ddof 0, as `np.std`)

    @classmethod
    def of(cls, vectors: np.ndarray) -> Moments:
        x = vectors.astype(np.float64)
        mean = x.mean(axis=0) if len(x) else np.zeros(x.shape[1])
        centred = x - mean
        return cls(mean, centred.T @ centred / max(len(x), 1))

    def spread(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mean, std) of each query's similarity to every provider, float32 (n, 1) each."""
        q = queries.astype(np.float64)
        variance = np.einsum("nd,nd->n", q @ self.covariance, q)
        mean, std = q @ self.mean, np.sqrt(np.maximum(variance, 0.0))
        return mean[:, None].astype(np.float32), std[:, None].astype(np.float32)


@dataclass(frozen=True)
class SpreadSource:
    """What `candidate_columns` reads the providers' spreads from (built once per providers)."""

    dense: Mapping[str, Moments]  # by encoder name
    # by feature: (provider indices, how many providers each stands for) to measure it on
    samples: Mapping[str, tuple[np.ndarray, np.ndarray]]
    exact: Mapping[str, tuple[float, float]]  # features known per provider alone: (mean, std)
