"""Fusions: monotone in every feature's direction, calibrated to the grade scale, saved whole."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.errors import ModelError
from matcher.fusion import MAX_GRADE, Fusion, balanced_weights, zscores

NAMES = ("bm25", "need_funding", "specialty_fit", "own_institution")


def _data(seed: int = 0, n_projects: int = 30, n_resources: int = 10):
    """Grades driven by the first three features up, the own institution down."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_projects, n_resources, len(NAMES))).astype(np.float32)
    x[..., 1] = rng.random((n_projects, n_resources)) < 0.3
    x[..., 3] = rng.random((n_projects, n_resources)) < 0.1
    raw = x[..., 0] + 1.5 * x[..., 1] + x[..., 2] - 2.0 * x[..., 3]
    grades = np.clip(np.round(raw + 0.5), 0, 3).astype(np.float32)
    return x, grades


@pytest.fixture(scope="module", params=["zsum", "balanced", "linear", "gbdt"])
def fitted(request):
    x, grades = _data()
    return Fusion(NAMES, kind=request.param).fit(x, grades)


@settings(max_examples=60, deadline=None)
@given(
    row=st.lists(st.floats(-3, 3, allow_nan=False), min_size=len(NAMES), max_size=len(NAMES)),
    column=st.integers(0, len(NAMES) - 1),
    step=st.floats(0.01, 3.0),
)
def test_raising_a_feature_never_moves_the_score_against_its_direction(fitted, row, column, step):
    x, _ = _data()
    block = x[:1].copy()  # one project's providers: z-scores are taken within it
    block[0, 0] = row
    higher = block.copy()
    higher[0, 0, column] += step
    before, after = fitted.predict(block)[0, 0], fitted.predict(higher)[0, 0]
    if NAMES[column] == "own_institution":
        assert after <= before + 1e-6  # an own institution can only lower a score
    else:
        assert after >= before - 1e-6


def test_scores_are_expected_grades(fitted):
    x, grades = _data(seed=1)
    scores = fitted.predict(x)
    assert scores.min() >= -0.01 and scores.max() <= MAX_GRADE + 0.01
    assert scores[grades == 3].mean() > scores[grades == 0].mean() + 1.0


def test_ties_of_the_calibration_keep_the_raw_order(fitted):
    x, _ = _data(seed=2)
    raw, scores = fitted.raw(x), fitted.predict(x)
    for i in range(len(x)):
        order = np.argsort(-raw[i], kind="stable")
        assert np.all(np.diff(scores[i][order]) <= 1e-7)


@pytest.mark.parametrize("kind", ["zsum", "balanced"])
def test_an_unfitted_sum_maps_onto_the_grade_scale(kind):
    x, _ = _data()
    scores = Fusion(NAMES, kind).predict(x)
    assert scores.min() >= 0.0 and scores.max() <= MAX_GRADE
    with pytest.raises(ModelError, match="not fitted"):
        Fusion(NAMES, "linear").predict(x)


def test_the_linear_fusion_weighs_features_and_never_negatively():
    x, grades = _data()
    fusion = Fusion(NAMES, "linear").fit(x, grades)
    assert (fusion.coef_ >= 0).all()  # on signed features: every one pushes its way
    assert fusion.coef_[1] > 0 and fusion.coef_[3] > 0  # a need met up, own institution down


def test_the_pull_toward_the_balanced_sum_moves_the_weights_toward_its_own():
    x, grades = _data()
    spread = []
    for prior in (0.0, 1.0, 10.0, 1e6):
        coef = Fusion(NAMES, "linear", prior=prior).fit(x, grades).coef_
        spread.append(float(coef.max() / coef.min()))
    assert spread[0] > 2.0  # the data weigh the features unequally (need 1.5, own institution 2)
    assert spread == sorted(spread, reverse=True)  # the stronger the pull, the more equal
    assert spread[-1] == pytest.approx(1.0, abs=1e-3)  # one need: the balanced sum's are equal
    balanced = Fusion(NAMES, "balanced").fit(x, grades)
    pulled = Fusion(NAMES, "linear", prior=1e6).fit(x, grades)
    assert np.array_equal(np.argsort(-balanced.raw(x), axis=1), np.argsort(-pulled.raw(x), axis=1))


MANY_NEEDS = ("bm25", "specialty_fit", "need_funding", "need_space", "need_ip", "type_bank")


def test_the_balanced_sum_counts_the_needs_met_as_one_concept():
    weights = dict(zip(MANY_NEEDS, balanced_weights(MANY_NEEDS), strict=True))
    assert weights["bm25"] == weights["specialty_fit"] == 1.0
    assert weights["need_funding"] + weights["need_space"] + weights["need_ip"] == pytest.approx(1)
    assert weights["type_bank"] == 0.0  # a prior, as in the naive sum


def test_a_project_with_many_needs_is_not_ranked_by_needs_alone():
    """Three needs met, nothing else: the naive sum counts that fact three times and puts this
    provider above one whose text and specialty fit; the balanced sum counts it once."""
    x = np.zeros((1, 6, len(MANY_NEEDS)), dtype=np.float32)
    x[0, 0, 2:5] = 1.0  # meets funding, space and IP, reads like nothing the project says
    x[0, 1, :2] = 1.0  # the project's text and specialty
    naive, balanced = Fusion(MANY_NEEDS, "zsum").raw(x)[0], Fusion(MANY_NEEDS, "balanced").raw(x)[0]
    assert naive[0] > naive[1]
    assert balanced[1] > balanced[0]


def test_an_auxiliary_source_with_other_providers_can_be_weighted_in():
    x, grades = _data()
    other_x, other_grades = _data(seed=3, n_resources=7)
    fusion = Fusion(NAMES, "linear").fit_blocks([(x, grades, 1.0), (other_x, other_grades, 0.2)])
    assert fusion.predict(other_x).shape == (30, 7)


def test_round_trip_and_refusals(tmp_path):
    x, grades = _data()
    fusion = Fusion(NAMES, "gbdt", meta={"data_sha256": "x"}).fit(x, grades)
    fusion.save(tmp_path / "fusion")
    loaded = Fusion.load(tmp_path / "fusion", NAMES)
    np.testing.assert_allclose(loaded.predict(x), fusion.predict(x))
    assert loaded.meta["data_sha256"] == "x"
    with pytest.raises(ModelError, match="refit"):
        Fusion.load(tmp_path / "fusion", ("a", "b"))
    with pytest.raises(ModelError, match="make setup"):
        Fusion.load(tmp_path / "missing")
    with pytest.raises(ModelError, match="unknown fusion kind"):
        Fusion(NAMES, "deep").fit(x, grades)


def test_features_given_column_by_column_score_as_the_stacked_block(fitted):
    """The ranker hands features over as one array per name; the evaluation as one block."""
    x, _ = _data(seed=3)
    columns = [np.ascontiguousarray(x[..., k]) for k in range(x.shape[-1])]
    np.testing.assert_array_equal(fitted.predict_columns(columns), fitted.predict(x))


def test_a_feature_constant_for_a_project_contributes_nothing():
    """121 equal values of 0.6 have a float32 std of ~3.6e-7: rounding, not spread. Dividing by
    it once turned that rounding into ±1 z-scores and moved one project's scores by 0.03."""
    x = np.full((1, 121, 1), 0.6, dtype=np.float32)
    assert float(x.std(axis=1).max()) > 0  # the rounding this guards against
    assert not zscores(x).any()
    fusion = Fusion(("specialty_fit",), "zsum")
    assert np.ptp(fusion.raw(x)) == 0


@pytest.mark.parametrize("kind", ["zsum", "balanced", "linear", "gbdt"])
def test_a_column_shared_by_every_project_scores_as_its_copies(kind):
    """Provider-type columns arrive as one row viewed for every project (no copies)."""
    names = ("bm25", "region_fit")
    x, grades = _data(seed=5)
    x = x[..., :2].copy()
    x[..., 1] = (np.arange(x.shape[1]) % 3 == 0)[None, :]
    fusion = Fusion(names, kind=kind).fit(x, grades)
    if kind == "linear":
        fusion.coef_ = np.array([1.0, 0.5], dtype=np.float32)  # both columns weigh
    shared = np.broadcast_to(x[:1, :, 1], x.shape[:2])
    columns = [np.ascontiguousarray(x[..., 0]), shared]
    np.testing.assert_array_equal(fusion.predict_columns(columns), fusion.predict(x))
