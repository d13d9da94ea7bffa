"""Pair features: one row depends only on its project and the providers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from matcher import prose
from matcher.features import PairFeaturizer, feature_names


def test_names_follow_the_encoders():
    names = feature_names(("e5-small", "use-m3"))
    assert names[:3] == ("bm25", "tfidf", "need_bm25")
    assert "dense_e5_small" in names and "need_dense_use_m3" in names
    assert "need_dense_e5_small" not in names  # e5 on need clauses: latency for no gain
    assert "excluded" not in names  # a veto, not something a fusion may weigh


def test_a_row_does_not_depend_on_the_other_projects(
    fixture_projects, fixture_resources, hash_encoder
):
    alone = PairFeaturizer(fixture_projects[:1], fixture_resources, {"hash": hash_encoder})
    other = replace(fixture_projects[1], project_id="X", description="完全不同的眼科AI软件" * 5)
    together = PairFeaturizer(
        [fixture_projects[0], *fixture_projects[1:], other],
        fixture_resources,
        {"hash": hash_encoder},
    )
    np.testing.assert_allclose(alone.block([0]), together.block([0]), rtol=1e-5, atol=1e-6)


def test_need_text_is_the_clauses_that_ask():
    text = "团队来自高校。已完成动物实验。下一步需要GMP中试放大，寻求CDMO合作。"
    assert prose.need_text(text) == "下一步需要gmp中试放大，寻求cdmo合作"
    assert prose.need_text("一款骨科植入物。") == "一款骨科植入物。"


def test_dense_similarities_are_the_same_bits_in_any_block_and_thread_count():
    from threadpoolctl import threadpool_limits

    from matcher.features import _similarities

    rng = np.random.default_rng(0)
    projects = rng.standard_normal((256, 384)).astype(np.float32)
    resources = rng.standard_normal((700, 384)).astype(np.float32)
    whole = _similarities(projects, resources)
    with threadpool_limits(1):
        assert np.array_equal(_similarities(projects, resources), whole)
        parts = [_similarities(projects[i : i + 7], resources) for i in range(0, 256, 7)]
    assert np.array_equal(np.concatenate(parts), whole)
