"""Measure 1 vs 2 threads for the three kinds of work the ranker does; prints a markdown table.

    .venv/bin/python bench/bench_threads.py [--rounds 7] [--block 256x5000] [--no-encoder]

- fusion: the shipped fusion's `predict` on one block of pairs (the ranker scores 256 projects ×
  all providers at a time); threads via threadpoolctl (OpenMP for a GBDT, BLAS for the linear
  model's matrix-vector product). Features are random with the model's width: prediction time
  does not depend on the values for the linear model and barely for trees.
- matmul: float32 (2,000 × 384) @ (384 × 20,000), the dense cosine block at e5's width (BLAS).
- e5 batch: `encode_passages` of 64 sample sentences with torch.set_num_threads(n).

Thread counts alternate round by round (1, 2, 1, 2, …) so a busy neighbour slows both alike; the
table gives the median and the range. Nothing is written anywhere.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_encoders import load_sentences
from threadpoolctl import threadpool_info, threadpool_limits

from matcher.fusion import Fusion
from matcher.text.encoders import load_encoder

ROOT = Path(__file__).resolve().parents[1]


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def compare(
    name: str, work: Callable[[], object], set_threads: Callable[[int], object], rounds: int
) -> dict[int, list[float]]:
    work()  # warm caches, lazy imports and thread pools
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(rounds):
        for n in (1, 2):
            with set_threads(n):  # type: ignore[attr-defined]
                times[n].append(timed(work))
    print(
        f"  {name}: 1 thread {statistics.median(times[1]):.3f} s, "
        f"2 threads {statistics.median(times[2]):.3f} s",
        file=sys.stderr,
    )
    return times


class torch_threads:
    """Context manager: torch.set_num_threads(n), restored on exit."""

    def __init__(self, n: int) -> None:
        import torch

        self.torch, self.n, self.before = torch, n, torch.get_num_threads()

    def __enter__(self) -> None:
        self.torch.set_num_threads(self.n)

    def __exit__(self, *exc: object) -> None:
        self.torch.set_num_threads(self.before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--block", default="256x5000", help="projects x providers per block")
    parser.add_argument("--no-encoder", action="store_true", help="skip the (slow) e5 batch")
    args = parser.parse_args()
    n_p, n_r = (int(x) for x in args.block.split("x"))
    rng = np.random.default_rng(0)

    fusion = Fusion.load(ROOT / "models" / "fusion")
    features = rng.normal(size=(n_p, n_r, len(fusion.names))).astype(np.float32)
    left = rng.normal(size=(2_000, 384)).astype(np.float32)
    right = rng.normal(size=(384, 20_000)).astype(np.float32)

    def limits(n: int) -> threadpool_limits:
        return threadpool_limits(limits=n)

    cases = [
        (
            f"fusion ({fusion.kind}) predict, {n_p} × {n_r} pairs",
            lambda: fusion.predict(features),
            limits,
        ),
        ("numpy float32 (2,000 × 384) @ (384 × 20,000)", lambda: left @ right, limits),
    ]
    if not args.no_encoder:
        encoder = load_encoder("e5-small")
        sentences, _ = load_sentences(64, ROOT / "data")
        mean_chars = np.mean([len(t) for t in sentences])
        cases.append(
            (
                f"e5-small encode_passages, 64 texts of {mean_chars:.0f} characters on average",
                lambda: encoder.encode_passages(sentences),
                torch_threads,
            )
        )
    pools = sorted({f"{p['internal_api']} ({p['num_threads']})" for p in threadpool_info()})
    print(
        f"thread pools at start: {', '.join(pools)}; cpu_count {os.cpu_count()}; "
        f"load average {os.getloadavg()[0]:.1f}",
        file=sys.stderr,
    )
    rows = [(name, compare(name, work, setter, args.rounds)) for name, work, setter in cases]
    print(
        "| work | 1 thread (median, range) | 2 threads (median, range) | 2 vs 1 |\n"
        "|---|---|---|---|"
    )
    for name, times in rows:
        one, two = statistics.median(times[1]), statistics.median(times[2])
        print(
            f"| {name} | {one * 1000:.0f} ms ({min(times[1]) * 1000:.0f}–"
            f"{max(times[1]) * 1000:.0f}) | {two * 1000:.0f} ms ({min(times[2]) * 1000:.0f}–"
            f"{max(times[2]) * 1000:.0f}) | {one / two:.2f}× |"
        )
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
