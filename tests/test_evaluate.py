import numpy as np
import pytest

from matcher.evaluate import (
    compare,
    cross_validated,
    field_overlap,
    grade_matrix,
    ndcg_at,
    recall_at,
)
from matcher.schema import Project, Resource


def test_ndcg_by_hand():
    grades = np.array([[3, 0, 2]], dtype=np.float32)
    scores = np.array([[0.1, 0.9, 0.5]])  # ranks: 0-grade, 2, 3
    dcg = 0 / np.log2(2) + 2 / np.log2(3) + 3 / np.log2(4)
    ideal = 3 / np.log2(2) + 2 / np.log2(3)
    assert ndcg_at(scores, grades) == pytest.approx(dcg / ideal)


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
    grades, judged = grade_matrix({"P2": {"R2": 3, "R9": 2}}, ps, rs)
    assert grades.tolist() == [[0, 0], [0, 3]] and judged.tolist() == [False, True]


def test_cross_validation_scores_every_project_with_a_model_that_never_saw_it():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(40, 12, 2)).astype(np.float32)
    grades = np.clip(np.round(features[..., 0] + 1.5), 0, 3).astype(np.float32)  # learnable from feature 0
    oof = cross_validated(features, grades, ("a", "b"), "linear", folds=4)
    assert oof.shape == grades.shape
    assert ndcg_at(oof, grades) > ndcg_at(features[..., 1], grades)


def test_compare_has_baselines_signals_and_fusions():
    names = ("bm25", "tfidf", "need_field", "track_fit", "stage_fit", "excluded")
    features = np.random.default_rng(1).random((5, 4, len(names))).astype(np.float32)
    grades = np.eye(5, 4, dtype=np.float32) * 3
    rows = compare(features, grades, names, {"random": features[..., 0]}, {"perfect": grades})
    kinds = [r.kind for r in rows]
    assert kinds.count("baseline") == 1 and kinds.count("signal") == len(names)
    assert rows[-1].name == "perfect" and rows[-1].ndcg10 == 1.0


def test_field_overlap_reads_only_the_sheet_columns():
    p = Project("P", "t", "需要融资", track="drug", stage="clinical", needs=("funding",))
    rs = [
        Resource("A", "a", "investor", offers=("funding",)),
        Resource("B", "b", "investor", "只投器械", offers=("funding",), tracks=("device",)),
        Resource("C", "c", "cro", offers=("clinical",)),
    ]
    assert field_overlap([p], rs).tolist() == [[3.0, 2.0, 2.0]]


def test_fitted_fusion_round_trips_and_refuses_other_features(tmp_path):
    from matcher.errors import ModelError
    from matcher.fusion import FittedFusion

    rng = np.random.default_rng(0)
    features = rng.normal(size=(10, 6, 2)).astype(np.float32)
    grades = np.clip(np.round(features[..., 0] + 1), 0, 3).astype(np.float32)
    fusion = FittedFusion(("a", "b"), meta={"data_sha256": "x"}).fit(features, grades)
    fusion.save(tmp_path / "fusion")
    loaded = FittedFusion.load(tmp_path / "fusion", ("a", "b"))
    assert np.allclose(loaded.predict(features), fusion.predict(features))
    assert loaded.meta["data_sha256"] == "x"
    with pytest.raises(ModelError, match="refit"):
        FittedFusion.load(tmp_path / "fusion", ("a", "c"))
    with pytest.raises(ModelError, match="make setup"):
        FittedFusion.load(tmp_path / "missing")
