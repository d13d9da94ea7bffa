"""Exclusions read from providers' prose and columns, against the judgments: how many pairs each
source's rules veto and how those pairs were graded. A rule an expert applies vetoes pairs
judged 0; a vetoed pair judged 2 or 3 is a misread rule (or a judge who read it as soft).

    .venv/bin/python bench/bench_exclusions.py

The rule reader was revised looking only at judged-train grades; judged-test is the locked part.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matcher import datasets, evaluate


def main() -> None:
    print("| source | providers with a rule | pairs | vetoed | graded 0 | 1 | 2 | 3 |")
    print("|---|---|---|---|---|---|---|---|")
    for name in datasets.SOURCES:
        source = datasets.load(name)
        excluded, grades = evaluate.vetoed_and_grades(
            source.qrels, source.judged_projects, source.resources
        )
        counts = [int(((grades == g) & excluded).sum()) for g in range(4)]
        ruled = int(excluded.any(axis=0).sum())
        share = counts[0] / max(sum(counts), 1)
        print(
            f"| {name} | {ruled} of {excluded.shape[1]} | {excluded.size} | {int(excluded.sum())} "
            f"| {counts[0]} ({share:.1%}) | {counts[1]} | {counts[2]} | {counts[3]} |"
        )


if __name__ == "__main__":
    main()
