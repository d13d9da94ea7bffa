"""The retrieval stage for big catalogues: exact search when flat, the veto, the spreads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matcher.features import PairFeaturizer
from matcher.fusion import Fusion
from matcher.index import VectorIndex
from matcher.ingest import read_projects, read_resources
from matcher.rank import UNSCORED, VETOED, Ranker
from matcher.retrieval import Retriever, nearest


@pytest.fixture
def featurizer(fixture_projects, fixture_resources, hash_encoder):
    return PairFeaturizer(fixture_projects, fixture_resources, {"hash": hash_encoder})


def test_a_flat_index_gives_the_exact_top_k():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(500, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = vectors[rng.choice(500, 40)] + 0.3 * rng.normal(size=(40, 32)).astype(np.float32)
    index = VectorIndex.build(vectors, [str(j) for j in range(500)], "test")
    assert index.kind == "flat"
    exact = queries.astype(np.float64) @ vectors.astype(np.float64).T
    expected = np.argsort(-exact, axis=1, kind="stable")[:, :25]
    assert np.array_equal(nearest(index, queries, vectors, 25), expected)


def test_excluded_providers_never_come_back_as_candidates(featurizer):
    retriever = Retriever(featurizer, candidates=10)
    rows = np.arange(len(featurizer.projects))
    excluded = np.random.default_rng(1).random((len(rows), len(featurizer.resources))) < 0.5
    keep = retriever.search(featurizer, rows, featurizer.lexical(rows)[0], excluded)
    for i, cells in enumerate(keep):
        assert not excluded[i, cells].any()
        assert len(set(cells)) == (~excluded[i]).sum()  # few providers: every allowed one


def test_with_every_provider_a_candidate_the_stage_ranks_as_exhaustive_scoring(featurizer):
    fusion = Fusion(featurizer.names, "zsum")
    exhaustive = Ranker(featurizer, fusion)
    staged = Ranker(featurizer, fusion, retriever=Retriever(featurizer, candidates=10))
    allowed = ~exhaustive.excluded
    assert np.array_equal(staged.excluded, exhaustive.excluded)
    np.testing.assert_allclose(staged.scores[allowed], exhaustive.scores[allowed], atol=1e-4)
    assert np.all(staged.scores[~allowed] < VETOED + 0.01)  # vetoed pairs are never scored
    for i in range(len(featurizer.projects)):
        assert staged.top(i, allowed[i].sum()) == exhaustive.top(i, allowed[i].sum())


def test_candidate_columns_and_spreads_match_whole_rows(featurizer):
    retriever = Retriever(featurizer, candidates=10)
    rows = np.arange(len(featurizer.projects))
    everyone = np.tile(np.arange(len(featurizer.resources)), (len(rows), 1))
    columns, spreads = featurizer.candidate_columns(rows, everyone, retriever.spreads)
    for name, whole, part, (mean, std) in zip(
        featurizer.names, featurizer.columns(rows), columns, spreads, strict=True
    ):
        np.testing.assert_allclose(part, whole, atol=1e-4, err_msg=name)
        np.testing.assert_allclose(mean[:, 0], whole.mean(axis=1), atol=1e-5, err_msg=name)
        np.testing.assert_allclose(std[:, 0], whole.std(axis=1), atol=1e-4, err_msg=name)


def test_spreads_are_exact_over_distinct_fields_and_sampled_beyond(hash_encoder):
    sample = Path(__file__).parents[1] / "data" / "sample"
    projects = read_projects(sample / "projects.csv")[:40]
    featurizer = PairFeaturizer(
        projects, read_resources(sample / "resources.csv"), {"hash": hash_encoder}
    )
    retriever = Retriever(featurizer, candidates=10, sample=40)  # of 121 providers
    rows = np.arange(len(projects))
    everyone = np.tile(np.arange(len(featurizer.resources)), (len(rows), 1))
    _, spreads = featurizer.candidate_columns(rows, everyone, retriever.spreads)
    exact = []
    columns = featurizer.columns(rows)
    for name, whole, (mean, std) in zip(featurizer.names, columns, spreads, strict=True):
        _, weights = retriever.spreads.samples.get(name, ((), np.array([121.0])))
        if weights.sum() == 121:  # measured over every provider (grouped), not on a sample
            exact.append(name)
            np.testing.assert_allclose(mean[:, 0], whole.mean(axis=1), atol=1e-5, err_msg=name)
            np.testing.assert_allclose(std[:, 0], whole.std(axis=1), atol=1e-4, err_msg=name)
    assert {"need_space", "role_fit", "track_fit", "stage_fit", "region_fit"} <= set(exact)
    assert "specialty_fit" not in exact  # 63 distinct specialty sets
    ranker = Ranker(featurizer, Fusion(featurizer.names, "zsum"), retriever=retriever)
    scores, excluded = ranker.scores, ranker.excluded
    assert np.all((scores >= 0) | (scores == UNSCORED) | (excluded & (scores < VETOED + 0.01)))


def test_a_tree_fusion_scores_the_candidates_as_it_scores_whole_rows(judged_hash_features):
    train, test = judged_hash_features
    trees = Fusion(train.featurizer.names, "gbdt").fit(train.features, train.grades)
    featurizer = test.featurizer
    exhaustive = Ranker(featurizer, trees, candidates=len(featurizer.resources))
    staged = Ranker(featurizer, trees, retriever=Retriever(featurizer, candidates=10))
    scored = (staged.scores != UNSCORED) & ~staged.excluded
    assert scored.sum(axis=1).min() >= 10 and (~scored).any()
    close = np.isclose(staged.scores[scored], exhaustive.scores[scored], atol=1e-3)
    assert close.mean() > 0.99  # the same features but for float rounding of dense spreads
