"""The choice protocol: candidates are judged on the other hand-judged catalogue, never on the
one they were fitted on, and the chosen fusion ships only when it beats the naive sum and every
single signal on both locked parts."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from matcher import datasets, evaluate, selection
from matcher.selection import Candidate, Protocol


class Recorded:
    """A stand-in fusion that remembers what it was fitted on and what it scored."""

    def __init__(self, fitted_on, calls):
        self.fitted_on, self.calls = fitted_on, calls

    def predict(self, features):
        self.calls.append((self.fitted_on, features))
        return np.zeros(features.shape[:2], dtype=np.float32)


def test_each_catalogue_is_ranked_by_a_model_fitted_on_the_others_only(
    judged_hash_features, monkeypatch
):
    first, second = judged_hash_features
    third = replace(second, features=second.features.copy())  # another catalogue
    catalogues = [first, second, third]
    calls: list = []

    def fit(candidate, train, synthetic):
        return Recorded(tuple(id(t) for t in train), calls)

    monkeypatch.setattr(selection, "fit_candidate", fit)
    row = selection.across_catalogues(Candidate("linear"), catalogues, None, coverage=False)
    assert len(calls) == 3
    for fitted_on, features in calls:
        ranked = next(c for c in catalogues if c.features is features)
        assert sorted(fitted_on) == sorted(id(c) for c in catalogues if c is not ranked)
    assert 0.0 <= row.ndcg10_exp <= 1.0


def _row(name: str, value: float) -> evaluate.Row:
    return evaluate.Row(name, "fusion", value, value, value)


def test_the_other_catalogue_chooses_not_cross_validation_inside_one(
    judged_hash_features, monkeypatch
):
    first, second = judged_hash_features
    other = {c.name: 0.5 for c in selection.CANDIDATES} | {"linear → balanced×3": 0.7}
    inside = {c.name: 0.5 for c in selection.CANDIDATES} | {"gbdt": 0.9}
    monkeypatch.setattr(
        selection, "across_catalogues", lambda c, *a, **k: _row(c.name, other[c.name])
    )
    monkeypatch.setattr(selection, "new_provider_row", lambda c, *a: _row(c.name, inside[c.name]))
    monkeypatch.setattr(
        selection, "cv_scores", lambda c, train, *a: np.zeros(train.grades.shape, np.float32)
    )
    choice = selection.choose([first, second], None, coverage=False)
    assert choice.best.name == "linear → balanced×3"
    assert choice.new_providers["gbdt"].ndcg10_exp == pytest.approx(0.9)


@pytest.mark.parametrize(
    ("judged_test", "other_tests", "ships"),
    [(0.8, 0.7, "linear"), (0.8, 0.6, "zsum"), (0.6, 0.7, "zsum")],
)
def test_the_chosen_fusion_ships_only_if_it_beats_the_naive_sum_on_every_locked_part(
    judged_hash_features, monkeypatch, judged_test, other_tests, ships
):
    first, second = judged_hash_features
    parts = {"judged-train": first, "judged-test": second}
    for name in datasets.CATALOGUES[1:]:  # other catalogues: distinct objects of the same data
        parts[f"{name}-train"], parts[f"{name}-test"] = replace(second), replace(second)
    protocol = Protocol(first, parts)
    choice = selection.Choice(Candidate("linear", prior=3.0), {}, {}, {})
    monkeypatch.setattr(selection, "choose", lambda *a, **k: choice)

    def scored(data, fusions, coverage):
        assert any(data is locked for locked in protocol.locked.values())
        return {
            "chosen": _row("chosen", judged_test if data is protocol.test else other_tests),
            "zsum": _row("zsum", 0.65),
            "best_single": _row("best", 0.55),
        }

    monkeypatch.setattr(selection, "_scored", scored)
    shipped = selection.fit_shipped(protocol, coverage=False)
    assert shipped.kind == ships
    assert shipped.meta["candidate"] == "linear → balanced×3"
    assert ("naive sum ships instead" in shipped.meta["note"]) == (ships == "zsum")
    assert set(shipped.meta["locked"]) == {f"{name}-test" for name in datasets.CATALOGUES}
