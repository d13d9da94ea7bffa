"""The embedding cache encodes each (model, kind, text) once and survives bad files."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from matcher.text.cache import CachedEncoder, text_key


class CountingEncoder:
    """Deterministic fake: a text's vector comes from its hash; records every text encoded."""

    def __init__(self, model_id: str = "fake@1", dim: int = 8) -> None:
        self.model_id, self.dim = model_id, dim
        self.encoded: list[tuple[str, str]] = []

    def _vectors(self, texts: Sequence[str], kind: str) -> np.ndarray:
        self.encoded.extend((kind, t) for t in texts)
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(f"{kind}:{text}".encode()).digest()[:4], "little")
            row = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            rows.append(row / np.linalg.norm(row))
        return np.array(rows, dtype=np.float32).reshape(len(texts), self.dim)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts, "query")

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts, "passage")


TEXTS = ["心脏支架", "AI 影像", "中药颗粒", "心脏支架"]


def cache_file(cache_dir: Path) -> Path:
    (path,) = cache_dir.glob("*.sqlite")
    return path


def test_second_encode_calls_encoder_zero_times(tmp_path: Path) -> None:
    fake = CountingEncoder()
    cached = CachedEncoder(fake, tmp_path)
    first = cached.encode_passages(TEXTS)
    assert fake.encoded == [
        ("passage", "心脏支架"),
        ("passage", "AI 影像"),
        ("passage", "中药颗粒"),
    ]
    fake.encoded.clear()
    second = cached.encode_passages(TEXTS)
    assert fake.encoded == []
    assert np.array_equal(first, second)
    assert np.array_equal(first, fake.encode_passages(TEXTS))


def test_cached_tells_which_texts_have_a_vector_without_encoding(tmp_path: Path) -> None:
    fake = CountingEncoder()
    cached = CachedEncoder(fake, tmp_path)
    cached.encode_queries(["心脏支架"])
    fake.encoded.clear()
    assert cached.cached(["心脏支架", "AI 影像", "心脏支架"]) == [True, False, True]
    assert cached.cached(["心脏支架"], kind="passage") == [False]
    assert fake.encoded == []


def test_cache_persists_across_instances(tmp_path: Path) -> None:
    CachedEncoder(CountingEncoder(), tmp_path).encode_queries(TEXTS)
    fake = CountingEncoder()
    CachedEncoder(fake, tmp_path).encode_queries(TEXTS)
    assert fake.encoded == []


def test_changed_text_and_other_kind_are_encoded(tmp_path: Path) -> None:
    fake = CountingEncoder()
    cached = CachedEncoder(fake, tmp_path)
    cached.encode_passages(["心脏支架", "AI 影像"])
    fake.encoded.clear()
    cached.encode_passages(["心脏支架", "AI 影像诊断"])
    cached.encode_queries(["心脏支架"])
    assert fake.encoded == [("passage", "AI 影像诊断"), ("query", "心脏支架")]


def test_models_do_not_share_entries(tmp_path: Path) -> None:
    CachedEncoder(CountingEncoder("model-a"), tmp_path).encode_passages(TEXTS)
    other = CountingEncoder("model-b")
    CachedEncoder(other, tmp_path).encode_passages(TEXTS)
    assert len(other.encoded) == 3


def test_empty_input(tmp_path: Path) -> None:
    assert CachedEncoder(CountingEncoder(), tmp_path).encode_queries([]).shape == (0, 8)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_file_is_replaced(tmp_path: Path, damage: str) -> None:
    cached = CachedEncoder(CountingEncoder(), tmp_path)
    expected = cached.encode_passages(TEXTS)
    cached.close()
    path = cache_file(tmp_path)
    data = path.read_bytes()
    path.write_bytes(
        b"not a database at all" * 100 if damage == "garbage" else data[: len(data) // 2]
    )

    fake = CountingEncoder()
    again = CachedEncoder(fake, tmp_path)
    assert np.array_equal(again.encode_passages(TEXTS), expected)
    assert len(fake.encoded) == 3  # re-encoded, not crashed
    fake.encoded.clear()
    again.encode_passages(TEXTS)
    assert fake.encoded == []  # and cached again in a fresh file


def test_wrong_size_row_is_re_encoded(tmp_path: Path) -> None:
    cached = CachedEncoder(CountingEncoder(), tmp_path)
    cached.encode_passages(["心脏支架"])
    cached.close()
    with sqlite3.connect(cache_file(tmp_path)) as conn:
        conn.execute(
            "UPDATE vectors SET vec = ? WHERE key = ?",
            (b"\x00" * 5, text_key("passage", "心脏支架")),
        )
    conn.close()
    fake = CountingEncoder()
    vector = CachedEncoder(fake, tmp_path).encode_passages(["心脏支架"])
    assert fake.encoded == [("passage", "心脏支架")]
    assert np.isclose(np.linalg.norm(vector), 1.0)


class RacingEncoder(CountingEncoder):
    """While it encodes, another process stores the same texts, encoded slightly differently
    (an encoder whose output depends on what else was in its batch)."""

    def __init__(self, rival: CachedEncoder) -> None:
        super().__init__()
        self.rival = rival
        self.rivals: list[np.ndarray] = []

    def _vectors(self, texts: Sequence[str], kind: str) -> np.ndarray:
        self.rivals.append(self.rival.encode_passages(list(texts)))
        return super()._vectors(texts, kind) + np.float32(1e-3)


def test_the_first_stored_vector_wins_for_every_process(tmp_path: Path) -> None:
    racing = RacingEncoder(CachedEncoder(CountingEncoder(), tmp_path))
    ours = CachedEncoder(racing, tmp_path).encode_passages(["心脏支架"])
    (theirs,) = racing.rivals
    assert np.array_equal(ours, theirs)  # both processes rank with the same vector


def test_a_file_locked_by_another_writer_is_kept_not_moved_aside(tmp_path: Path) -> None:
    cached = CachedEncoder(CountingEncoder(), tmp_path)
    expected = cached.encode_passages(["心脏支架"])
    cached.close()
    cached._store.timeout = 0.1
    holder = sqlite3.connect(cache_file(tmp_path))
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert cached.encode_passages(["AI 影像"]).shape == (1, 8)  # encoded without the cache
    finally:
        holder.rollback()
        holder.close()
    assert list(tmp_path.iterdir()) == [cache_file(tmp_path)]
    fake = CountingEncoder()
    assert np.array_equal(CachedEncoder(fake, tmp_path).encode_passages(["心脏支架"]), expected)
    assert fake.encoded == []


WRITER = """
import sys
from pathlib import Path
import numpy as np
from matcher.text.cache import _Store
store, tag = _Store(Path(sys.argv[1]), "fake@1", 8), int(sys.argv[2])
for i in range(150):
    vec = np.full(8, tag, np.float32)
    store.put([(f"own-{tag}-{i}".encode(), vec), (f"both-{i}".encode(), vec)])
"""


def test_two_processes_writing_at_once_keep_every_row(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "fake_1.sqlite"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(tag)]) for tag in (1, 2)
    ]
    assert [w.wait(timeout=60) for w in writers] == [0, 0]
    with sqlite3.connect(path) as conn:
        rows = dict(conn.execute("SELECT key, vec FROM vectors").fetchall())
    conn.close()
    assert len(rows) == 3 * 150 and list(tmp_path.iterdir()) == [path]
    for i in range(150):  # each shared row is one writer's whole vector
        assert np.frombuffer(rows[f"both-{i}".encode()], np.float32).tolist() in (
            [1.0] * 8,
            [2.0] * 8,
        )
