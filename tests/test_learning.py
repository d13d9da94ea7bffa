"""Refits from organiser grades: a challenger is adopted only when it wins on graded projects it
never saw; pooled (partial) grades teach only where judged; provider offsets generalise."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from matcher import evaluate, learning
from matcher.fusion import Fusion
from matcher.selection import Labelled


@pytest.fixture
def judged(judged_hash_features) -> tuple[Labelled, Labelled]:
    return judged_hash_features


def _graded(data: Labelled, rows: np.ndarray) -> Labelled:
    """Only the projects at `rows` graded (the others NaN), as an organiser would have it."""
    grades = np.full(data.grades.shape, np.nan, dtype=np.float32)
    grades[rows] = data.grades[rows]
    return replace(data, grades=grades)


def _shuffled(data: Labelled, seed: int = 0) -> Labelled:
    rng = np.random.default_rng(seed)
    return replace(data, grades=np.stack([rng.permutation(g) for g in data.grades]))


def test_too_few_graded_projects_are_explained_not_fitted(judged):
    train, test = judged
    champion = Fusion(train.featurizer.names, "linear").fit(*train.block)
    with pytest.raises(learning.NotEnoughGrades, match="至少需要 10"):
        learning.refit(champion, [train], _graded(test, np.arange(9)))


def test_a_challenger_fitted_on_shuffled_grades_loses(judged):
    train, test = judged
    champion = Fusion(train.featurizer.names, "linear").fit(*train.block)
    event = _graded(test, np.arange(20))
    noise = _shuffled(event)
    result = learning.refit(
        champion,
        [],
        event,
        fit=lambda rows: learning.fit_challenger(
            learning.Recipe(3.0, True), "linear", [], noise, rows
        ),
    )
    assert result.comparison.challenger.ndcg10_exp < result.comparison.champion.ndcg10_exp
    assert not result.comparison.wins and result.winner is None
    kept = learning.adopted(champion, result)
    assert kept.meta["kept"] == "champion" and np.array_equal(kept.coef_, champion.coef_)


def test_real_grades_beat_a_champion_fitted_on_noise_and_generalise(judged, monkeypatch):
    train, test = judged
    monkeypatch.setattr(
        learning, "RECIPES", (learning.Recipe(1.0, False), learning.Recipe(3.0, True))
    )
    champion = Fusion(train.featurizer.names, "linear").fit(*_shuffled(train).block)
    graded, others = np.arange(15), np.arange(15, len(test.grades))
    result = learning.refit(champion, [_shuffled(train)], _graded(test, graded))
    assert result.comparison.wins, result.comparison.as_dict()
    assert result.comparison.projects == 15 and result.comparison.pairs == 15 * 64

    def quality(model: Fusion) -> float:
        scores = model.predict(test.features[others], test.resource_ids)
        return evaluate.ndcg_at(scores, test.grades[others], exponential=True)

    assert quality(result.challenger) > quality(champion) + 0.05  # on projects nobody graded
    assert result.challenger.meta["organiser_labels_sha256"] == learning.labels_digest(
        _graded(test, graded)
    )


def test_unjudged_pairs_neither_teach_nor_count():
    names = ("bm25", "track_fit")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 8, 2)).astype(np.float32)
    grades = np.clip(np.round(x[..., 0] + 1.5), 0, 3).astype(np.float32)
    partial = grades.copy()
    partial[:, 4:] = np.nan
    fitted_partial = Fusion(names, "linear").fit(x, partial)
    fitted_subset = Fusion(names, "linear").fit(x[:, :4], grades[:, :4])
    # the pairwise model sees the same comparisons (z-scores are over all providers, so close)
    assert fitted_partial.coef_[0] > fitted_partial.coef_[1]
    assert np.isfinite(fitted_partial.predict(x)).all()
    assert fitted_subset.coef_[0] > fitted_subset.coef_[1]
    # metrics read a list as its judged pairs only: an unjudged pair on top costs nothing
    scores = np.array([[9.0, 3.0, 2.0, 1.0]])
    assert evaluate.ndcg_at(*evaluate.condensed(scores, np.array([[np.nan, 3, 2, 0]]))) == 1.0


def test_provider_offsets_move_a_provider_the_jury_keeps_grading_low(judged):
    train, test = judged
    champion = Fusion(train.featurizer.names, "linear").fit(*train.block)
    harsh = test.grades.copy()
    harsh[:, 0] = 0  # the jury never likes provider 0
    event = replace(test, grades=harsh)
    offsets = learning.provider_offsets(champion, event, np.arange(20))
    assert offsets[test.resource_ids[0]] < 0
    champion.provider_offsets = offsets
    plain = Fusion.predict(champion, test.features[20:])
    shifted = champion.predict(test.features[20:], test.resource_ids)
    assert (shifted[:, 0] <= plain[:, 0]).all() and (shifted[:, 0] < plain[:, 0]).any()
    assert shifted.min() >= 0.0


def test_complete_and_pooled_grades_differ_only_in_unlisted_pairs():
    qrels = {"P1": {"R1": 3}}
    complete = learning.grades_from(qrels, ["P1", "P2"], ["R1", "R2"], complete=True)
    pooled = learning.grades_from(qrels, ["P1", "P2"], ["R1", "R2"], complete=False)
    assert complete[0].tolist() == [3.0, 0.0] and np.isnan(complete[1]).all()
    assert pooled[0, 0] == 3.0 and np.isnan(pooled[0, 1])
