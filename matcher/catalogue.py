"""A live catalogue: the current records, their embeddings in FAISS indexes, and ranked answers.

    catalogue = Catalogue(data_dir, encoders, fusion)
    catalogue.load(projects, resources)          # checks the saved indexes, encodes what is stale
    catalogue.update_projects([project])         # one row re-scored; only that text is encoded
    catalogue.current().resources_for("P001", 10)

Every change builds a new immutable `Snapshot` and swaps it in under a lock (copy-on-write), so
readers never see a half-updated state and never wait for a writer.

What a change costs, and what stays approximate:

- A project added, edited or removed re-scores only its own row. The lexical models (character
  n-gram TF-IDF over both sides, BM25 over providers) are kept from the last full build, so
  every row is scored against the same models; only TF-IDF weights drift as projects change.
- A provider added, edited or removed re-scores every row: pair features are standardised per
  project across all providers, so one provider shifts every project's scale. The lexical
  models are refitted then (cheap next to the fusion); embeddings still come from the indexes.
- `refresh()` rebuilds everything from the current records (no re-encoding) and removes the drift.

Embeddings live in one `VectorIndex` per encoder and side under ``data_dir``; a vector's id is
``record_id#digest-of-its-text``, so on load a record edited since the index was saved is
recognised as stale by its id alone, re-encoded (the embedding cache makes unchanged texts
free), and the index is saved again (temp file + rename, with a checksummed sidecar).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .errors import IndexMismatchError
from .features import PairFeaturizer
from .index import VectorIndex
from .plan.inputs import MatchScores
from .rank import Fusion, Match, Ranker, project_from_text
from .reasons import WordStats
from .schema import NEED, Project, Resource
from .text.encoders import Encoder
from .text.lexical import words

log = logging.getLogger(__name__)

_DIGEST_CHARS = 16
Sides = ("projects", "resources")


def vector_id(record_id: str, text: str) -> str:
    """The index id of a record's vector: its id plus a digest of the text it was encoded from."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:_DIGEST_CHARS]
    return f"{record_id}#{digest}"


def record_of(vector_label: str) -> str:
    return vector_label[: -_DIGEST_CHARS - 1]


class VectorStore:
    """One encoder's vectors of one side, persisted as a `VectorIndex` at `path`."""

    def __init__(self, path: Path, encoder: Encoder, kind: str) -> None:
        self.path = path
        self.encoder = encoder
        self.kind = kind  # "query" (projects) or "passage" (providers), as PairFeaturizer encodes
        self.index = self._open()
        held = self.index.index.reconstruct_n(0, self.index.ntotal) if self.index.ntotal else []
        self._vectors: dict[str, np.ndarray] = dict(zip(self.index.ids, held, strict=True))
        self.dirty = False

    def _open(self) -> VectorIndex:
        for leftover in self.path.parent.glob(f".{self.path.name}*.tmp"):
            leftover.unlink(missing_ok=True)  # a save interrupted before its rename
        if self.path.exists():
            try:
                return VectorIndex.load(self.path, self.encoder.model_id, self.encoder.dim)
            except IndexMismatchError as error:
                log.warning("rebuilding %s: %s", self.path, error)
        return VectorIndex.build(
            np.zeros((0, self.encoder.dim), np.float32), [], self.encoder.model_id
        )

    def record_ids(self) -> set[str]:
        return {record_of(label) for label in self.index.ids}

    def vectors(self, items: Sequence[tuple[str, str]]) -> np.ndarray:
        """Vectors for (record id, text) pairs, encoding and indexing only those not held yet."""
        labels = [vector_id(rid, text) for rid, text in items]
        missing = {label: text for label, (_, text) in zip(labels, items, strict=True)
                   if label not in self._vectors}  # fmt: skip
        if missing:
            encode = (self.encoder.encode_queries if self.kind == "query"
                      else self.encoder.encode_passages)  # fmt: skip
            fresh = np.asarray(encode(list(missing.values())), dtype=np.float32)
            replaced = {record_of(label) for label in missing}
            self.index.remove([old for old in self.index.ids if record_of(old) in replaced])
            self.index.add(fresh, list(missing))
            self._vectors = {k: v for k, v in self._vectors.items() if record_of(k) not in replaced}
            self._vectors.update(zip(missing, fresh, strict=True))
            self.dirty = True
        out = np.zeros((len(items), self.encoder.dim), dtype=np.float32)
        for i, label in enumerate(labels):
            out[i] = self._vectors[label]
        return out

    def retain(self, record_ids: Iterable[str]) -> int:
        """Drop vectors of records not in `record_ids`; returns how many went."""
        keep = set(record_ids)
        gone = [label for label in self.index.ids if record_of(label) not in keep]
        if gone:
            self.index.remove(gone)
            self._vectors = {k: v for k, v in self._vectors.items() if record_of(k) in keep}
            self.dirty = True
        return len(gone)

    def save(self) -> None:
        if self.dirty:
            self.index.save(self.path)
            self.dirty = False


class _Preloaded:
    """An encoder that answers from vectors already at hand, looked up by kind and text."""

    def __init__(
        self, model_id: str, dim: int, vectors: Mapping[str, dict[str, np.ndarray]]
    ) -> None:
        self.model_id, self.dim, self._vectors = model_id, dim, vectors

    def _encode(self, kind: str, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = self._vectors[kind][text]
        return out

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode("query", texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode("passage", texts)


class Snapshot:
    """One consistent state: records, features, fused scores and reasons. Never mutated.

    `ranker` is None while there are no providers (nothing to score against).
    """

    def __init__(
        self,
        projects: Sequence[Project],
        resources: Sequence[Resource],
        ranker: Ranker | None,
        version: int,
    ) -> None:
        self.projects = list(projects)
        self.resources = list(resources)
        self.ranker = ranker
        self.version = version
        self.project_row = {p.project_id: i for i, p in enumerate(self.projects)}
        self.resource_col = {r.resource_id: j for j, r in enumerate(self.resources)}

    def resources_for(
        self, project_id: str, top_k: int = 10, types: Sequence[str] = ()
    ) -> list[Match]:
        """Top providers for a known project; KeyError if the id is unknown."""
        row = self.project_row[project_id]
        return self.ranker.resources_for(row, top_k, types) if self.ranker else []

    def projects_for(self, resource_id: str, top_k: int = 10) -> list[Match]:
        """Top projects for a known provider; KeyError if the id is unknown."""
        column = self.resource_col[resource_id]
        return self.ranker.projects_for(column, top_k) if self.ranker else []

    def match_scores(self) -> MatchScores:
        """What the event planner needs, with scores rescaled to 0..1 (order kept)."""
        shape = (len(self.projects), len(self.resources))
        if self.ranker is None or not self.projects:
            empty = np.zeros(shape)
            return MatchScores(self.projects, self.resources, empty, empty.astype(bool))
        scores = self.ranker.scores.astype(np.float64)
        low, high = float(scores.min()), float(scores.max())
        scaled = (scores - low) / (high - low) if high > low else np.zeros_like(scores)
        return MatchScores(
            projects=list(self.projects),
            resources=list(self.resources),
            scores=scaled,
            strong=self.ranker.strong(),
            serves_need={need: self.ranker.serves_need(need) for need in NEED.keys},
            reasons=self.ranker.explain,
        )


class Catalogue:
    """The current records with their indexes on disk and a swappable scored snapshot."""

    def __init__(
        self,
        data_dir: Path,
        encoders: Mapping[str, Encoder],
        fusion: Fusion,
        query_encoders: Mapping[str, Encoder] | None = None,
    ) -> None:
        """`encoders` embed records (put the on-disk cache in front); `query_encoders` embed
        free text (default: the same), so callers can keep visitors' text out of the cache."""
        self.data_dir = Path(data_dir)
        self.encoders = dict(encoders)
        self.query_encoders = dict(query_encoders or encoders)
        self.fusion = fusion
        self._write_lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._stores: dict[tuple[str, str], VectorStore] = {}
        self._words: dict[str, set[str]] = {}
        # one thread per extra query encoder: on 2 cores, e5 (torch) and USE (numpy) overlap
        self._encoding = ThreadPoolExecutor(max(1, len(self.query_encoders) - 1),
                                            thread_name_prefix="query-encode")  # fmt: skip

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
    ) -> list[list[Match]]:
        """Ranked providers for free-text descriptions, all encoded as one batch.

        `top_k[i]` and `types[i]` (provider types) apply to answer i. Matches carry project
        ids ``query-<i>``; each list holds a strong provider for each need where one exists.
        """
        snapshot = self.current()
        if snapshot.ranker is None:
            return [[] for _ in texts]
        queries = [project_from_text(text, f"query-{i}") for i, text in enumerate(texts)]
        vectors = self._encode_queries(list(texts))
        ranker = self._score_rows(snapshot.ranker, queries, vectors)
        wanted = types or [()] * len(queries)
        ks = [top_k] * len(queries) if isinstance(top_k, int) else list(top_k)
        return [
            ranker.resources_for(i, ks[i], wanted[i], coverage=True) for i in range(len(queries))
        ]

    def _encode_queries(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Each query encoder's vectors; the first runs here, the others meanwhile in threads."""
        if not self.query_encoders:
            return {}
        (first, encoder), *others = self.query_encoders.items()
        pending = {
            name: self._encoding.submit(other.encode_queries, texts) for name, other in others
        }
        vectors = {first: encoder.encode_queries(texts)}
        vectors.update((name, future.result()) for name, future in pending.items())
        return {name: np.asarray(vectors[name], dtype=np.float32) for name in self.query_encoders}

    def check(self, project_ids: Iterable[str], resource_ids: Iterable[str]) -> list[str]:
        """Problems that make answers untrustworthy: the snapshot or an index differs from the
        given ids (the database's); empty when consistent."""
        if self._snapshot is None:
            return ["catalogue not loaded"]
        expected = {"projects": set(project_ids), "resources": set(resource_ids)}
        held = {"projects": set(self._snapshot.project_row),
                "resources": set(self._snapshot.resource_col)}  # fmt: skip
        problems = [
            f"{side}: {len(expected[side] - held[side])} missing, "
            f"{len(held[side] - expected[side])} unexpected in the scored snapshot"
            for side in Sides
            if expected[side] != held[side]
        ]
        for (name, side), store in list(self._stores.items()):
            if store.index.ntotal != len(expected[side]) or store.record_ids() != expected[side]:
                problems.append(f"index {name}/{side} holds {store.index.ntotal} vectors, "
                                f"expected {len(expected[side])}")  # fmt: skip
        return problems

    # -- writing -------------------------------------------------------------------------------

    def load(self, projects: Sequence[Project], resources: Sequence[Resource]) -> Snapshot:
        """Open the saved indexes, bring them in line with these records, and score everything."""
        with self._write_lock:
            for name, encoder in self.encoders.items():
                for side, kind in (("projects", "query"), ("resources", "passage")):
                    path = self.data_dir / "index" / f"{_safe(name)}-{side}.faiss"
                    self._stores[(name, side)] = VectorStore(path, encoder, kind)
            return self._rebuild(list(projects), list(resources))

    def refresh(self) -> Snapshot:
        """Re-fit the lexical models and re-score every pair from the current records."""
        with self._write_lock:
            snapshot = self.current()
            return self._rebuild(list(snapshot.projects), list(snapshot.resources))

    def replace_all(self, projects: Sequence[Project], resources: Sequence[Resource]) -> Snapshot:
        """Make the catalogue hold exactly these records."""
        with self._write_lock:
            return self._rebuild(list(projects), list(resources))

    def update_projects(
        self, upserts: Sequence[Project] = (), removed: Iterable[str] = ()
    ) -> Snapshot:
        """Add or replace projects by id, and remove others; only changed rows are scored."""
        gone = set(removed) | {p.project_id for p in upserts}
        return self._change_projects(list(upserts), gone)

    def update_resources(
        self, upserts: Sequence[Resource] = (), removed: Iterable[str] = ()
    ) -> Snapshot:
        """Add or replace providers by id, and remove others; every row is re-scored
        (see the module docstring)."""
        with self._write_lock:
            snapshot = self.current()
            gone = set(removed) | {r.resource_id for r in upserts}
            kept = [r for r in snapshot.resources if r.resource_id not in gone]
            return self._rebuild(list(snapshot.projects), kept + list(upserts))

    def _change_projects(self, upserts: list[Project], gone: set[str]) -> Snapshot:
        with self._write_lock:
            snapshot = self.current()
            old = snapshot.ranker
            if old is None:
                kept = [p for p in snapshot.projects if p.project_id not in gone]
                return self._rebuild(kept + upserts, snapshot.resources)
            keep = np.array([i for i, p in enumerate(old.projects) if p.project_id not in gone],
                            dtype=np.int64)  # fmt: skip
            vectors = {name: self._stores[(name, "projects")].vectors(
                           [(p.project_id, p.text) for p in upserts])
                       for name in self.encoders}  # fmt: skip
            fresh = self._score_rows(old, upserts, vectors)
            merged = old.featurizer.merged(keep, fresh.featurizer)
            stats = old.explain.words
            ranker = Ranker.from_scores(
                merged, self.fusion,
                np.concatenate([old.scores[keep], fresh.scores]),
                np.concatenate([old.excluded[keep], fresh.excluded]),
                WordStats([stats.project_words[i] for i in keep] + fresh.explain.words.project_words,
                          stats.resource_words, stats.idf),
            )  # fmt: skip
            for name in self.encoders:
                store = self._stores[(name, "projects")]
                store.retain(p.project_id for p in merged.projects)
                store.save()
            return self._swap(merged.projects, merged.resources, ranker)

    def _rebuild(self, projects: list[Project], resources: list[Resource]) -> Snapshot:
        encoders: dict[str, Encoder] = {}
        for name, encoder in self.encoders.items():
            by_text: dict[str, dict[str, np.ndarray]] = {}
            for side, records in (("projects", projects), ("resources", resources)):
                items = [(_record_id(x), x.text) for x in records]
                store = self._stores[(name, side)]
                store.retain(rid for rid, _ in items)
                vectors = store.vectors(items)
                by_text[store.kind] = dict(zip((t for _, t in items), vectors, strict=True))
                store.save()
            encoders[name] = _Preloaded(encoder.model_id, encoder.dim, by_text)
        if not resources:
            return self._swap(projects, resources, None)
        featurizer = PairFeaturizer(projects, resources, encoders)
        stats = WordStats.of([self._words_of(p.text) for p in projects],
                             [self._words_of(r.text) for r in resources])  # fmt: skip
        ranker = Ranker(featurizer, self.fusion, words=stats)
        ranker.scores  # noqa: B018 -- score now, in the writer, not in the first reader
        return self._swap(projects, resources, ranker)

    def _score_rows(
        self, base: Ranker, projects: list[Project], vectors: Mapping[str, np.ndarray]
    ) -> Ranker:
        """A ranker over `projects` × base's providers, with base's fitted models and words."""
        f = base.featurizer.for_projects(projects, vectors)
        features = (
            f.block(slice(None))
            if projects
            else np.zeros((0, len(f.resources), len(f.names)), np.float32)
        )
        scores = (
            self.fusion.predict(features)
            if projects
            else np.zeros((0, len(f.resources)), np.float32)
        )
        excluded = features[..., f.names.index("excluded")] > 0
        stats = base.explain.words
        return Ranker.from_scores(f, self.fusion, scores, excluded,
                                  WordStats([set(words(p.text)) for p in projects],
                                            stats.resource_words, stats.idf))  # fmt: skip

    def _swap(
        self, projects: Sequence[Project], resources: Sequence[Resource], ranker: Ranker | None
    ) -> Snapshot:
        version = self._snapshot.version + 1 if self._snapshot else 1
        snapshot = Snapshot(projects, resources, ranker, version)
        self._snapshot = snapshot  # one reference assignment: readers see old or new, whole
        log.info("catalogue v%d: %d projects × %d providers", version,
                 len(snapshot.projects), len(snapshot.resources))  # fmt: skip
        return snapshot

    def _words_of(self, text: str) -> set[str]:
        found = self._words.get(text)
        if found is None:
            found = self._words[text] = set(words(text))
        return found


def _record_id(record: Project | Resource) -> str:
    return record.project_id if isinstance(record, Project) else record.resource_id


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
