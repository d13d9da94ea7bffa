"""`matcher rank` end to end (start-up included): a big catalogue against a 96 × 48 run.

    .venv/bin/python bench/bench_rank_cli.py [--projects 20000 --resources 5000]

The small run is the first 96 judged projects against the first 48 judged providers; the big
one is bench_rank.py's synthetic catalogue (the sample's records under new ids, so every text's
vector is cached and the figure is ranking time, not encoding time) written to CSV files. Each
command is timed as a subprocess with its peak memory; the small run goes before and after the big
one, and the ratio uses the faster of the two.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
MATCHER = Path(sys.executable).with_name("matcher")


def repeated(path: Path, n: int, id_column: str, prefix: str) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    out = pd.concat([frame] * (n // len(frame) + 1), ignore_index=True).iloc[:n].copy()
    out[id_column] = [f"{prefix}{i}" for i in range(n)]
    return out


def run(projects: Path, resources: Path, out: Path) -> tuple[float, int]:
    """Wall seconds and output rows of one `matcher rank`."""
    start = time.perf_counter()
    subprocess.run(
        [MATCHER, "rank", "-p", projects, "-r", resources, "-o", out],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start, sum(1 for _ in out.open(encoding="utf-8-sig")) - 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--resources", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        judged = ROOT / "data" / "judged"
        pd.read_csv(judged / "projects.csv", dtype=str, keep_default_na=False).iloc[:96].to_csv(
            tmp / "p_small.csv", index=False, encoding="utf-8-sig"
        )
        pd.read_csv(judged / "resources.csv", dtype=str, keep_default_na=False).iloc[:48].to_csv(
            tmp / "r_small.csv", index=False, encoding="utf-8-sig"
        )
        sample = ROOT / "data" / "sample"
        repeated(sample / "projects.csv", args.projects, "项目编号", "S").to_csv(
            tmp / "p_big.csv", index=False, encoding="utf-8-sig"
        )
        repeated(sample / "resources.csv", args.resources, "资源方编号", "T").to_csv(
            tmp / "r_big.csv", index=False, encoding="utf-8-sig"
        )
        load = os.getloadavg()[0]
        small_before, _ = run(tmp / "p_small.csv", tmp / "r_small.csv", tmp / "small.csv")
        big, rows = run(tmp / "p_big.csv", tmp / "r_big.csv", tmp / "big.csv")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        small_after, _ = run(tmp / "p_small.csv", tmp / "r_small.csv", tmp / "small.csv")
    small = min(small_before, small_after)
    print(f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after; {os.cpu_count()} cores")
    print("| run | wall (s) |")
    print("|---|---|")
    print(f"| 96 × 48 (before / after) | {small_before:.1f} / {small_after:.1f} |")
    print(
        f"| {args.projects:,} × {args.resources:,} ({rows:,} rows, peak {peak:,.0f} MB) | {big:.1f} |"
    )
    print(f"ratio: {big / small:.1f}× the faster 96 × 48 run")


if __name__ == "__main__":
    main()
