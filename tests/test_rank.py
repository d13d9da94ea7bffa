from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.features import PairFeaturizer
from matcher.fusion import Fusion
from matcher.prose import project_from_text
from matcher.rank import UNSCORED, Ranker, best, score_block
from matcher.schema import NEED


@dataclass
class FixedScores:
    """A fusion that returns a hand-written score matrix, to test ranking mechanics exactly."""

    names: tuple[str, ...]
    table: np.ndarray
    strong_threshold: float | None = 1.0

    def predict(self, features: np.ndarray, resource_ids=None) -> np.ndarray:
        # Blocks arrive in project order; the tests use one block.
        return self.table[: features.shape[0]]

    standardises = True  # scores whole rows

    def predict_columns(self, columns, resource_ids=None, columns_of=None) -> np.ndarray:
        return self.table[: columns[0].shape[0]]


@pytest.fixture
def featurizer(fixture_projects, fixture_resources, hash_encoder):
    return PairFeaturizer(fixture_projects, fixture_resources, {"hash": hash_encoder})


def test_zscore_fusion_puts_the_specific_partner_first(featurizer):
    ranker = Ranker(featurizer, Fusion(featurizer.names, "zsum"))
    top = {
        featurizer.projects[i].project_id: ranker.resources_for(i, 1)[0].resource_id
        for i in range(3)
    }
    assert top == {"P1": "R1", "P2": "R2", "P3": "R3"}


def test_lists_are_ranked_from_one_with_reasons_in_chinese(featurizer):
    ranker = Ranker(featurizer, Fusion(featurizer.names, "zsum"))
    matches = ranker.resources_for(0, top_k=4)
    assert [m.rank for m in matches] == [1, 2, 3, 4]
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    reason = next(m.reasons for m in matches if m.resource_id == "R1")
    assert "需求匹配：临床" in reason and "赛道：医疗器械" in reason and "阶段：临床试验" in reason
    assert "心血管" in reason or "冠脉" in reason


def test_reasons_warn_about_exclusions_and_own_institution(featurizer):
    ranker = Ranker(featurizer, Fusion(featurizer.names, "zsum"))
    assert "不投中医药" in ranker.explain(2, 3)
    assert "同一单位" in ranker.explain(0, 5)


def test_type_filter_keeps_only_that_type(featurizer):
    ranker = Ranker(featurizer, Fusion(featurizer.names, "zsum"))
    matches = ranker.resources_for(0, top_k=10, types=("bank", "investor"))
    assert {m.resource_id for m in matches} == {"R4", "R5"}


def test_reverse_direction_ranks_projects_for_a_provider(featurizer):
    ranker = Ranker(featurizer, Fusion(featurizer.names, "zsum"))
    matches = ranker.projects_for(2, top_k=3)  # the TCM extraction CDMO
    assert matches[0].project_id == "P3" and matches[0].resource_id == "R3"
    assert len(matches) == 3


def test_coverage_brings_a_strong_provider_for_each_need(featurizer):
    # P1 needs funding and clinical. R5 scores high but its rules exclude P1 (it lends only to
    # market stage): vetoed, it never shows. Plain top-2 is R6, R4; R1 (clinical) is strong and
    # must enter the list, replacing R6, which covers no need (R4 is the only funding cover).
    table = np.zeros((3, 6), dtype=np.float32)
    table[0] = [1.6, 0.0, 0.0, 1.8, 2.5, 3.0]  # R1..R6
    ranker = Ranker(featurizer, FixedScores(featurizer.names, table))
    plain = [m.resource_id for m in ranker.resources_for(0, 2)]
    covered = [m.resource_id for m in ranker.resources_for(0, 2, coverage=True)]
    assert plain == ["R6", "R4"]
    assert covered == ["R4", "R1"]
    assert "R5" not in [m.resource_id for m in ranker.resources_for(0, 5)]


def test_coverage_leaves_the_list_alone_when_no_strong_provider_exists(featurizer):
    table = np.zeros((3, 6), dtype=np.float32)
    table[0] = [0.5, 0.0, 0.0, 0.2, 0.3, 0.9]
    ranker = Ranker(featurizer, FixedScores(featurizer.names, table))
    assert [m.resource_id for m in ranker.resources_for(0, 2, coverage=True)] == ["R6", "R1"]


def test_serves_need_respects_exclusions(featurizer):
    ranker = Ranker(featurizer, Fusion(featurizer.names, "zsum"))
    funding = ranker.serves_need("funding")
    assert funding[0, 3] and not funding[0, 4]  # the fund serves P1; the bank excludes it (stage)
    assert set(NEED.keys) >= {"funding", "clinical"}


@pytest.mark.parametrize(
    ("text", "track", "stage"),
    [
        ("可降解冠脉支架，正在开展多中心临床试验，需要融资", "device", "clinical"),
        ("基于深度学习的眼底影像辅助诊断软件", "ai", ""),
        ("经典名方中药新药，临床前研究", "tcm", "preclinical"),
    ],
)
def test_free_text_becomes_a_project(text, track, stage):
    project = project_from_text(text)
    assert (project.track, project.stage) == (track, stage)


@settings(max_examples=200, deadline=None)
@given(
    scores=st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, -1.0]), min_size=1, max_size=40),
    k=st.integers(1, 12),
    seed=st.integers(0, 10_000),
)
def test_best_is_the_head_of_a_stable_descending_sort(scores, k, seed):
    """Many ties (scores from a few values): the partial selection must keep index order."""
    values = np.array(scores, dtype=np.float32)
    allowed = np.random.default_rng(seed).random(len(values)) < 0.7
    order = [j for j in np.argsort(-values, kind="stable") if allowed[j]]
    assert best(values, allowed, k).tolist() == order[:k]


def _fitted(kind: str, seed: int = 0):
    """A fusion over three signals fitted on random grades, and a 40 × 60 block of columns."""
    rng = np.random.default_rng(seed)
    names = ("bm25", "need_funding", "type_bank")
    x = rng.normal(size=(40, 60, 3)).astype(np.float32)
    x[..., 1] = rng.random((40, 60)) < 0.3
    x[..., 2] = (np.arange(60) % 4 == 0)[None, :]
    grades = np.clip(np.round(x[..., 0] + 1.5 * x[..., 1] + 0.5), 0, 3).astype(np.float32)
    fusion = Fusion(names, kind).fit(x, grades)
    columns = [np.ascontiguousarray(x[..., 0]), np.ascontiguousarray(x[..., 1])]
    columns.append(np.broadcast_to(x[:1, :, 2], x.shape[:2]))  # as the featurizer gives types
    return fusion, columns, [f"R{j}" for j in range(60)]


def test_trees_score_the_first_stages_candidates_exactly_and_leave_the_rest_below():
    fusion, columns, ids = _fitted("gbdt")
    fusion.provider_offsets = {"R3": 0.4, "R10": -0.3}  # learned per provider: follow the cells
    whole = fusion.predict_columns(columns, ids)
    two = score_block(fusion, columns, ids, candidates=15)
    first = Fusion(fusion.names, "zsum").raw_columns(columns)
    for i in range(len(two)):
        kept = np.flatnonzero(two[i] != UNSCORED)
        assert len(kept) == 15
        # the candidates are the z-sum's best 15, and each is scored as if all were scored
        assert set(kept) == set(np.argsort(-first[i], kind="stable")[:15])
        np.testing.assert_array_equal(two[i, kept], whole[i, kept])
    assert (two[two != UNSCORED] > UNSCORED).all()


def test_small_catalogues_and_standardising_fusions_score_every_pair():
    trees, columns, ids = _fitted("gbdt")
    np.testing.assert_array_equal(
        score_block(trees, columns, ids, candidates=60), trees.predict_columns(columns, ids)
    )
    linear, columns, ids = _fitted("linear")
    np.testing.assert_array_equal(
        score_block(linear, columns, ids, candidates=10), linear.predict_columns(columns, ids)
    )
    with pytest.raises(ValueError, match="spreads"):
        linear.predict_columns(columns, ids, columns_of=np.zeros((40, 5), dtype=np.int64))
