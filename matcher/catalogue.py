"""The one way to rank: a catalogue of records, scored into immutable snapshots.

    catalogue = Catalogue(encoders, fusion)
    snapshot = catalogue.load(projects, resources)   # embeds what the cache lacks, scores all
    snapshot.resources_for("P001", 10)               # a project's list, with reasons
    catalogue.update_projects([project])             # only that row is scored again
    catalogue.query(["一段描述"])                      # free text against the same providers

The command line holds a catalogue in memory for one run; the service keeps one for its life and
persists records in its database. Both therefore give the same lists, answers and plan scores.

A project's row depends only on itself and the providers (lexical models are fitted on provider
texts; text scores are standardised per project across providers), so adding, editing or removing
a project scores that row alone and is exact. A provider change re-scores every row. Vectors live
in one place, the encoders' on-disk embedding cache, so nothing is encoded twice.

Every change builds a new `Snapshot` and swaps it in under a lock (copy-on-write): readers never
see a half-updated state and never wait for a writer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .features import PairFeaturizer, Progress, project_vectors
from .fusion import MAX_GRADE
from .plan.inputs import MatchScores
from .prose import project_from_text
from .rank import DEFAULT_CANDIDATES, Fusion, Match, Ranker, scored_rows
from .reasons import WordStats
from .retrieval import Retriever
from .schema import NEED, Project, Resource
from .settings import DEFAULT_ANN_ABOVE
from .text.encoders import Encoder

log = logging.getLogger(__name__)

# Each need gets a strong provider in a project's top-k where one exists (see Ranker).
DEFAULT_COVERAGE = True


class Snapshot:
    """One consistent state: records, scores and reasons. Never mutated.

    `ranker` is None while there are no providers (nothing to score against).
    """

    def __init__(
        self,
        projects: Sequence[Project],
        resources: Sequence[Resource],
        ranker: Ranker | None,
        version: int,
        coverage: bool = DEFAULT_COVERAGE,
    ) -> None:
        self.projects = list(projects)
        self.resources = list(resources)
        self.ranker = ranker
        self.version = version
        self.coverage = coverage
        self.project_row = {p.project_id: i for i, p in enumerate(self.projects)}
        self.resource_col = {r.resource_id: j for j, r in enumerate(self.resources)}

    def resources_for(
        self, project_id: str, top_k: int = 10, types: Sequence[str] = ()
    ) -> list[Match]:
        """Top providers for a known project; KeyError if the id is unknown."""
        row = self.project_row[project_id]
        if self.ranker is None:
            return []
        return self.ranker.resources_for(row, top_k, types, coverage=self.coverage)

    def projects_for(self, resource_id: str, top_k: int = 10) -> list[Match]:
        """Top projects for a known provider; KeyError if the id is unknown."""
        column = self.resource_col[resource_id]
        return self.ranker.projects_for(column, top_k) if self.ranker else []

    def match_scores(self) -> MatchScores:
        """What the event planner needs: expected grades scaled to 0..1, strong pairs, needs."""
        shape = (len(self.projects), len(self.resources))
        if self.ranker is None or not self.projects:
            empty = np.zeros(shape)
            return MatchScores(self.projects, self.resources, empty, empty.astype(bool))
        return MatchScores(
            projects=list(self.projects),
            resources=list(self.resources),
            scores=np.clip(self.ranker.scores.astype(np.float64) / MAX_GRADE, 0.0, 1.0),
            strong=self.ranker.strong(),
            serves_need={need: self.ranker.serves_need(need) for need in NEED.keys},
            reasons=self.ranker.explain,
        )


class Catalogue:
    """The current records and a swappable scored snapshot of them."""

    def __init__(
        self,
        encoders: Mapping[str, Encoder],
        fusion: Fusion,
        query_encoders: Mapping[str, Encoder] | None = None,
        coverage: bool = DEFAULT_COVERAGE,
        candidates: int = DEFAULT_CANDIDATES,
        ann_above: int = DEFAULT_ANN_ABOVE,
    ) -> None:
        """`encoders` embed records (put the on-disk cache in front); `query_encoders` embed
        free text (default: the same), so callers can keep visitors' text out of the cache.
        `candidates`: providers per project a fusion of trees scores (`rank.score_block`), and
        each source of the first stage gives, above `ann_above` providers (`retrieval`)."""
        self.encoders = dict(encoders)
        self.query_encoders = dict(query_encoders or encoders)
        self.fusion = fusion
        self.coverage = coverage
        self.candidates = candidates
        self.ann_above = ann_above
        self._write_lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        # one thread per extra query encoder: on 2 cores, e5 (torch) and USE (numpy) overlap
        self._encoding = ThreadPoolExecutor(
            max(1, len(self.query_encoders) - 1), thread_name_prefix="query-encode"
        )

    # -- reading -------------------------------------------------------------------------------

    def current(self) -> Snapshot:
        """The snapshot to answer from; RuntimeError before `load`."""
        snapshot = self._snapshot
        if snapshot is None:
            raise RuntimeError("catalogue not loaded yet")
        return snapshot

    @property
    def loaded(self) -> bool:
        return self._snapshot is not None

    def query(
        self,
        texts: Sequence[str],
        top_k: int | Sequence[int] = 5,
        types: Sequence[Sequence[str]] | None = None,
        snapshot: Snapshot | None = None,
    ) -> list[list[Match]]:
        """Ranked providers for free-text descriptions, all encoded as one batch.

        `top_k[i]` and `types[i]` (provider types) apply to answer i; matches carry project ids
        ``query-<i>``. Pass `snapshot` to answer from the same state as other reads.
        """
        snapshot = snapshot or self.current()
        if snapshot.ranker is None:
            return [[] for _ in texts]
        queries = [project_from_text(text, f"query-{i}") for i, text in enumerate(texts)]
        vectors = self._encode_queries(queries)
        ranker = self._score_rows(snapshot.ranker, queries, vectors)
        wanted = types or [()] * len(queries)
        ks = [top_k] * len(queries) if isinstance(top_k, int) else list(top_k)
        return [
            ranker.resources_for(i, ks[i], wanted[i], coverage=snapshot.coverage)
            for i in range(len(queries))
        ]

    def _encode_queries(self, queries: list[Project]) -> dict[str, np.ndarray]:
        """Each query encoder's vectors; the first runs here, the others meanwhile in threads."""
        if not self.query_encoders:
            return {}
        (first, encoder), *others = self.query_encoders.items()
        pending = [
            self._encoding.submit(project_vectors, {name: other}, queries) for name, other in others
        ]
        vectors = project_vectors({first: encoder}, queries)
        for future in pending:
            vectors.update(future.result())
        return vectors

    def score_projects(
        self, projects: Sequence[Project], progress: Progress | None = None
    ) -> Snapshot:
        """A snapshot of `projects` against the current providers, leaving the catalogue as it is.

        The providers' fitted models, vectors and words are reused and the rows are scored as
        `load` scores them, so any shard of projects gets, to the bit, the rows a whole load gives.
        """
        base = self.current()
        if base.ranker is None:
            return Snapshot(projects, base.resources, None, base.version, self.coverage)
        featurizer = base.ranker.featurizer.for_projects(
            projects, project_vectors(self.encoders, projects)
        )
        words = WordStats.of_records(projects, [], base=base.ranker.explain.words)
        ranker = Ranker(
            featurizer,
            self.fusion,
            words=words,
            candidates=self.candidates,
            retriever=base.ranker.retriever,
        )
        ranker.with_progress(progress).scores  # noqa: B018 -- score now, like `load`
        return Snapshot(projects, base.resources, ranker, base.version, self.coverage)

    def check(self, project_ids: Iterable[str], resource_ids: Iterable[str]) -> list[str]:
        """How the scored snapshot differs from the given ids (the database's); empty when equal."""
        if self._snapshot is None:
            return ["catalogue not loaded"]
        expected = {"projects": set(project_ids), "resources": set(resource_ids)}
        held = {
            "projects": set(self._snapshot.project_row),
            "resources": set(self._snapshot.resource_col),
        }
        return [
            f"{side}: {len(expected[side] - held[side])} missing, "
            f"{len(held[side] - expected[side])} unexpected in the scored snapshot"
            for side in expected
            if expected[side] != held[side]
        ]

    # -- writing -------------------------------------------------------------------------------

    def load(
        self,
        projects: Sequence[Project],
        resources: Sequence[Resource],
        progress: Progress | None = None,
    ) -> Snapshot:
        """Score these records (encoding only texts the cache lacks) and make them current."""
        with self._write_lock:
            return self._rebuild(list(projects), list(resources), progress)

    def refresh(self) -> Snapshot:
        """Re-score every pair from the current records."""
        with self._write_lock:
            snapshot = self.current()
            return self._rebuild(snapshot.projects, snapshot.resources)

    replace_all = load

    def use_fusion(self, fusion: Fusion) -> Snapshot:
        """Score every pair with `fusion` from now on (a new model version, or a rollback)."""
        with self._write_lock:
            self.fusion = fusion
            snapshot = self.current()
            return self._rebuild(snapshot.projects, snapshot.resources)

    def update_projects(
        self, upserts: Sequence[Project] = (), removed: Iterable[str] = ()
    ) -> Snapshot:
        """Add or replace projects by id, and remove others; only changed rows are scored."""
        gone = set(removed) | {p.project_id for p in upserts}
        with self._write_lock:
            snapshot = self.current()
            old = snapshot.ranker
            kept_index = [i for i, p in enumerate(snapshot.projects) if p.project_id not in gone]
            if old is None:
                kept = [snapshot.projects[i] for i in kept_index]
                return self._swap(kept + list(upserts), snapshot.resources, None)
            keep = np.array(kept_index, dtype=np.int64)
            vectors = project_vectors(self.encoders, upserts)
            fresh = self._score_rows(old, list(upserts), vectors)
            merged = old.featurizer.merged(keep, fresh.featurizer)
            stats = old.explain.words
            ranker = Ranker.from_scores(
                merged,
                self.fusion,
                np.concatenate([old.scores[keep], fresh.scores]),
                np.concatenate([old.excluded[keep], fresh.excluded]),
                WordStats(
                    [stats.project_words[i] for i in keep] + fresh.explain.words.project_words,
                    stats.resource_words,
                    stats.idf,
                ),
                old.retriever,
            )
            return self._swap(merged.projects, merged.resources, ranker)

    def update_resources(
        self, upserts: Sequence[Resource] = (), removed: Iterable[str] = ()
    ) -> Snapshot:
        """Add or replace providers by id, and remove others; every row is re-scored."""
        with self._write_lock:
            snapshot = self.current()
            gone = set(removed) | {r.resource_id for r in upserts}
            kept = [r for r in snapshot.resources if r.resource_id not in gone]
            return self._rebuild(snapshot.projects, kept + list(upserts))

    def _rebuild(
        self,
        projects: list[Project],
        resources: list[Resource],
        progress: Progress | None = None,
    ) -> Snapshot:
        if not resources:
            return self._swap(projects, resources, None)
        featurizer = PairFeaturizer(projects, resources, self.encoders, progress)
        retriever = None
        if len(resources) > self.ann_above:
            retriever = Retriever(featurizer, self.candidates)
        ranker = Ranker(
            featurizer,
            self.fusion,
            words=WordStats.of_records(projects, resources),
            candidates=self.candidates,
            retriever=retriever,
        )
        ranker.with_progress(progress).scores  # noqa: B018 -- score now, in the writer
        return self._swap(projects, resources, ranker)

    def _score_rows(
        self, base: Ranker, projects: list[Project], vectors: Mapping[str, np.ndarray]
    ) -> Ranker:
        """A ranker over `projects` × base's providers, with base's fitted models and words."""
        f = base.featurizer.for_projects(projects, vectors)
        shape = (len(projects), len(f.resources))
        if projects:
            rows = np.arange(len(projects))
            scores, excluded = scored_rows(
                f, self.fusion, rows, base.resource_ids, self.candidates, base.retriever
            )
        else:
            excluded, scores = np.zeros(shape, bool), np.zeros(shape, np.float32)
        stats = base.explain.words
        words = WordStats.of_records(projects, [], base=stats)
        return Ranker.from_scores(f, self.fusion, scores, excluded, words, base.retriever)

    def _swap(
        self, projects: Sequence[Project], resources: Sequence[Resource], ranker: Ranker | None
    ) -> Snapshot:
        version = self._snapshot.version + 1 if self._snapshot else 1
        snapshot = Snapshot(projects, resources, ranker, version, self.coverage)
        self._snapshot = snapshot  # one reference assignment: readers see old or new, whole
        log.info(
            "catalogue v%d: %d projects × %d providers",
            version,
            len(snapshot.projects),
            len(snapshot.resources),
        )
        return snapshot
