"""VectorIndex: exact search, mutation, self-describing atomic persistence, HNSW above a size,
IVF when asked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matcher.errors import IndexMismatchError, MatcherError, ModelError
from matcher.index import VectorIndex, sidecar_path


def unit_rows(n: int, d: int, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def ids_for(n: int, prefix: str = "R") -> list[str]:
    return [f"{prefix}{i:04d}" for i in range(n)]


def assert_same_neighbours(
    scores: np.ndarray,
    ids: np.ndarray,
    vectors: np.ndarray,
    all_ids: list[str],
    queries: np.ndarray,
    k: int,
) -> None:
    """Like faiss.contrib.evaluation: compare scores, and accept any id whose true score ties."""
    truth = queries @ vectors.T
    expected = -np.sort(-truth, axis=1)[:, :k]
    np.testing.assert_allclose(scores, expected, atol=1e-5)
    row_of = {id_: row for row, id_ in enumerate(all_ids)}
    for q in range(len(queries)):
        true_scores = [truth[q, row_of[i]] for i in ids[q]]
        np.testing.assert_allclose(true_scores, scores[q], atol=1e-5)
        assert len(set(ids[q])) == k


@pytest.mark.parametrize(("n", "d", "k"), [(1, 4, 1), (50, 8, 5), (300, 16, 10), (7, 3, 20)])
def test_flat_search_equals_brute_force(n: int, d: int, k: int) -> None:
    vectors, ids = unit_rows(n, d), ids_for(n)
    index = VectorIndex.build(vectors, ids, "m@1")
    queries = unit_rows(6, d, seed=1)
    scores, found = index.search(queries, k)
    assert index.kind == "flat" and scores.shape == found.shape == (6, min(k, n))
    assert_same_neighbours(scores, found, vectors, ids, queries, min(k, n))


def test_ties_are_allowed() -> None:
    vectors = np.array([[1, 0], [1, 0], [0, 1], [1, 0]], dtype=np.float32)  # three equal rows
    index = VectorIndex.build(vectors, ["a", "b", "c", "d"], "m@1")
    scores, found = index.search(np.array([[1, 0]], dtype=np.float32), 2)
    assert scores.tolist() == [[1.0, 1.0]]
    assert set(found[0]) <= {"a", "b", "d"}


def test_add_and_remove() -> None:
    vectors, ids = unit_rows(20, 8), ids_for(20)
    index = VectorIndex.build(vectors, ids, "m@1")
    assert index.remove(["R0003", "R0010", "nope"]) == 2
    assert len(index) == 18 and "R0003" not in index
    kept = [i for i in range(20) if i not in (3, 10)]
    scores, found = index.search(vectors, 18)
    assert not {"R0003", "R0010"} & set(found.ravel())
    assert_same_neighbours(scores, found, vectors[kept], [ids[i] for i in kept], vectors, 18)

    extra = unit_rows(3, 8, seed=5)
    index.add(extra, ["N1", "N2", "R0000"])  # R0000 is replaced
    assert len(index) == 20 and index.ids[-3:] == ["N1", "N2", "R0000"]
    _, found = index.search(extra, 1)
    assert found[:, 0].tolist() == ["N1", "N2", "R0000"]
    with pytest.raises(ValueError):
        index.add(extra[:2], ["X", "X"])


def test_save_load_round_trip(tmp_path: Path) -> None:
    vectors, ids = unit_rows(40, 8), ids_for(40)
    index = VectorIndex.build(vectors, ids, "e5-small@abc")
    path = tmp_path / "resources.faiss"
    index.save(path)
    loaded = VectorIndex.load(path, "e5-small@abc", 8)
    assert (loaded.kind, loaded.ntotal, loaded.ids) == ("flat", 40, ids)
    queries = unit_rows(5, 8, seed=3)
    for a, b in zip(index.search(queries, 7), loaded.search(queries, 7), strict=True):
        assert np.array_equal(a, b)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["resources.faiss", "resources.faiss.json"]


@pytest.mark.parametrize(("model_id", "dim"), [("use-m3@abc", 8), ("e5-small@abc", 16)])
def test_load_refuses_other_model_or_dim(tmp_path: Path, model_id: str, dim: int) -> None:
    path = tmp_path / "i.faiss"
    VectorIndex.build(unit_rows(5, 8), ids_for(5), "e5-small@abc").save(path)
    with pytest.raises(IndexMismatchError) as info:
        VectorIndex.load(path, model_id, dim)
    assert isinstance(info.value, ModelError) and isinstance(info.value, MatcherError)


def test_load_refuses_index_out_of_step_with_ids(tmp_path: Path) -> None:
    path, other = tmp_path / "i.faiss", tmp_path / "other.faiss"
    VectorIndex.build(unit_rows(5, 8), ids_for(5), "m@1").save(path)
    VectorIndex.build(unit_rows(6, 8), ids_for(6), "m@1").save(other)
    path.write_bytes(other.read_bytes())  # index replaced, sidecar not: a torn save
    with pytest.raises(IndexMismatchError, match="sidecar"):
        VectorIndex.load(path, "m@1", 8)


def test_crash_mid_save_keeps_previous_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "i.faiss"
    old = VectorIndex.build(unit_rows(5, 8), ids_for(5), "m@1")
    old.save(path)
    new = VectorIndex.build(unit_rows(9, 8, seed=2), ids_for(9, "N"), "m@1")

    real_write = Path.write_text

    def failing_write(self: Path, data: str, *args: object, **kwargs: object) -> int:
        if self.name.startswith(f".{sidecar_path(path).name}."):  # the sidecar's temp file
            raise OSError("disk full")
        return real_write(self, data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", failing_write)
    with pytest.raises(OSError, match="disk full"):
        new.save(path)
    loaded = VectorIndex.load(path, "m@1", 8)
    assert loaded.ids == ids_for(5)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "i.faiss",
        "i.faiss.json",
    ]  # no temp files


def test_approximate_index_above_threshold(tmp_path: Path) -> None:
    vectors, ids = unit_rows(4000, 32), ids_for(4000)
    index = VectorIndex.build(vectors, ids, "m@1", approximate_above=1000)
    exact = VectorIndex.build(vectors, ids, "m@1", approximate_above=10_000)
    assert (index.kind, exact.kind) == ("hnsw", "flat")

    queries = unit_rows(100, 32, seed=9)
    _, approx_ids = index.search(queries, 10)
    _, exact_ids = exact.search(queries, 10)
    recall = np.mean(
        [len(set(a) & set(e)) / 10 for a, e in zip(approx_ids, exact_ids, strict=True)]
    )
    assert recall >= 0.9

    assert index.remove(["R0001"]) == 1 and "R0001" not in index
    path = tmp_path / "h.faiss"
    index.save(path)
    loaded = VectorIndex.load(path, "m@1", 32)
    assert loaded.kind == "hnsw" and loaded.ntotal == 3999


def test_an_ivf_index_when_asked(tmp_path: Path) -> None:
    vectors, ids = unit_rows(2000, 16), ids_for(2000)
    index = VectorIndex.build(vectors, ids, "m@1", kind="ivf")
    exact = VectorIndex.build(vectors, ids, "m@1")
    queries = vectors[:50]  # each query's nearest is itself, wherever its list
    _, found = index.search(queries, 5)
    assert [row[0] for row in found] == ids[:50]
    _, wide = index.search(unit_rows(50, 16, seed=3), 10)
    _, truth = exact.search(unit_rows(50, 16, seed=3), 10)
    assert np.mean([len(set(a) & set(b)) / 10 for a, b in zip(wide, truth, strict=True)]) >= 0.8

    assert index.remove(["R0001"]) == 1 and "R0001" not in index
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss", "m@1", 16)
    assert loaded.kind == "ivf" and loaded.ntotal == 1999
    assert loaded.search(vectors[2:3], 1)[1][0, 0] == "R0002"
