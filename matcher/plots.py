"""Plots for numbers people compare: the ranking-quality table as a bar chart."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .evaluate import Row
from .files import atomic_path

_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]+")


def _ascii(label: str) -> str:
    """Plot labels without Chinese: the default font has no CJK glyphs on a bare machine."""
    return re.sub(r"\s+", " ", _CJK.sub("", label)).strip() or label


def quality_chart(rows: Sequence[Row], path: str | Path, title: str = "Ranking quality") -> Path:
    """Horizontal bars of nDCG@10 and Recall@5 per ranker, fusions highlighted; PNG or SVG by suffix."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    labels = [_ascii(r.name) for r in rows]
    y = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(rows) + 1.2))
    colours = {"baseline": "#9e9e9e", "signal": "#90caf9", "fusion": "#1565c0"}
    ax.barh(
        y - 0.2,
        [r.ndcg10 for r in rows],
        height=0.4,
        color=[colours[r.kind] for r in rows],
        label="nDCG@10",
    )
    ax.barh(y + 0.2, [r.recall5 for r in rows], height=0.4, color="#ffb74d", label="Recall@5")
    for i, r in enumerate(rows):
        ax.text(r.ndcg10 + 0.005, i - 0.2, f"{r.ndcg10:.3f}", va="center", fontsize=7)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_title(
        title + "  (grey: baselines, light blue: single signals, dark blue: fusions)", fontsize=9
    )
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format=target.suffix.lstrip(".") or "png", dpi=110)
    plt.close(fig)
    return target
