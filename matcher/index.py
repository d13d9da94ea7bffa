"""FAISS vector store: build, search, add/remove, save/load atomically, self-describing.

Vectors are L2-normalised embeddings, so inner product is cosine similarity. Up to
``APPROXIMATE_ABOVE`` vectors the index is exact (``IndexFlatIP``, ~14 ms a query at 100k);
beyond it an HNSW graph. Row ``i`` of the FAISS index belongs to ``ids[i]``; the id list is
saved beside the index in a JSON sidecar that also records the model, dimension and a checksum
of the index file, and ``load`` refuses anything that does not agree.

Search queries in batches: FAISS uses BLAS only when n_queries × d ≥ 128,000 (its default,
left alone: lowering it gave no consistent gain here). FAISS indexes allow concurrent searches but not a search during ``add``/``remove``: mutate a
copy (``VectorIndex.load`` or ``build``) and swap it in.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import faiss
import numpy as np

from matcher.errors import IndexMismatchError
from matcher.files import atomic_path

logger = logging.getLogger(__name__)

APPROXIMATE_ABOVE = 200_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
# IVF: √n inverted lists (k-means on the vectors, FAISS's fixed seed), IVF_PROBES of them searched
IVF_PROBES = 16
FORMAT_VERSION = 1


def sidecar_path(path: Path) -> Path:
    """Where the JSON description of the index at ``path`` lives."""
    return path.with_name(path.name + ".json")


def _as_matrix(vectors: np.ndarray, dim: int | None = None) -> np.ndarray:
    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or (dim is not None and matrix.shape[1] != dim):
        raise ValueError(f"expected vectors of shape (n, {dim or 'd'}), got {matrix.shape}")
    return matrix


def _new_faiss_index(dim: int, kind: str, train: np.ndarray | None = None) -> faiss.Index:
    """An empty index of `kind`; an IVF index is trained on `train` first."""
    if kind == "ivf":
        if train is None:
            raise ValueError("an IVF index needs vectors to train its lists on")
        lists = max(1, int(np.sqrt(len(train))))
        ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT)
        ivf.cp.min_points_per_centroid = 1  # no warning for small training sets
        ivf.train(train)
        ivf.nprobe = min(IVF_PROBES, lists)
        return ivf
    if kind == "flat":
        return faiss.IndexFlatIP(dim)
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        return index
    raise ValueError(f"unknown index kind {kind!r}")


class VectorIndex:
    """Nearest-neighbour search over embeddings labelled with domain ids (strings)."""

    def __init__(self, index: faiss.Index, ids: list[str], model_id: str, kind: str) -> None:
        if index.ntotal != len(ids):
            raise IndexMismatchError(f"index holds {index.ntotal} vectors but {len(ids)} ids")
        self.index = index
        self.ids = list(ids)
        self.model_id = model_id
        self.kind = kind
        self._reindex()
        if len(self._row_of) != len(ids):
            raise ValueError("ids must be unique")

    def _reindex(self) -> None:
        self._row_of = {id_: row for row, id_ in enumerate(self.ids)}
        self._labels = np.array([*self.ids, None], dtype=object)  # row -1 → None

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return int(self.index.d)

    @property
    def ntotal(self) -> int:
        """Number of vectors."""
        return int(self.index.ntotal)

    def __len__(self) -> int:
        return self.ntotal

    def __contains__(self, id_: object) -> bool:
        return id_ in self._row_of

    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        ids: Sequence[str],
        model_id: str,
        *,
        approximate_above: int = APPROXIMATE_ABOVE,
        kind: str | None = None,
    ) -> VectorIndex:
        """Exact index for up to ``approximate_above`` vectors, HNSW beyond; or of ``kind``
        ("flat", "ivf", "hnsw") when given."""
        matrix = _as_matrix(vectors)
        if len(ids) != len(matrix):
            raise ValueError(f"{len(matrix)} vectors but {len(ids)} ids")
        kind = kind or ("hnsw" if len(matrix) > approximate_above else "flat")
        index = _new_faiss_index(matrix.shape[1], kind, matrix)
        index.add(matrix)
        logger.info(
            "built %s index: %d vectors, d=%d, model %s",
            kind,
            len(matrix),
            matrix.shape[1],
            model_id,
        )
        return cls(index, [str(i) for i in ids], model_id, kind)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, ids) per query row, best first; ids is an object array of str.

        ``k`` is capped at the index size; slots HNSW could not fill have id None, score -inf.
        """
        scores, rows = self.search_rows(queries, k)
        return scores, self._labels[rows]

    def search_rows(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """`search` with row numbers (int64, −1 for an unfilled slot) in place of ids."""
        matrix = _as_matrix(queries, self.dim)
        k = min(k, self.ntotal)
        if k <= 0:
            return np.zeros((len(matrix), 0), np.float32), np.zeros((len(matrix), 0), np.int64)
        scores, rows = self.index.search(matrix, k)
        return np.where(rows >= 0, scores, -np.inf).astype(np.float32), rows.astype(np.int64)

    def add(self, vectors: np.ndarray, ids: Sequence[str]) -> None:
        """Add vectors; an id already present is replaced."""
        matrix = _as_matrix(vectors, self.dim)
        new_ids = [str(i) for i in ids]
        if len(new_ids) != len(matrix) or len(set(new_ids)) != len(new_ids):
            raise ValueError("need exactly one unique id per vector")
        self.remove([i for i in new_ids if i in self._row_of])
        self.index.add(matrix)
        self.ids.extend(new_ids)
        self._reindex()

    def remove(self, ids: Sequence[str]) -> int:
        """Remove vectors by id (unknown ids are ignored); returns how many were removed.

        The flat index removes in place; HNSW and IVF are rebuilt from their vectors (IVF would
        keep gaps in its row numbers).
        """
        rows = sorted({self._row_of[str(i)] for i in ids if str(i) in self._row_of})
        if not rows:
            return 0
        if self.kind == "flat":
            removed = self.index.remove_ids(faiss.IDSelectorBatch(np.asarray(rows, dtype=np.int64)))
            if removed != len(rows):
                raise IndexMismatchError(f"FAISS removed {removed} of {len(rows)} rows")
        else:
            keep = np.setdiff1d(np.arange(self.ntotal), rows)
            if self.kind == "ivf":
                cast(Any, self.index).make_direct_map()  # so vectors can be read back
            kept = self.index.reconstruct_n(0, self.ntotal)[keep]
            self.index = _new_faiss_index(self.dim, self.kind, kept)
            self.index.add(kept)
        dropped = set(rows)
        self.ids = [id_ for row, id_ in enumerate(self.ids) if row not in dropped]
        self._reindex()
        return len(rows)

    def describe(self) -> dict[str, Any]:
        """What the sidecar records (without the index checksum)."""
        return {
            "format_version": FORMAT_VERSION,
            "model_id": self.model_id,
            "dim": self.dim,
            "kind": self.kind,
            "ntotal": self.ntotal,
            "ids": self.ids,
        }

    def save(self, path: Path) -> None:
        """Write ``path`` (FAISS) and ``path.json`` (sidecar), each via temp file + rename.

        The sidecar, replaced last, carries the index file's sha256, so a crash between the
        two renames is caught at load instead of pairing an index with the wrong ids.
        """
        path = Path(path)
        blob = faiss.serialize_index(self.index).tobytes()
        meta = self.describe() | {"index_sha256": hashlib.sha256(blob).hexdigest()}
        # the inner block's file (the index) is replaced first, the sidecar last
        with atomic_path(sidecar_path(path)) as sidecar_tmp, atomic_path(path) as index_tmp:
            index_tmp.write_bytes(blob)
            sidecar_tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path, expected_model_id: str, expected_dim: int) -> VectorIndex:
        """Load a saved index; IndexMismatchError if it belongs to another model or dimension,
        or if the index and its sidecar disagree."""
        path = Path(path)
        try:
            meta = json.loads(sidecar_path(path).read_text(encoding="utf-8"))
            blob = path.read_bytes()
        except (OSError, ValueError) as error:
            raise IndexMismatchError(f"cannot read index {path}: {error}") from error
        if meta.get("model_id") != expected_model_id:
            raise IndexMismatchError(
                f"index {path} was built with model {meta.get('model_id')!r}, "
                f"not {expected_model_id!r}: rebuild it"
            )
        if meta.get("dim") != expected_dim:
            raise IndexMismatchError(
                f"index {path} has dimension {meta.get('dim')}, expected {expected_dim}"
            )
        if hashlib.sha256(blob).hexdigest() != meta.get("index_sha256"):
            raise IndexMismatchError(f"index {path} does not match its sidecar (interrupted save?)")
        index = faiss.deserialize_index(np.frombuffer(blob, dtype=np.uint8))
        ids = meta.get("ids", [])
        if not (index.ntotal == meta.get("ntotal") == len(ids)) or index.d != expected_dim:
            raise IndexMismatchError(
                f"index {path} holds {index.ntotal} vectors of d={index.d}; "
                f"sidecar says {meta.get('ntotal')} with {len(ids)} ids"
            )
        if meta.get("kind") == "hnsw":
            cast(Any, index).hnsw.efSearch = HNSW_EF_SEARCH
        if meta.get("kind") == "ivf":
            cast(Any, index).nprobe = min(IVF_PROBES, cast(Any, index).nlist)
        return cls(index, [str(i) for i in ids], expected_model_id, str(meta.get("kind")))
