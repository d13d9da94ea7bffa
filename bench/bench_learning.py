"""Grades from one event improve the ranking of the *other* projects of the same catalogue.

    .venv/bin/python bench/bench_learning.py

The locked judged test projects are split into thirds. For each third, its grades are given to
`learning.refit` (as `matcher fit --qrels` would), and the champion and the adopted model (the
challenger if it won on held-out graded projects, else the champion) are scored on the other two
thirds, which neither saw. Two champions: the shipped fusion (fitted on hand-judged data, so the
jury is like ours), and one fitted on the synthetic rule-judged set only (a jury unlike the
training data: what a new competition's experts look like to a shipped model). A control fits
the challenger on grades shuffled within each project: it must not be adopted.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matcher import datasets, evaluate, learning, selection
from matcher.engine import Settings, load_encoders, load_fusion
from matcher.fusion import Fusion


def thirds(n: int, seed: int = 0) -> list[np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    return [np.sort(order[k::3]) for k in range(3)]


def scored(model: Fusion, data: selection.Labelled, rows: np.ndarray) -> evaluate.Row:
    shown = selection.final_scores(data, model.predict(data.features, data.resource_ids), True)
    return evaluate.row("", "fusion", shown[rows], data.grades[rows])


def shuffled_fit(champion: Fusion, base, event: selection.Labelled, seed: int = 0):
    rng = np.random.default_rng(seed)
    noisy = event.grades.copy()
    for i in range(len(noisy)):
        noisy[i] = rng.permutation(noisy[i])
    fake = replace(event, grades=noisy)
    return lambda rows: learning.fit_challenger(
        learning.Recipe(3.0, True), "linear", base, fake, rows
    )


def main() -> None:
    settings = Settings.from_env()
    encoders = load_encoders(settings)
    train = selection.featurise(datasets.load("judged-train"), encoders)
    test = selection.featurise(datasets.load("judged-test"), encoders)
    synthetic = selection.featurise(datasets.load("synthetic"), encoders)
    shipped = load_fusion(settings)
    from_synthetic = Fusion(train.featurizer.names, "linear").fit(*synthetic.block)
    from_synthetic.meta = {"coverage": True}
    scenarios = {
        "shipped (judged-train)": (shipped, [train]),
        "fitted on synthetic only": (from_synthetic, [synthetic]),
    }
    print(
        "| champion | graded third | recipe | held-out CV champion → challenger | adopted | "
        "other two thirds nDCG@10 exp: before → after (Δ) | Recall@5 before → after |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, (champion, base) in scenarios.items():
        deltas = []
        for k, graded in enumerate(thirds(len(test.grades))):
            others = np.setdiff1d(np.arange(len(test.grades)), graded)
            masked = test.grades.copy()
            masked[others] = np.nan
            event = replace(test, grades=masked)
            result = learning.refit(champion, base, event)
            adopted = result.winner or champion
            before, after = scored(champion, test, others), scored(adopted, test, others)
            deltas.append(after.ndcg10_exp - before.ndcg10_exp)
            c = result.comparison
            print(
                f"| {label} | {k + 1} ({len(graded)} projects) | {c.recipe} | "
                f"{c.champion.ndcg10_exp:.3f} → {c.challenger.ndcg10_exp:.3f} | "
                f"{'challenger' if c.wins else 'champion'} | "
                f"{before.ndcg10_exp:.3f} → {after.ndcg10_exp:.3f} ({deltas[-1]:+.3f}) | "
                f"{before.recall5:.3f} → {after.recall5:.3f} |",
                flush=True,
            )
        print(f"| {label} | mean | | | | Δ {np.mean(deltas):+.3f} (min {min(deltas):+.3f}) | |")
    graded = thirds(len(test.grades))[0]
    masked = test.grades.copy()
    masked[np.setdiff1d(np.arange(len(masked)), graded)] = np.nan
    event = replace(test, grades=masked)
    control = learning.refit(shipped, [train], event, fit=shuffled_fit(shipped, [train], event))
    c = control.comparison
    print(
        f"\ncontrol, challenger fitted on shuffled grades: held-out {c.champion.ndcg10_exp:.3f} → "
        f"{c.challenger.ndcg10_exp:.3f}, adopted: {'challenger' if c.wins else 'champion'}"
    )


if __name__ == "__main__":
    main()
