"""Fusion of pair features into one score: a naive baseline and fitted rankers.

Fitted rankers follow scikit-learn conventions (parameters stored as given, `fit` learns
attributes ending in `_`) and are saved to `models/fusion/` with the data they came from.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .errors import ModelError
from .files import staged_folder

log = logging.getLogger(__name__)

# Which way each feature should push the score; used as monotonic constraints and signs.
DIRECTION = {
    "stage_distance": -1,
    "focus_miss": -1,
    "region_miss": -1,
    "excluded": -1,
    "own_institution": -1,
    "generic": 0,
}
STRONG_GRADE = 1.5  # a predicted grade at or above this counts as a strong match


def direction(name: str) -> int:
    return DIRECTION.get(name, 1)


@dataclass
class ZScoreSum:
    """The naive baseline: every feature standardised per project, signed, and summed."""

    names: tuple[str, ...]
    strong_threshold: float | None = None

    def predict(self, features: np.ndarray) -> np.ndarray:
        """`features` (n_projects, n_resources, n_features) → scores (n_projects, n_resources)."""
        mean = features.mean(axis=1, keepdims=True)
        std = features.std(axis=1, keepdims=True)
        z = np.where(std > 1e-9, (features - mean) / np.maximum(std, 1e-9), 0.0)
        signs = np.array([direction(n) for n in self.names], dtype=np.float32)
        return (z * signs).sum(axis=-1).astype(np.float32)


@dataclass
class FittedFusion:
    """A pointwise ranker that predicts the expert grade (0–3) of a pair from its features."""

    names: tuple[str, ...]
    kind: str = "gbdt"  # gbdt | linear
    random_state: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def strong_threshold(self) -> float:
        return STRONG_GRADE

    def _estimator(self) -> Any:
        if self.kind == "linear":
            return make_pipeline(StandardScaler(), Ridge(alpha=1.0))
        monotonic = [direction(n) for n in self.names]
        return HistGradientBoostingRegressor(
            # 100 trees of 31 leaves: same 5-fold nDCG@10 as 300 × 15, predicts 3× faster
            max_iter=100,
            learning_rate=0.1,
            max_leaf_nodes=31,
            min_samples_leaf=40,
            l2_regularization=1.0,
            monotonic_cst=monotonic,
            random_state=self.random_state,
        )

    def fit(self, features: np.ndarray, grades: np.ndarray) -> FittedFusion:
        """`features` (n_projects, n_resources, n_features), `grades` (n_projects, n_resources)."""
        x = features.reshape(-1, features.shape[-1])
        self.estimator_ = self._estimator().fit(x, grades.reshape(-1))
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        x = features.reshape(-1, features.shape[-1])
        return self.estimator_.predict(x).reshape(features.shape[:-1]).astype(np.float32)

    def save(self, folder: Path) -> None:
        """Write model and metadata side by side; the folder is replaced only when whole."""
        meta = {**self.meta, "names": list(self.names), "kind": self.kind}
        with staged_folder(folder) as staging:
            joblib.dump(self.estimator_, staging / "model.joblib")
            (staging / "meta.json").write_text(
                json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8"
            )

    @classmethod
    def load(cls, folder: Path, names: tuple[str, ...] | None = None) -> FittedFusion:
        """Load a saved ranker; refuses one fitted on other features than `names`."""
        folder = Path(folder)
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            estimator = joblib.load(folder / "model.joblib")
        except FileNotFoundError as exc:
            raise ModelError(
                f"no fitted ranker in {folder}; run `make setup` (or `matcher fit`)"
            ) from exc
        saved = tuple(meta["names"])
        if names is not None and saved != names:
            raise ModelError(
                f"ranker in {folder} was fitted on features {saved}, not {names}; refit it"
            )
        fusion = cls(names=saved, kind=meta["kind"], meta=meta)
        fusion.estimator_ = estimator
        return fusion


def file_digest(*paths: Path) -> str:
    """sha256 over the bytes of the given files: what a fitted model came from."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()
