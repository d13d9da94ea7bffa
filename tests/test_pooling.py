"""The judging queue pools each ranker's top suggestions and a few random ones, never a judged
or an excluded pair, and is the same on every visit."""

from __future__ import annotations

import numpy as np

from matcher.pooling import pool, ranker_scores

PIDS = ["P1", "P2"]
RIDS = [f"R{j}" for j in range(10)]


def _scores() -> dict[str, np.ndarray]:
    up = np.tile(np.arange(10, dtype=np.float32), (2, 1))  # likes R9, R8, …
    return {"fused": up, "text": -up}  # text likes R0, R1, …


def test_each_rankers_top_is_pooled_once_with_its_voters():
    queue = pool(PIDS, RIDS, _scores(), depth=2, random=0)
    p1 = {q.resource_id: q.rankers for q in queue if q.project_id == "P1"}
    assert p1 == {"R9": ("fused",), "R8": ("fused",), "R0": ("text",), "R1": ("text",)}


def test_judged_and_excluded_pairs_are_never_pooled():
    excluded = np.zeros((2, 10), dtype=bool)
    excluded[0, 9] = True
    queue = pool(PIDS, RIDS, _scores(), judged={"P1": {"R0": 2}}, excluded=excluded, depth=2)
    p1 = {q.resource_id for q in queue if q.project_id == "P1"}
    assert "R9" not in p1 and "R0" not in p1
    assert {"R8", "R7", "R1", "R2"} <= p1  # the next best of each ranker step in


def test_random_picks_are_outside_the_rankers_tops_and_stable():
    first = pool(PIDS, RIDS, _scores(), depth=2, random=3, seed=7)
    again = pool(PIDS, RIDS, _scores(), depth=2, random=3, seed=7)
    assert first == again
    randoms = [q for q in first if q.rankers == ("random",)]
    assert len(randoms) == 6
    assert all(q.resource_id not in {"R0", "R1", "R8", "R9"} for q in randoms)


def test_disagreements_come_first():
    scores = {"fused": np.tile(np.arange(10.0), (2, 1)), "text": np.tile(np.arange(10.0), (2, 1))}
    scores["text"][:, 0] = 100  # text alone likes R0
    queue = [q for q in pool(PIDS, RIDS, scores, depth=2, random=0) if q.project_id == "P1"]
    assert [(q.resource_id, q.rankers) for q in queue] == [
        ("R0", ("text",)),
        ("R8", ("fused",)),
        ("R9", ("fused", "text")),  # both agree: least to learn, last
    ]


def test_text_and_structured_rankers_read_their_own_features():
    names = ("bm25", "dense_e5_small", "track_fit", "type_bank")
    features = np.zeros((1, 3, 4), dtype=np.float32)
    features[0, 0, 0] = features[0, 0, 1] = 1  # R0: text
    features[0, 1, 2] = 1  # R1: structured
    features[0, 2, 3] = 5  # R2: a provider-type prior only, in neither
    rankers = ranker_scores(features, names, fused=np.zeros((1, 3)))
    assert int(np.argmax(rankers["text"][0])) == 0
    assert int(np.argmax(rankers["structured"][0])) == 1
