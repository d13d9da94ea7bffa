"""Fusion of pair features into one score on the expert-grade scale (0–3).

Every fusion has a raw scorer (the naive z-score sum, the balanced sum that counts each concept
once, a pairwise linear model with signs fixed by `DIRECTION`, or a few shallow monotone trees)
followed by a calibration fitted on judged pairs, so scores read as an expected grade everywhere
(lists, plans, Excel) while the order within a project stays the raw scorer's. Fitted fusions
follow scikit-learn conventions and are saved to `models/fusion/` with the data they came from
and the figures that chose them.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from scipy.optimize import nnls
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.isotonic import IsotonicRegression

from .errors import ModelError
from .files import staged_folder
from .schema import NEED

log = logging.getLogger(__name__)

# Which way each feature pushes the score (monotone constraints and signs); others push up.
DIRECTION = {"own_institution": -1, "device_class_beyond": -1, "specialty_miss": -1}
STRONG_GRADE = 1.5  # an expected grade at or above this counts as a strong match
MAX_GRADE = 3.0
KINDS = ("zsum", "balanced", "linear", "gbdt")
# Fixed-weight sums of standardised features: nothing is fitted but the calibration.
SUMS = ("zsum", "balanced")


def direction(name: str) -> int:
    return DIRECTION.get(name, 1)


def is_prior(name: str) -> bool:
    """A provider-type prior: learned fusions may weigh it, the naive sum leaves it out."""
    return name.startswith("type_")


def signed(features: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Features with those that should lower a score negated: every column then pushes up."""
    return features * np.array([direction(n) for n in names], dtype=np.float32)


# Below this spread a feature is constant for the project: float32 rounding alone leaves ~1e-7
# (121 equal values of 0.6 have a float32 std of 3.6e-7), and dividing by it turned rounding
# noise into scores. Real spreads are far larger: one provider in 100,000 differing by 0.1
# already gives 3e-4.
MIN_STD = 1e-5


# Each column's per-project (mean, std) over all of a project's providers, each (n_projects, 1):
# what a first stage that scores candidates only estimates (`retrieval`), in `names` order.
Spreads = Sequence[tuple[np.ndarray, np.ndarray]]


def zscores(features: np.ndarray) -> np.ndarray:
    """Each feature standardised per project (axis 1: the providers of one project)."""
    mean = features.mean(axis=1, keepdims=True)
    std = features.std(axis=1, keepdims=True)
    return standardised(features, mean, std)


def standardised(values: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """(values − mean) / std as `zscores` does it, with a mean and std given per project."""
    return np.where(std > MIN_STD, (values - mean) / np.maximum(std, MIN_STD), 0.0).astype(
        np.float32
    )


def _add_standardised(
    total: np.ndarray,
    column: np.ndarray,
    weight: float,
    spread: tuple[np.ndarray, np.ndarray] | None = None,
) -> None:
    """total += weight × the column standardised per project (as `zscores`, in place); with
    `spread`, by that (mean, std) instead of the column's own (the column holds candidates)."""
    if spread is not None:
        total += _scaled(np.ascontiguousarray(column, dtype=np.float32), *spread, weight)
        return
    if column.ndim == 2 and column.shape[0] > 1 and column.strides[0] == 0:
        total += _standardised_rows(column[:1].astype(np.float32), weight)  # a provider type
        return
    total += _standardised_rows(column, weight)


def _standardised_rows(column: np.ndarray, weight: float) -> np.ndarray:
    """weight × each row of a (rows, providers) column minus its mean, over its std."""
    x = np.ascontiguousarray(column, dtype=np.float32)
    return _scaled(x, x.mean(axis=1, keepdims=True), x.std(axis=1, keepdims=True), weight)


def _scaled(x: np.ndarray, mean: np.ndarray, std: np.ndarray, weight: float) -> np.ndarray:
    scale = np.where(std > MIN_STD, weight / np.maximum(std, MIN_STD), 0.0).astype(np.float32)
    out = x * scale
    out -= mean * scale
    return out


def gains(grades: np.ndarray, exponential: bool = True) -> np.ndarray:
    """What a grade is worth in nDCG: 2^grade − 1 (exponential) or the grade (linear)."""
    return (np.power(2.0, grades) - 1.0) if exponential else grades.astype(np.float64)


@dataclass
class Fusion:
    """A scorer of pairs, calibrated to the expected grade. `kind` is one of KINDS."""

    names: tuple[str, ...]
    kind: str = "zsum"
    random_state: int = 0
    # The linear model only: how strongly its weights are pulled toward the balanced sum's
    # weights, per judged project (0: not at all; very large: the balanced sum's order). Weights
    # learned on one catalogue's providers transfer poorly to another's; the pull keeps them near
    # the weights that do.
    prior: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)
    # What an organiser's grades taught about single providers of their catalogue, in grades
    # (`learning.provider_offsets`); added for providers with these ids, 0 for any other.
    provider_offsets: dict[str, float] = field(default_factory=dict)

    @property
    def strong_threshold(self) -> float:
        return STRONG_GRADE

    # -- the raw scorers ------------------------------------------------------------------------

    def _design(self, features: np.ndarray) -> np.ndarray:
        """(…, n_features) → signed and, for the linear model and the sums, standardised per
        project."""
        x = signed(features, self.names)
        return zscores(x) if self.standardises else x

    def raw(self, features: np.ndarray) -> np.ndarray:
        """Uncalibrated scores (n_projects, n_resources); the order a project's list follows."""
        return self.raw_columns([features[..., k] for k in range(features.shape[-1])])

    def raw_columns(
        self, columns: Sequence[np.ndarray], spreads: Spreads | None = None
    ) -> np.ndarray:
        """`raw` from one (n_projects, n_resources) array per feature name, in `names` order.

        The linear model and the z-sum add the standardised columns one at a time, never
        building the (projects × providers × features) block: on big catalogues that block and
        its standardised copy cost more than everything else. With `spreads`, the columns hold
        each project's candidates only and are standardised by those per-project statistics.
        """
        if self.kind == "gbdt":
            if not hasattr(self, "estimator_"):
                raise ModelError("the gbdt fusion is not fitted")
            x = signed(np.stack(columns, axis=-1), self.names)
            out = self.estimator_.predict(x.reshape(-1, x.shape[-1]))
            return np.asarray(out, dtype=np.float32).reshape(x.shape[:-1])
        weights = self._weights() * np.array([direction(n) for n in self.names], np.float32)
        total = np.zeros(columns[0].shape, dtype=np.float32)
        for k, (column, weight) in enumerate(zip(columns, weights, strict=True)):
            if weight:
                _add_standardised(total, column, float(weight), spreads[k] if spreads else None)
        return total

    def _weights(self) -> np.ndarray:
        """The weight of each standardised feature in the linear model or a sum."""
        if self.kind == "zsum":
            return naive_weights(self.names)
        if self.kind == "balanced":
            return balanced_weights(self.names)
        if not hasattr(self, "coef_"):
            raise ModelError(f"the {self.kind} fusion is not fitted")
        return np.asarray(self.coef_, dtype=np.float32)

    def fit(self, features: np.ndarray, grades: np.ndarray) -> Fusion:
        """`features` (n_projects, n_resources, n_features), `grades` (n_projects, n_resources)."""
        return self.fit_blocks([(features, grades, 1.0)])

    def fit_blocks(self, blocks: Sequence[tuple[np.ndarray, np.ndarray, float]]) -> Fusion:
        """Fit on several judged sources at once, each (features, grades, weight): sources may
        have different providers, and a weight below 1 lets an auxiliary source count less."""
        if self.kind not in KINDS:
            raise ModelError(f"unknown fusion kind {self.kind!r}; choose one of {', '.join(KINDS)}")
        designs = [self._design(x) for x, _, _ in blocks]
        flat_x = np.concatenate([x.reshape(-1, x.shape[-1]) for x in designs])
        flat_g = np.concatenate([g.reshape(-1) for _, g, _ in blocks])
        flat_w = np.concatenate([np.full(g.size, w, dtype=np.float64) for _, g, w in blocks])
        judged = ~np.isnan(flat_g)  # pooled grades leave pairs unjudged (NaN): they teach nothing
        flat_x, flat_g, flat_w = flat_x[judged], flat_g[judged], flat_w[judged]
        if self.kind == "linear":
            self.coef_ = _pairwise_linear(
                [(x, g, w) for x, (_, g, w) in zip(designs, blocks, strict=True)],
                toward=balanced_weights(self.names),
                strength=self.prior,
            )
        elif self.kind == "gbdt":
            self.estimator_ = HistGradientBoostingRegressor(
                max_iter=60,
                learning_rate=0.08,
                max_depth=3,
                min_samples_leaf=60,
                l2_regularization=1.0,
                monotonic_cst=[1] * len(self.names),  # features are signed: all push up
                random_state=self.random_state,
            ).fit(flat_x, gains(flat_g), sample_weight=flat_w)
        raw = np.concatenate([self.raw(x).reshape(-1) for x, _, _ in blocks])[judged]
        self.calibration_ = IsotonicRegression(y_min=0.0, y_max=MAX_GRADE, out_of_bounds="clip")
        self.calibration_.fit(raw, flat_g, sample_weight=flat_w)
        self.raw_scale_ = float(np.std(raw)) or 1.0
        return self

    def predict(
        self, features: np.ndarray, resource_ids: Sequence[str] | None = None
    ) -> np.ndarray:
        """Expected grade 0–3; strictly increasing in the raw score, so ties keep raw order.

        An unfitted z-score sum needs no data: its sum is mapped onto 0–3 by a fixed logistic.
        With `resource_ids` (the providers along the last axis of the scores), the provider
        offsets learned from an organiser's grades are added, clipped to the scale.
        """
        return self._calibrated(self.raw(features), resource_ids)

    def predict_columns(
        self,
        columns: Sequence[np.ndarray],
        resource_ids: Sequence[str] | None = None,
        columns_of: np.ndarray | None = None,
        spreads: Spreads | None = None,
    ) -> np.ndarray:
        """`predict` from one (n_projects, n_resources) array per feature (see `raw_columns`).

        `columns_of` (n_projects, n_cells) says which of the `resource_ids` each cell holds when
        every project brings its own candidates (a second stage). The linear model and the
        z-sum standardise over all of a project's providers, so they need the `spreads` of the
        columns over those for candidates; trees read the columns as they are.
        """
        if columns_of is not None and self.standardises and spreads is None:
            raise ValueError(f"a {self.kind} fusion scores candidates only with their spreads")
        raw = self.raw_columns(columns, spreads if self.standardises else None)
        return self._calibrated(raw, resource_ids, columns_of)

    @property
    def standardises(self) -> bool:
        """True for the linear model and the sums: they standardise each feature over all of a
        project's providers, so a row is scored whole and a first stage would be the model."""
        return self.kind in (*SUMS, "linear")

    def _calibrated(
        self,
        raw: np.ndarray,
        resource_ids: Sequence[str] | None,
        columns_of: np.ndarray | None = None,
    ) -> np.ndarray:
        if not hasattr(self, "calibration_"):  # only a sum gets here unfitted
            width = np.sqrt(max(float(np.square(self._weights()).sum()), 1.0))
            return (MAX_GRADE / (1.0 + np.exp(-raw / width))).astype(np.float32)
        calibrated = self.calibration_.predict(raw.reshape(-1)).reshape(raw.shape)
        tie_break = 5e-4 * (1.0 + np.tanh(raw / self.raw_scale_))  # in [0, 1e-3]: never below 0
        scores = calibrated + tie_break
        if resource_ids is not None and self.provider_offsets:
            offsets = np.array([self.provider_offsets.get(r, 0.0) for r in resource_ids])
            if columns_of is not None:
                offsets = offsets[columns_of]
            scores = np.clip(scores + offsets, 0.0, MAX_GRADE + 1e-3)
        return np.asarray(scores, dtype=np.float32)

    # -- files ----------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write model and metadata side by side; the folder is replaced only when whole."""
        meta = {**self.meta, "names": list(self.names), "kind": self.kind}
        with staged_folder(folder) as staging:
            joblib.dump(self, staging / "model.joblib")
            (staging / "meta.json").write_text(
                json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8"
            )

    @classmethod
    def load(cls, folder: Path, names: tuple[str, ...] | None = None) -> Fusion:
        """Load a saved fusion; refuses one fitted on other features than `names`."""
        folder = Path(folder)
        try:
            fusion = joblib.load(folder / "model.joblib")
        except FileNotFoundError as exc:
            raise ModelError(
                f"no fitted ranker in {folder}; run `make setup` (or `matcher fit`)"
            ) from exc
        if not isinstance(fusion, cls):
            raise ModelError(f"{folder} holds a ranker of an older format; refit it")
        if not hasattr(fusion, "provider_offsets"):  # saved before offsets existed
            fusion.provider_offsets = {}
        if names is not None and tuple(fusion.names) != tuple(names):
            raise ModelError(
                f"ranker in {folder} was fitted on features {fusion.names}, not {names}; refit it"
            )
        return fusion


def naive_weights(names: Sequence[str]) -> np.ndarray:
    """The naive sum's weights: 1 for every feature, 0 for the provider-type priors."""
    return np.array([0.0 if is_prior(n) else 1.0 for n in names], np.float32)


def balanced_weights(names: Sequence[str]) -> np.ndarray:
    """The balanced sum's weights: the naive sum's, with each concept counted once. The per-need
    features (`need_funding`, `need_space` …) say one fact between them (which of the project's
    needs this provider meets, as `need_x_specialty` says it again), so they share one weight.

    On judged-train (new projects × new providers, 3 seeds) the naive sum, counting them ten
    times over, scored 0.790 nDCG@10 and the balanced sum 0.798; any share from 0 to 0.35 scored
    within 0.002 of that: they add little the need interactions and the text do not already say."""
    weights = naive_weights(names)
    per_need = np.array([n.removeprefix("need_") in NEED.keys for n in names])
    if per_need.any():
        weights[per_need] = 1.0 / per_need.sum()
    return weights


def _pairwise_linear(
    blocks: Sequence[tuple[np.ndarray, np.ndarray, float]],
    toward: np.ndarray | None = None,
    strength: float = 0.0,
) -> np.ndarray:
    """Non-negative weights w so that, within a project, w·(x_a − x_b) ≈ gain_a − gain_b for
    every pair of judged providers with different grades (a least-squares pairwise ranker);
    unjudged pairs (NaN) compare false with everything and drop out. With `strength`, w is
    pulled toward `toward` (at its best-fitting scale) by that much per judged project."""
    diffs, targets, pair_weights = [], [], []
    for x, grades, weight in blocks:
        g = gains(grades)
        for i in range(len(grades)):
            a, b = np.nonzero(grades[i][:, None] > grades[i][None, :])
            if len(a) == 0:
                continue
            diffs.append(x[i, a] - x[i, b])
            targets.append(g[i, a] - g[i, b])
            pair_weights.append(np.full(len(a), weight / len(a)))  # each project counts once
    width = blocks[0][0].shape[-1]
    if not diffs:
        return np.ones(width, dtype=np.float32)
    pair_weight = np.concatenate(pair_weights)
    coef = _nonnegative_ridge(
        np.concatenate(diffs),
        np.concatenate(targets),
        pair_weight,
        alpha=1.0,
        toward=toward,
        strength=strength * float(pair_weight.sum()),  # the weights sum to 1 per project
    )
    return coef if coef.any() else np.ones(width, dtype=np.float32)


def _nonnegative_ridge(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    alpha: float,
    toward: np.ndarray | None = None,
    strength: float = 0.0,
) -> np.ndarray:
    """argmin over c ≥ 0 of Σ w (x·c − y)² + α‖c‖² (+ β‖c − s·t‖² with t = `toward`, β =
    `strength` and s the scale at which t alone fits best), solved on the small normal equations
    (features × features) with NNLS: without t the same optimum as scikit-learn's
    `Ridge(positive=True, fit_intercept=False)`, ~50× faster, which refits cross-validate on."""
    x64 = x.astype(np.float64)
    gram = x64.T @ (x64 * weights[:, None])
    moment = x64.T @ (weights * y)
    if toward is not None and strength > 0:
        t = toward.astype(np.float64)
        scale = max(float(t @ moment) / max(float(t @ gram @ t), 1e-12), 0.0)
        gram = gram + strength * np.eye(x.shape[1])
        moment = moment + strength * scale * t
    gram = gram + alpha * np.eye(x.shape[1])
    lower = np.linalg.cholesky(gram)  # gram = L Lᵀ, so cᵀ gram c − 2 mᵀc = ‖Lᵀc − L⁻¹m‖² − const
    coef, _ = nnls(lower.T, np.linalg.solve(lower, moment))
    return coef.astype(np.float32)


def file_digest(*paths: Path) -> str:
    """sha256 over the bytes of the given files: what a fitted model came from."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()
