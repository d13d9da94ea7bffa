"""Plots for numbers people compare: the ranking-quality table as a bar chart."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from .evaluate import Row
from .files import atomic_path

_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]+")


def _ascii(label: str) -> str:
    """Plot labels without Chinese: the default font has no CJK glyphs on a bare machine."""
    return re.sub(r"\s+", " ", _CJK.sub("", label)).strip() or label


def quality_chart(
    tables: Mapping[str, Sequence[Row]], path: str | Path, title: str = "Ranking quality"
) -> Path:
    """nDCG@10 (exponential gains) of the baselines and fusions, one bar per data source;
    PNG or SVG by suffix."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    sources = list(tables)
    names = list(
        dict.fromkeys(r.name for rows in tables.values() for r in rows if r.kind != "signal")
    )
    value = {(s, r.name): r.ndcg10_exp for s, rows in tables.items() for r in rows}
    y = np.arange(len(names))
    height = 0.8 / max(len(sources), 1)
    fig, ax = plt.subplots(figsize=(8, (0.12 * len(sources) + 0.1) * len(names) + 1.5))
    colours = plt.get_cmap("tab10" if len(sources) <= 10 else "tab20")
    for k, source in enumerate(sources):
        ax.barh(
            y - 0.4 + height * (k + 0.5),
            [value.get((source, n), np.nan) for n in names],
            height=height,
            color=colours(k % colours.N),
            label=_ascii(source) or source,
        )
    ax.set_yticks(y, [_ascii(n) for n in names])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("nDCG@10, exponential gains")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=2, fontsize=8)
    with atomic_path(path) as tmp:  # "tight": the long labels and the legend stay inside
        fig.savefig(
            tmp, format=Path(path).suffix.lstrip(".") or "png", dpi=120, bbox_inches="tight"
        )
    plt.close(fig)
    return Path(path)
