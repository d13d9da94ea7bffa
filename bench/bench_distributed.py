"""Ranking on Ray against the single process: time, throughput and peak memory per worker.

    .venv/bin/python bench/bench_distributed.py [--projects 10000 --resources 5000 --workers 2]

The catalogue is bench_rank.py's synthetic one (the sample's records under new ids, so every
embedding is cached): the figures are ranking time, not encoding time. Both engines write the
rows of `matcher rank`; the script checks that they are identical.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time

from bench_rank import synthetic

from matcher.distributed import DEFAULT_SHARD, Cluster, rank_on_ray
from matcher.engine import Settings, load_encoders, load_fusion, open_catalogue
from matcher.rank_rows import rank_rows


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def single_process(projects, resources, fusion, encoders) -> tuple[list, float]:
    start = time.perf_counter()
    snapshot = open_catalogue(projects, resources, fusion=fusion, encoders=encoders).current()
    rows = rank_rows(snapshot, projects)
    return rows, time.perf_counter() - start


def on_ray(projects, resources, fusion, workers: int, shard: int) -> tuple[list, dict, dict]:
    """Rows, each worker's peak MB, and when the first and the last shard came back."""
    seen: dict[str, float] = {}

    def progress(what: str, done: int, total: int) -> None:
        if not done:
            return  # the line shown before any shard is back
        seen.setdefault("first_s", time.perf_counter() - start)
        seen.setdefault("first_done", done)
        seen["last_s"] = time.perf_counter() - start

    start = time.perf_counter()
    ranking = rank_on_ray(
        projects, resources, fusion, Cluster(workers=workers), shard_size=shard, progress=progress
    )
    seen["total_s"] = time.perf_counter() - start
    return ranking.rows, ranking.worker_peak_mb, seen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--resources", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shard", type=int, default=DEFAULT_SHARD)
    parser.add_argument(
        "--ray-only",
        action="store_true",
        help="skip the single process (its score matrix alone is 10 GB at 100,000 × 20,000)",
    )
    args = parser.parse_args()
    projects, resources = synthetic(args.projects, args.resources)
    settings = Settings.from_env()
    fusion, encoders = load_fusion(settings), load_encoders(settings)
    pairs = len(projects) * len(resources)

    ray_rows, peaks, ray_t = on_ray(projects, resources, fusion, args.workers, args.shard)
    if args.ray_only:
        local_rows, local_s = ray_rows, float("nan")
    else:
        local_rows, local_s = single_process(projects, resources, fusion, encoders)
    steady = (len(projects) - ray_t["first_done"]) / max(ray_t["last_s"] - ray_t["first_s"], 1e-9)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at the end, Python {platform.python_version()}"
    )
    same = "not compared (--ray-only)" if args.ray_only else ray_rows == local_rows
    print(f"identical rows: {same} ({len(ray_rows):,} rows)")
    print("| engine | projects × providers | wall (s) | projects/s | pairs/s | peak memory |")
    print("|---|---|---|---|---|---|")
    print(
        f"| single process | {len(projects):,} × {len(resources):,} | {local_s:.1f} | "
        f"{len(projects) / local_s:.1f} | {pairs / local_s:,.0f} | {peak_rss_mb():,.0f} MB |"
    )
    workers = ", ".join(f"{mb:,.0f}" for mb in sorted(peaks.values()))
    print(
        f"| Ray, {args.workers} workers (shards of {args.shard}) | {len(projects):,} × "
        f"{len(resources):,} | {ray_t['total_s']:.1f} | {len(projects) / ray_t['total_s']:.1f} | "
        f"{pairs / ray_t['total_s']:,.0f} | workers {workers} MB (driver above) |"
    )
    print(
        f"Ray: first shard back after {ray_t['first_s']:.1f} s (start, model load, providers), "
        f"then {steady:.1f} projects/s = {steady * len(resources):,.0f} pairs/s "
        f"({steady * len(resources) / args.workers:,.0f} per worker)"
    )


if __name__ == "__main__":
    main()
