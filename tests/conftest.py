"""Shared fixtures: tiny hand-made sheets a reader can check by eye, and a fake encoder."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from matcher.ingest import read_projects, read_resources
from matcher.schema import Project, Resource

FIXTURES = Path(__file__).parent / "fixtures"


class HashEncoder:
    """Deterministic bag-of-characters vectors: similar texts get similar vectors, no model needed."""

    model_id = "hash-test"
    dim = 64

    def __init__(self) -> None:
        self.calls = 0

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for ch in text:
                out[i, hashlib.md5(ch.encode()).digest()[0] % self.dim] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    encode_queries = _encode
    encode_passages = _encode


@pytest.fixture
def fixture_projects() -> list[Project]:
    return read_projects(FIXTURES / "projects.csv")


@pytest.fixture
def fixture_resources() -> list[Resource]:
    return read_resources(FIXTURES / "resources.csv")


@pytest.fixture
def hash_encoder() -> HashEncoder:
    return HashEncoder()


@pytest.fixture(scope="session")
def judged_hash_features():
    """The shipped hand-judged set featurised with the model-free encoder: (train, test)."""
    from matcher import datasets
    from matcher.selection import featurise

    encoders = {"hash": HashEncoder()}
    return (
        featurise(datasets.load("judged-train"), encoders),
        featurise(datasets.load("judged-test"), encoders),
    )
