import numpy as np
import pytest

from matcher.evaluate import (
    baseline_rows,
    cross_validated,
    cross_validated_new_providers,
    field_overlap,
    grade_matrix,
    ndcg_at,
    provider_halves,
    recall_at,
    row,
    signal_rows,
)
from matcher.schema import Project, Resource


def test_ndcg_by_hand_with_linear_and_exponential_gains():
    grades = np.array([[3, 0, 2]], dtype=np.float32)
    scores = np.array([[0.1, 0.9, 0.5]])  # ranks: 0-grade, 2, 3
    dcg = 0 / np.log2(2) + 2 / np.log2(3) + 3 / np.log2(4)
    ideal = 3 / np.log2(2) + 2 / np.log2(3)
    assert ndcg_at(scores, grades) == pytest.approx(dcg / ideal)
    dcg_exp = 0 / np.log2(2) + 3 / np.log2(3) + 7 / np.log2(4)
    ideal_exp = 7 / np.log2(2) + 3 / np.log2(3)
    assert ndcg_at(scores, grades, exponential=True) == pytest.approx(dcg_exp / ideal_exp)


def test_projects_without_positive_judgments_are_skipped():
    grades = np.array([[3, 0], [0, 0]], dtype=np.float32)
    scores = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert ndcg_at(scores, grades) == 1.0
    assert recall_at(scores, grades, k=1) == 1.0


def test_recall_counts_grades_two_and_up():
    grades = np.array([[2, 1, 3, 0]], dtype=np.float32)
    scores = np.array([[0.9, 0.8, 0.1, 0.0]])
    assert recall_at(scores, grades, k=2) == 0.5


def test_grade_matrix_aligns_ids():
    ps = [Project("P1", "a"), Project("P2", "b")]
    rs = [Resource("R1", "x", "bank"), Resource("R2", "y", "bank")]
    grades = grade_matrix({"P2": {"R2": 3, "R9": 2}}, ps, rs)
    assert grades.tolist() == [[0, 0], [0, 3]]


@pytest.mark.parametrize("kind", ["linear", "gbdt"])
def test_cross_validation_scores_every_project_with_a_model_that_never_saw_it(kind):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(40, 12, 2)).astype(np.float32)
    grades = np.clip(np.round(features[..., 0] + 1.5), 0, 3).astype(np.float32)  # from feature 0
    oof = cross_validated(features, grades, ("a", "b"), kind, folds=4)
    assert oof.shape == grades.shape
    assert ndcg_at(oof, grades) > ndcg_at(features[..., 1], grades) + 0.1


def test_provider_halves_split_every_kind_and_differ_by_seed():
    kinds = ["bank"] * 4 + ["cro"] * 5 + ["park"]
    halves = [provider_halves(kinds, seed) for seed in range(6)]
    for half in halves:
        assert half[:4].sum() == 2 and half[4:9].sum() in (2, 3)
    assert len({h.tobytes() for h in halves}) > 1


def test_new_provider_cv_cannot_learn_which_provider_is_good():
    """Provider identity as features: with the same providers it ranks perfectly out of fold;
    against providers never seen it knows nothing, which this CV must show."""
    rng = np.random.default_rng(0)
    n_projects, n_providers = 40, 12
    identity = np.broadcast_to(np.eye(n_providers), (n_projects, n_providers, n_providers))
    quality = rng.permutation(n_providers) % 4  # each provider is good or bad for everyone
    grades = np.broadcast_to(quality, (n_projects, n_providers)).astype(np.float32).copy()
    names = tuple(f"is_{j}" for j in range(n_providers))
    features = identity.astype(np.float32).copy()
    known = cross_validated(features, grades, names, "linear", folds=4)
    assert ndcg_at(known, grades) > 0.99
    excluded = np.zeros(grades.shape, dtype=bool)
    new = cross_validated_new_providers(
        features, grades, names, "linear", excluded, ["cro"] * n_providers, folds=4
    )
    assert new.ndcg10 < 0.9


def test_rows_have_baselines_and_every_signal_with_negative_ones_reversed():
    names = ("bm25", "own_institution")
    grades = np.array([[3, 0, 0]], dtype=np.float32)
    features = np.zeros((1, 3, 2), dtype=np.float32)
    features[0, :, 1] = [0, 1, 1]  # the own institution is the weak pair
    rows = baseline_rows({"random": np.array([[0.0, 1.0, 2.0]])}, grades)
    rows += signal_rows(features, grades, names)
    assert [r.kind for r in rows] == ["baseline", "signal", "signal"]
    assert rows[-1].ndcg10 == 1.0 and rows[0].ndcg10 < 1.0
    assert row("perfect", "fusion", grades, grades).ndcg10_exp == 1.0


def test_field_overlap_reads_only_the_sheet_columns():
    p = Project("P", "t", "需要融资", track="drug", stage="clinical", needs=("funding",))
    rs = [
        Resource("A", "a", "investor", offers=("funding",)),
        Resource("B", "b", "investor", "只投器械", offers=("funding",), tracks=("device",)),
        Resource("C", "c", "cro", offers=("clinical",)),
    ]
    assert field_overlap([p], rs).tolist() == [[3.0, 2.0, 2.0]]
