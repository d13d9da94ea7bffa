"""The first stage of ranking on big catalogues: a few hundred candidate providers per project.

Below `MATCHER_ANN_ABOVE` providers every pair is scored (`rank.score_block`). Above it, a
project's candidates are the union of its top `MATCHER_CANDIDATES` providers by each dense
encoder (a FAISS index, `index.VectorIndex`: exact up to its size limit, HNSW beyond), by BM25
(the whole row is a sparse product over the providers' words) and, among the first encoder's
`WIDE` × `MATCHER_CANDIDATES` nearest, the first `MATCHER_CANDIDATES` offering a need the
project states (the linear model weighs a need met as much as all text together), minus the
providers whose explicit rules exclude the project. Full features and the fusion score those
pairs only; every other pair sits at `rank.UNSCORED` (a vetoed one at `rank.VETOED`).

Features are standardised per project over *all* providers (`fusion.zscores`), which is what made
the exact path touch every pair. Here the per-project mean and spread of each feature come from:

- lexical features: the whole rows, exactly (they are cheap sparse products);
- dense features: exactly, from the providers' mean vector μ and covariance Σ (q·μ, √(qᵀΣq));
- provider-type priors: exactly, from the providers alone;
- own institution: exactly, from the count of the project's own providers;
- the other structured features: exactly over the distinct values of the provider fields each
  reads (`signals.READS`; one provider of each, weighted by its count) when there are at most
  `SAMPLE` of them, as for the need, role, track, stage and region fits; otherwise (the
  specialty fits, on big catalogues) estimated on a fixed, seeded sample of `SAMPLE` providers.
  A fit that no sampled provider has gets no weight from the linear model for that project (a
  zero spread), where the exact path would weigh it.

A project's candidates and scores depend on it and the providers only, so shards of projects
(Ray, the service's single-row updates) get the rows a whole run gets.
"""

from __future__ import annotations

import numpy as np

from .features import NEED, Moments, PairFeaturizer, SpreadSource, pair_similarities
from .index import APPROXIMATE_ABOVE, VectorIndex
from .rank import best
from .schema import RESOURCE_TYPE
from .signals import NEED_BIT, READS, Profiles

SAMPLE = 1024  # most distinct values measured exactly; beyond, providers sampled
# Extra providers asked of FAISS, re-ranked by similarity summed cell by cell: FAISS's BLAS sums
# differ in their last bits with the batch's shape, and such a tie at the k-th place must not
# make a shard of projects (Ray) pick other candidates than the whole run.
MARGIN = 16
WIDE = 2  # the first encoder's search, of which providers offering a project's needs are taken


class Retriever:
    """Candidate search over one set of providers (build once, query by blocks of projects)."""

    def __init__(
        self,
        featurizer: PairFeaturizer,
        candidates: int,
        sample: int = SAMPLE,
        approximate_above: int = APPROXIMATE_ABOVE,
        seed: int = 0,
    ) -> None:
        """`candidates`: providers each source (every encoder, BM25, needs) contributes."""
        n = len(featurizer.resources)
        ids = [str(j) for j in range(n)]
        self.candidates = candidates
        vectors = featurizer.resource_vectors
        self.indexes = {
            name: VectorIndex.build(vectors[name], ids, name, approximate_above=approximate_above)
            for name in featurizer.encoder_names
        }
        self.offers = (
            featurizer.resource_profiles.needs_field | featurizer.resource_profiles.needs_text
        )
        profiles, region_weight = featurizer.resource_profiles, featurizer.region_weight
        by_fields = {  # one sample per set of fields read, shared by the features reading it
            fields: _spread_sample(profiles, region_weight, fields, sample, seed)
            for fields in set(READS.values())
        }
        kinds = featurizer.resource_profiles.kind
        self.spreads = SpreadSource(
            dense={
                name: Moments.of(featurizer.resource_vectors[name])
                for name in {key.removesuffix(NEED) for key in featurizer.dense_keys}
            },
            samples={name: by_fields[fields] for name, fields in READS.items()},
            exact={
                f"type_{key}": (float((kinds == j).mean()), float((kinds == j).std()))
                for j, key in enumerate(RESOURCE_TYPE.keys)
            },
        )

    def search(
        self,
        featurizer: PairFeaturizer,
        rows: np.ndarray,
        bm25: np.ndarray,
        excluded: np.ndarray,
    ) -> np.ndarray:
        """Each project's candidates (len(rows), width), ascending provider indices, a row
        shorter than the widest padded with its own first candidate (scored twice, the same).

        `bm25` (len(rows), n_providers): the projects' raw BM25 rows; `excluded` the veto.
        """
        k, found = self.candidates, [_top(bm25, self.candidates)]
        for position, (name, index) in enumerate(self.indexes.items()):
            queries = featurizer.project_vectors[name][rows]
            wide = k * WIDE if position == 0 else 0
            near = nearest(index, queries, featurizer.resource_vectors[name], k, wide)
            found.append(near[:, :k])
            if position == 0:
                profiles = featurizer.project_profiles
                found.append(
                    self._offering(near, (profiles.needs_field | profiles.needs_text)[rows])
                )
        pooled = np.concatenate(found, axis=1)
        chosen = []
        for i, cells in enumerate(pooled):
            cells = np.unique(cells[cells >= 0])
            chosen.append(cells[~excluded[i, cells]])
        width = max([1, *(len(c) for c in chosen)])
        out = np.zeros((len(chosen), width), dtype=np.int64)
        for i, cells in enumerate(chosen):
            if len(cells):
                out[i, : len(cells)], out[i, len(cells) :] = cells, cells[0]
        return out

    def _offering(self, near: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        """Of each project's `near` providers (best first), the first `candidates` offering a
        need it has (`wanted` bits); −1 elsewhere."""
        offers = np.where(near >= 0, self.offers[np.maximum(near, 0)], 0)
        serves = (offers & wanted[:, None]) != 0
        return np.where(serves & (np.cumsum(serves, axis=1) <= self.candidates), near, -1)


def nearest(
    index: VectorIndex, queries: np.ndarray, vectors: np.ndarray, k: int, wide: int = 0
) -> np.ndarray:
    """Each query's top `k` rows of `index` (built on `vectors`), best first by similarity
    summed cell by cell (`pair_similarities`) among what FAISS returns, then (up to `wide` in
    all) the rows FAISS ranks next, in its order; −1 where a search found fewer."""
    _, rows = index.search_rows(queries, max(k + MARGIN, wide))
    head = rows[:, : k + MARGIN]
    exact = pair_similarities(queries, vectors, np.maximum(head, 0))
    exact[head < 0] = -np.inf
    order = np.lexsort((head, -exact), axis=-1)[:, :k]  # ties: the lower row first
    top = np.take_along_axis(head, order, axis=1)
    rest = [r[~np.isin(r, t)] for r, t in zip(rows, top, strict=True)] if wide > k else []
    if not rest:
        return top
    width = max(len(r) for r in rest)
    rest_rows = np.array([np.pad(r, (0, width - len(r)), constant_values=-1) for r in rest])
    return np.concatenate([top, rest_rows.reshape(len(top), width)], axis=1)[:, : max(k, wide)]


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Each row's k highest-scoring columns with a positive score, ties to the lower column (as
    FAISS and `rank.best` break them, so sources agree on repeated providers); −1 fills."""
    out = np.full((len(scores), min(k, scores.shape[1])), -1, dtype=np.int64)
    for i, row in enumerate(scores):
        top = best(row, row > 0, k)
        out[i, : len(top)] = top
    return out


def _spread_sample(
    profiles: Profiles,
    region_weight: np.ndarray,
    fields: tuple[str, ...],
    size: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Providers to measure a structured feature's spread on, and how many each stands for.

    The feature reads a provider only through `fields` (`signals.READS`), so when at most
    `size` distinct values of them exist, one provider of each, weighted by its count, gives
    the exact spread; otherwise a seeded uniform sample of `size` providers estimates it.
    """
    offers = profiles.needs_field | profiles.needs_text
    columns = {"offers": offers, "region_weight": region_weight}
    columns |= {f"offers&{key}": (offers & bit) != 0 for key, bit in NEED_BIT.items()}
    keys = zip(*(columns.get(f, getattr(profiles, f, None)) for f in fields), strict=True)
    first: dict[tuple, int] = {}
    counts: dict[tuple, int] = {}
    for j, key in enumerate(keys):
        first.setdefault(key, j)
        counts[key] = counts.get(key, 0) + 1
    if len(first) <= size:
        return np.array(list(first.values()), np.int64), np.array(list(counts.values()), np.float32)
    n = len(region_weight)
    chosen = np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))
    return chosen, np.ones(size, dtype=np.float32)
