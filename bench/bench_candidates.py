"""Two-stage ranking: how often a tree fusion's top-10 survives the first stage, and what it saves.

    .venv/bin/python bench/bench_candidates.py [--projects 2000 --resources 5000]

Recall: a gbdt fusion fitted on judged-train ranks each source exhaustively and in two stages
(the naive z-sum keeps `candidates` providers per project, the trees score those); the table
gives the share of projects whose top-10 is identical, in order, and the share of exhaustive
top-10 pairs kept. The shipped linear model needs no such table: it scores every pair exactly
at the first stage's cost (`rank.score_block`).

Time: scoring a synthetic catalogue (bench_rank.py's) with the same trees, both ways.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from bench_rank import synthetic

from matcher.engine import Settings, load_encoders
from matcher.features import PairFeaturizer
from matcher.rank import best, score_block
from matcher.selection import Candidate, Labelled, Protocol, fit_candidate

COUNTS = (10, 20, 30, 50, 100)


def top10(scores: np.ndarray) -> list[list[int]]:
    allowed = np.ones(scores.shape[1], dtype=bool)
    return [best(row, allowed, 10).tolist() for row in scores]


def recall_rows(name: str, data: Labelled, trees) -> list[str]:
    columns = [np.ascontiguousarray(data.features[..., k]) for k in range(data.features.shape[-1])]
    whole = top10(trees.predict_columns(columns, data.resource_ids))
    rows = []
    for count in COUNTS:
        if count >= len(data.resource_ids):
            continue
        two = top10(score_block(trees, columns, data.resource_ids, candidates=count))
        same = np.mean([a == b for a, b in zip(whole, two, strict=True)])
        kept = np.mean([len(set(a) & set(b)) / len(a) for a, b in zip(whole, two, strict=True)])
        rows.append(
            f"| {name} | {len(data.grades)} × {len(data.resource_ids)} | {count} | "
            f"{same:.3f} | {kept:.3f} |"
        )
    return rows


def timed(featurizer: PairFeaturizer, trees, candidates: int) -> float:
    ids = [r.resource_id for r in featurizer.resources]
    start = time.perf_counter()
    for _, columns in featurizer.blocks():
        score_block(trees, columns, ids, candidates)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--resources", type=int, default=5000)
    args = parser.parse_args()
    encoders = load_encoders(Settings.from_env())
    protocol = Protocol.load(encoders)
    trees = fit_candidate(Candidate("gbdt"), [protocol.train], None)

    print(f"load average {os.getloadavg()[0]:.1f} at the start, {os.cpu_count()} cores")
    print("| source | projects × providers | candidates | top-10 identical | top-10 pairs kept |")
    print("|---|---|---|---|---|")
    for name, data in (
        ("judged-test (locked)", protocol.test),
        ("judged-train", protocol.train),
        ("sample (synthetic)", protocol.synthetic),
    ):
        print("\n".join(recall_rows(name, data, trees)))

    projects, resources = synthetic(args.projects, args.resources)
    featurizer = PairFeaturizer(projects, resources, encoders)
    exhaustive = timed(featurizer, trees, candidates=len(resources))
    two_stage = timed(featurizer, trees, candidates=Settings().candidates)
    print(
        f"\nscoring {len(projects):,} × {len(resources):,} with trees: exhaustive "
        f"{exhaustive:.1f} s, two stages ({Settings().candidates} candidates) {two_stage:.1f} s"
    )


if __name__ == "__main__":
    main()
