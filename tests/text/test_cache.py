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
