"""What int8 query encoders cost in ranking quality and buy in speed; prints markdown tables.

    .venv/bin/python bench/bench_query_int8.py [--seeds 0 1 2] [--repeats 30]

The service embeds free-text queries with int8 copies of the encoders (matcher.text.quantize)
while records keep float32 embeddings. This scores that setting on the labelled development
set: for each fold of 5-fold cross-validation the fusion is fitted on float32 features (as
`matcher fit` does), then its held-out projects are scored twice, once with float32 and once
with int8 project-side vectors against the same float32 provider vectors. Then it times one
short query per encoder, single-threaded, as the service runs them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402

from matcher import datasets, evaluate  # noqa: E402
from matcher.engine import Settings, all_features  # noqa: E402
from matcher.features import PairFeaturizer, project_vectors  # noqa: E402
from matcher.fusion import Fusion  # noqa: E402
from matcher.text.encoders import load_encoder  # noqa: E402
from matcher.text.quantize import int8_queries  # noqa: E402

QUERY = "可降解冠脉支架，已完成动物实验，正在准备多中心临床试验，需要融资"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(1)

    settings = Settings.from_env()
    full = {name: load_encoder(name, settings.models_dir) for name in settings.encoders}
    quick = {name: int8_queries(encoder) for name, encoder in full.items()}
    source = datasets.load("judged-train")
    judged, resources = source.judged_projects, source.resources
    grades = evaluate.grade_matrix(source.qrels, judged, resources)

    featurizer = PairFeaturizer(judged, resources, full)
    float_features = all_features(featurizer)
    int8_vectors = project_vectors(quick, judged)
    int8_features = all_features(featurizer.for_projects(judged, int8_vectors))

    print(f"judged-train: {len(judged)} projects × {len(resources)} providers, 5-fold CV")
    print("nDCG@10 with exponential gains, the shipped kind of fusion (pairwise linear)\n")
    print("| seed | nDCG@10 float32 | nDCG@10 int8 queries | Recall@5 float32 | Recall@5 int8 |")
    print("|---|---|---|---|---|")
    groups = np.arange(len(grades))
    for seed in args.seeds:
        scores = {"f": np.zeros(grades.shape, np.float32), "q": np.zeros(grades.shape, np.float32)}
        for train, test in GroupKFold(5, shuffle=True, random_state=seed).split(
            groups, groups=groups
        ):
            fusion = Fusion(featurizer.names, "linear", random_state=seed)
            fusion.fit(float_features[train], grades[train])
            scores["f"][test] = fusion.predict(float_features[test])
            scores["q"][test] = fusion.predict(int8_features[test])
        ndcg = {k: evaluate.ndcg_at(v, grades, exponential=True) for k, v in scores.items()}
        recall = {k: evaluate.recall_at(v, grades) for k, v in scores.items()}
        print(
            f"| {seed} | {ndcg['f']:.4f} | {ndcg['q']:.4f} | {recall['f']:.4f} | {recall['q']:.4f} |"
        )

    print(
        "\n| encoder | cosine int8 vs float32 (min / mean) | one query float32 | one query int8 |"
    )
    print("|---|---|---|---|")
    for name in full:
        cosine = (int8_vectors[name] * featurizer.project_vectors[name]).sum(axis=1)
        times = [_ms_per_query(encoder, args.repeats) for encoder in (full[name], quick[name])]
        print(
            f"| {name} | {cosine.min():.4f} / {cosine.mean():.4f} | {times[0]:.1f} ms | {times[1]:.1f} ms |"
        )


def _ms_per_query(encoder, repeats: int) -> float:
    for _ in range(3):
        encoder.encode_queries([QUERY])
    started = time.perf_counter()
    for _ in range(repeats):
        encoder.encode_queries([QUERY])
    return (time.perf_counter() - started) / repeats * 1000


if __name__ == "__main__":
    main()
