"""Ranking benchmarks: time and peak memory for the shipped sample and a synthetic catalogue.

    .venv/bin/python bench/bench_rank.py [--synthetic-projects 20000 --synthetic-resources 5000]

The synthetic catalogue repeats the sample's records under new ids, so every text's embedding is
already in the on-disk cache ("cached embeddings"): the figure is ranking time, not encoding time.
"""

from __future__ import annotations

import argparse
import platform
import resource
import time
from dataclasses import replace
from pathlib import Path

from matcher.catalogue import Catalogue
from matcher.engine import Settings, load_encoders, load_fusion
from matcher.ingest import read_projects, read_resources
from matcher.schema import Project, Resource

ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_rank(projects, resources, top_k: int = 10) -> dict[str, float]:
    """The command line's path: an in-memory catalogue, then every project's list."""
    settings = Settings.from_env()
    catalogue = Catalogue(load_encoders(settings), load_fusion(settings))
    start = time.perf_counter()
    snapshot = catalogue.load(projects, resources)  # prepares features and scores every pair
    scored = prepared = time.perf_counter()
    n = 0
    for p in projects:
        n += len(snapshot.resources_for(p.project_id, top_k))
    listed = time.perf_counter()
    return {
        "prepare_s": prepared - start,
        "score_s": scored - prepared,
        "top_k_with_reasons_s": listed - scored,
        "total_s": listed - start,
        "pairs": len(projects) * len(resources),
        "rows": n,
        "peak_rss_mb": peak_rss_mb(),
    }


def synthetic(n_projects: int, n_resources: int) -> tuple[list[Project], list[Resource]]:
    """The sample's records repeated under new ids: every text's vector is already cached."""
    projects = read_projects(ROOT / "data/sample/projects.csv")
    resources = read_resources(ROOT / "data/sample/resources.csv")
    return (
        [replace(projects[i % len(projects)], project_id=f"S{i}") for i in range(n_projects)],
        [replace(resources[i % len(resources)], resource_id=f"T{i}") for i in range(n_resources)],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--synthetic-projects", type=int, default=20_000)
    parser.add_argument("--synthetic-resources", type=int, default=5_000)
    args = parser.parse_args()
    projects = read_projects(ROOT / "data/sample/projects.csv")
    resources = read_resources(ROOT / "data/sample/resources.csv")
    load_encoders(Settings.from_env())  # model load time is not ranking time

    rows = [("sample", len(projects), len(resources), timed_rank(projects, resources))]
    big_p, big_r = synthetic(args.synthetic_projects, args.synthetic_resources)
    timed_rank(big_p[: len(projects)], big_r[: len(resources)])  # warm the embedding cache
    rows.append(("synthetic", len(big_p), len(big_r), timed_rank(big_p, big_r)))

    print(
        f"machine: {platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        "| catalogue | projects × providers | prepare + score all pairs (s) | top-10 + reasons (s) | total (s) | peak RSS (MB) |"
    )
    print("|---|---|---|---|---|---|")
    for name, n_p, n_r, t in rows:
        print(
            f"| {name} | {n_p:,} × {n_r:,} | {t['prepare_s']:.1f} | {t['top_k_with_reasons_s']:.1f} | {t['total_s']:.1f} | {t['peak_rss_mb']:,.0f} |"
        )


if __name__ == "__main__":
    main()
