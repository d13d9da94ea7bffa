"""The retrieval stage (`matcher/retrieval.py`) against exhaustive scoring: recall and speed.

    PYTHONPATH=. .venv/bin/python bench/bench_retrieval.py [--recall] [--speed 20000x5000 ...]

Recall: the judged set (data/judged) and the sample (data/sample) are far below
`MATCHER_ANN_ABOVE`, so the stage is forced on them with few candidates per source; each row is
the shipped fusion's plain top-10 (no coverage) exhaustively and through the stage: the share of
projects whose top-10 is identical in order, and the share of top-10 pairs kept. The structured
features' spreads are exact on these sets ("all": fewer distinct values of what each reads
than `retrieval.SAMPLE`); "m drawn" replaces every one of them by the estimate from m providers
drawn at random (with replacement) from the set: the sampling error a catalogue has at
m = `SAMPLE` if every structured feature read more than `SAMPLE` distinct values (the worst
case: the need, role, track, stage and region fits read a few dozen).

Speed: scoring every project of bench_rank.py's synthetic catalogue (the sample's records under
new ids, vectors cached) both ways, after the same preparation. Its top-10s are compared as
sequences of provider *texts* (the catalogue repeats the sample's 121 providers, and which
copy of a tied provider a list shows is arbitrary); the recall that matters is the table above.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
from bench_rank import synthetic

from matcher.engine import Settings, load_encoders, load_fusion
from matcher.features import PairFeaturizer, SpreadSource
from matcher.index import APPROXIMATE_ABOVE
from matcher.ingest import read_projects, read_resources
from matcher.rank import best, scored_rows
from matcher.retrieval import Retriever

ROOT = Path(__file__).resolve().parents[1]
COUNTS = (5, 10, 20, 30)
SAMPLES = (0, 1024, 256)  # 0: all providers, exactly


def top10(scores: np.ndarray) -> list[list[int]]:
    allowed = np.ones(scores.shape[1], dtype=bool)
    return [best(row, allowed, 10).tolist() for row in scores]


def scores(featurizer, fusion, retriever=None, block: int = 256) -> np.ndarray:
    ids = [r.resource_id for r in featurizer.resources]
    out = np.empty((len(featurizer.projects), len(ids)), dtype=np.float32)
    for rows in featurizer.row_blocks(block):
        out[rows] = scored_rows(featurizer, fusion, rows, ids, retriever=retriever)[0]
    return out


def agreement(whole: list[list[int]], two: list[list[int]]) -> tuple[float, float]:
    same = float(np.mean([a == b for a, b in zip(whole, two, strict=True)]))
    kept = float(
        np.mean(
            [(Counter(a) & Counter(b)).total() / len(a) for a, b in zip(whole, two, strict=True)]
        )
    )
    return same, kept


def recall(encoders, fusion) -> None:
    print(
        "| set | projects × providers | candidates per source | sample | scored per project |"
        " top-10 identical | top-10 pairs kept |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in ("judged", "sample"):
        folder = ROOT / "data" / name
        featurizer = PairFeaturizer(
            read_projects(folder / "projects.csv"),
            read_resources(folder / "resources.csv"),
            encoders,
        )
        whole = top10(scores(featurizer, fusion))
        shape = f"{len(featurizer.projects)} × {len(featurizer.resources)}"
        for count in COUNTS:
            for sample in SAMPLES:
                retriever = Retriever(featurizer, count)
                if sample:
                    retriever.spreads = drawn(featurizer, retriever.spreads, sample)
                widths = [
                    len(np.unique(retriever.search(featurizer, rows, b, x)[0]))
                    for rows, b, x in _firsts(featurizer)
                ]
                same, kept = agreement(whole, top10(scores(featurizer, fusion, retriever)))
                print(
                    f"| {name} | {shape} | {count} | {f'{sample} drawn' if sample else 'all'} | "
                    f"{np.mean(widths):.0f} | {same:.3f} | {kept:.3f} |"
                )


def drawn(featurizer, spreads: SpreadSource, m: int, seed: int = 0) -> SpreadSource:
    """`spreads` with the structured ones measured on m providers drawn with replacement."""
    n = len(featurizer.resources)
    weights = np.random.default_rng(seed).multinomial(m, np.full(n, 1 / n)).astype(np.float32)
    chosen = np.flatnonzero(weights)
    sample = (chosen, weights[chosen])
    return replace(spreads, samples=dict.fromkeys(spreads.samples, sample))


def _firsts(featurizer, n: int = 50):
    """(rows, bm25 row, veto row) of the first n projects one by one: the candidates' count."""
    for i in range(min(n, len(featurizer.projects))):
        rows = np.array([i])
        yield rows, featurizer.lexical(rows)[0], featurizer.excluded(rows)


def speed(encoders, fusion, size: str, approximate_above: int) -> None:
    n_projects, n_resources = (int(x) for x in size.split("x"))
    projects, resources = synthetic(n_projects, n_resources)
    start = time.perf_counter()
    featurizer = PairFeaturizer(projects, resources, encoders)
    prepared = time.perf_counter() - start
    start = time.perf_counter()
    retriever = Retriever(featurizer, Settings().candidates, approximate_above=approximate_above)
    built = time.perf_counter() - start
    start = time.perf_counter()
    fast = scores(featurizer, fusion, retriever)
    staged = time.perf_counter() - start
    start = time.perf_counter()
    slow = scores(featurizer, fusion)
    exhaustive = time.perf_counter() - start
    distinct = len(read_resources(ROOT / "data" / "sample" / "resources.csv"))
    same, kept = agreement(
        *([[j % distinct for j in row] for row in top10(x)] for x in (slow, fast))
    )
    kind = next(iter(retriever.indexes.values())).kind
    print(
        f"| {n_projects:,} × {n_resources:,} | {prepared:.1f} | {exhaustive:.1f} | "
        f"{built:.1f} + {staged:.1f} ({kind}) | {exhaustive / (built + staged):.1f}× | "
        f"{same:.3f} / {kept:.3f} | {os.getloadavg()[0]:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recall", action="store_true")
    parser.add_argument("--speed", nargs="*", default=[], help="PROJECTSxPROVIDERS ...")
    parser.add_argument("--approximate-above", type=int, default=APPROXIMATE_ABOVE)
    args = parser.parse_args()
    settings = Settings.from_env()
    encoders, fusion = load_encoders(settings), load_fusion(settings)
    print(
        f"load average {os.getloadavg()[0]:.1f} at the start, {os.cpu_count()} cores; "
        f"fusion {fusion.kind}, {settings.candidates} candidates per source"
    )
    if args.recall:
        recall(encoders, fusion)
    if args.speed:
        print(
            "\n| projects × providers | prepare (s) | exhaustive scoring (s) | retrieval: build + "
            "scoring (s) | speed-up | top-10 identical / kept | load |"
        )
        print("|---|---|---|---|---|---|---|")
    for size in args.speed:
        speed(encoders, fusion, size, args.approximate_above)


if __name__ == "__main__":
    main()
