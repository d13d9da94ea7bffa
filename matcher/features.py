"""Pair features: every text and structured signal for (project, provider) pairs.

A `PairFeaturizer` is prepared once for two record lists (lexical models fitted, texts
embedded, profiles built) and then yields features for any block of projects, so large
catalogues are scored chunk by chunk in bounded memory.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from . import signals
from .schema import Project, Resource
from .text.encoders import Encoder
from .text.lexical import BM25Scorer, CharNgramScorer

log = logging.getLogger(__name__)

LEXICAL_FEATURES = ("bm25", "tfidf")
Progress = Callable[[str, int, int], None]  # (what, done, total)


def dense_feature(encoder_name: str) -> str:
    return f"dense_{encoder_name.replace('-', '_')}"


def feature_names(encoder_names: Sequence[str]) -> tuple[str, ...]:
    return (
        *LEXICAL_FEATURES,
        *(dense_feature(n) for n in encoder_names),
        *signals.STRUCTURED_FEATURES,
    )


class PairFeaturizer:
    """All signals for pairs of `projects` × `resources`, computed by blocks of projects."""

    def __init__(
        self,
        projects: Sequence[Project],
        resources: Sequence[Resource],
        encoders: Mapping[str, Encoder],
        progress: Progress | None = None,
    ) -> None:
        self.projects = list(projects)
        self.resources = list(resources)
        self.encoder_names = tuple(encoders)
        self.names = feature_names(self.encoder_names)
        project_texts = [p.text for p in self.projects]
        resource_texts = [r.text for r in self.resources]

        self.tfidf = CharNgramScorer().fit(project_texts + resource_texts)
        self.project_ngrams = self.tfidf.vectorizer_.transform(project_texts)
        self.resource_ngrams = self.tfidf.vectorizer_.transform(resource_texts)
        self.bm25 = BM25Scorer().fit(resource_texts)

        self.project_vectors: dict[str, np.ndarray] = {}
        self.resource_vectors: dict[str, np.ndarray] = {}
        for name, encoder in encoders.items():
            if progress:
                progress(f"编码 {name}", 0, 2)
            self.project_vectors[name] = encoder.encode_queries(project_texts)
            if progress:
                progress(f"编码 {name}", 1, 2)
            self.resource_vectors[name] = encoder.encode_passages(resource_texts)
            if progress:
                progress(f"编码 {name}", 2, 2)

        self.project_profiles = signals.project_profiles(self.projects)
        self.resource_profiles = signals.resource_profiles(self.resources)
        self.region_weight = signals.region_weights([r.type for r in self.resources])

    def block(self, rows: np.ndarray | slice) -> np.ndarray:
        """Features for the projects at `rows`: float32 (n_rows, n_resources, n_features)."""
        index = np.arange(len(self.projects))[rows]
        columns: list[np.ndarray] = []
        columns.append(_zscore(self.bm25.score([self.projects[i].text for i in index])))
        ngrams = self.project_ngrams[index] @ self.resource_ngrams.T
        columns.append(_zscore(np.asarray(ngrams.toarray(), dtype=np.float32)))
        for name in self.encoder_names:
            columns.append(
                _zscore(self.project_vectors[name][index] @ self.resource_vectors[name].T)
            )
        own = signals.own_institution([self.projects[i] for i in index], self.resources)
        structured = signals.structured_features(
            self.project_profiles.take(index), self.resource_profiles, own, self.region_weight
        )
        columns.extend(structured[name] for name in signals.STRUCTURED_FEATURES)
        return np.stack(columns, axis=-1).astype(np.float32, copy=False)

    def for_projects(
        self, projects: Sequence[Project], project_vectors: Mapping[str, np.ndarray]
    ) -> PairFeaturizer:
        """Other projects against the same providers, reusing the fitted lexical models."""
        other = copy.copy(self)
        other.projects = list(projects)
        other.project_vectors = {name: project_vectors[name] for name in self.encoder_names}
        other.project_profiles = signals.project_profiles(other.projects)
        texts = [p.text for p in other.projects]
        width = self.resource_ngrams.shape[1]
        other.project_ngrams = (
            self.tfidf.vectorizer_.transform(texts)
            if texts
            else sp.csr_matrix((0, width), dtype=np.float32)
        )
        return other

    def merged(self, keep: np.ndarray, other: PairFeaturizer) -> PairFeaturizer:
        """This featurizer's projects at `keep`, then `other`'s (same providers and models)."""
        out = copy.copy(self)
        out.projects = [self.projects[i] for i in keep] + other.projects
        out.project_ngrams = sp.vstack([self.project_ngrams[keep], other.project_ngrams]).tocsr()
        out.project_vectors = {
            name: np.concatenate([self.project_vectors[name][keep], other.project_vectors[name]])
            for name in self.encoder_names
        }
        out.project_profiles = self.project_profiles.take(keep).concat(other.project_profiles)
        return out

    def blocks(self, size: int = 256, progress: Progress | None = None):
        """(row indices, features) for consecutive blocks of projects."""
        total = len(self.projects)
        for start in range(0, total, size):
            rows = np.arange(start, min(start + size, total))
            yield rows, self.block(rows)
            if progress:
                progress("打分", int(rows[-1]) + 1, total)


def _zscore(scores: np.ndarray) -> np.ndarray:
    """Per-project standardisation: raw scales differ by query length and encoder."""
    mean = scores.mean(axis=1, keepdims=True)
    std = scores.std(axis=1, keepdims=True)
    return np.where(std > 1e-9, (scores - mean) / np.maximum(std, 1e-9), 0.0).astype(np.float32)
