"""Server-side plots as inline SVG strings (matplotlib, no pyplot), cached per input key.

Text is emitted as SVG <text> (`svg.fonttype: none`) so the browser draws the Chinese labels
with its own fonts; matplotlib only measures them, with a CJK font when one is installed
(Debian: fonts-noto-cjk), else the labels fall back to their English keys.
"""

from __future__ import annotations

import html
import io
import re
import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from functools import cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
from cachetools import LRUCache

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_LOCK = threading.RLock()  # matplotlib's font and text caches are not thread-safe
CACHE_SIZE = 32
_CACHE: LRUCache[Hashable, str] = LRUCache(maxsize=CACHE_SIZE)
CJK_NAMES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Source Han Sans SC",
    "SimHei",
    "Microsoft YaHei",
)


@cache
def cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can measure with, or None."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_NAMES:
        if name in known:
            return name
    for path in font_manager.findSystemFonts():  # a font cache older than the font package
        if "CJK" in path or "wqy" in path.lower():
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    return None


def render(key: Hashable, draw: Callable[..., str], *args: Any) -> str:
    """`draw(*args)` in the house style, remembered under `key` (include the snapshot version)."""
    import matplotlib

    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        font = cjk_font()
        families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
        style: Any = {
            "svg.fonttype": "none",
            "font.family": families,
            "svg.hashsalt": "medmatch",
            "font.size": 9,
        }
        with matplotlib.rc_context(style):
            svg = draw(*args)
        _CACHE[key] = svg
        return svg


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _svg(figure: Figure, name: str) -> str:
    """The figure as inline SVG with an accessible name (`name`)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    # scale with the page: drop the fixed size, keep the viewBox
    label = html.escape(name, quote=True)
    return re.sub(
        r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
        lambda m: f'<svg{m.group(1)} role="img" aria-label="{label}"',
        text,
        count=1,
    )


def text(chinese: str, english: str) -> str:
    return chinese if cjk_font() else english


def score_histogram(grades: np.ndarray, meeting_grades: Sequence[float]) -> str:
    """Distribution of every pair's expected grade (0–3; NaN pairs left out), with the planned
    meetings' grades over it."""
    figure = _figure(6.4, 2.8)
    axes = figure.add_subplot()
    bins = [i / 10 for i in range(31)]
    values = np.asarray(grades, dtype=float).ravel()
    values = values[~np.isnan(values)]
    weights = np.full(values.shape, 1.0 / max(len(values), 1))
    axes.hist(
        values, bins=bins, weights=weights, color="#9db4c8", label=text("全部配对", "all pairs")
    )
    if len(meeting_grades):
        met = np.asarray(meeting_grades, dtype=float)
        axes.hist(
            met,
            bins=bins,
            weights=np.full(met.shape, 1.0 / len(met)),
            color="#d9534f",
            alpha=0.75,
            label=text("已排会面", "planned meetings"),
        )
    axes.set_xlim(0, 3)
    axes.set_xticks([0, 1, 2, 3])
    axes.set_xlabel(
        text("预计专家评分（0–3：3 理想伙伴 · 2 良好 · 1 一般 · 0 不合适）", "expected grade (0–3)")
    )
    axes.set_ylabel(text("占比", "share"))
    axes.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    axes.legend(frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(
        figure, text("匹配分分布直方图：全部配对与已排会面的预计专家评分", "score histogram")
    )


def score_heatmap(
    scores: np.ndarray,
    row_groups: Sequence[tuple[str, int]],
    col_groups: Sequence[tuple[str, int]],
    meetings: Sequence[tuple[int, int]] = (),
) -> str:
    """Projects (rows, grouped) × providers (columns, grouped); planned meetings as dots."""
    n_rows, n_cols = scores.shape
    figure = _figure(7.2, 5.6)
    axes = figure.add_subplot()
    image = axes.imshow(
        scores, aspect="auto", cmap="YlGnBu", vmin=0.0, vmax=3.0, interpolation="none"
    )
    if meetings:
        rows, cols = zip(*meetings, strict=True)
        axes.scatter(
            cols,
            rows,
            s=3,
            c="#d9534f",
            marker="s",
            linewidths=0,
            label=text("已排会面", "planned meeting"),
        )
        axes.legend(loc="upper right", bbox_to_anchor=(1.0, 1.12), frameon=False, fontsize=8)
    for groups, line, ticks in (
        (row_groups, axes.axhline, axes.set_yticks),
        (col_groups, axes.axvline, axes.set_xticks),
    ):
        edges = np.cumsum([0] + [n for _, n in groups])
        for edge in edges[1:-1]:
            line(edge - 0.5, color="white", linewidth=1.2)
        ticks(
            [(a + b) / 2 - 0.5 for a, b in pairwise(edges)],
            [name for name, _ in groups],
            fontsize=8,
        )
    axes.tick_params(axis="x", labelrotation=90)
    axes.set_xlim(-0.5, n_cols - 0.5)
    axes.set_ylim(n_rows - 0.5, -0.5)
    axes.set_xlabel(text(f"资源方（{n_cols}，按类型）", f"providers ({n_cols}, by type)"))
    axes.set_ylabel(text(f"项目（{n_rows}，按赛道）", f"projects ({n_rows}, by track)"))
    figure.colorbar(image, ax=axes, shrink=0.8, label=text("预计专家评分（0–3）", "expected grade"))
    name = (
        f"热力图：{n_rows} 个项目 × {n_cols} 家资源方的预计专家评分，颜色越深越匹配，红点为已排会面"
    )
    return _svg(figure, text(name, "score heatmap"))


def refit_comparison(versions: Sequence[tuple[int, Mapping[str, Any]]]) -> str:
    """Per refit version: the champion's and the challenger's held-out nDCG@10 (exponential
    gains) and Recall@5, side by side."""
    figure = _figure(6.4, 2.6)
    panels = (("ndcg10_exp", "nDCG@10"), ("recall5", "Recall@5"))
    x = np.arange(len(versions))
    for k, (key, title) in enumerate(panels):
        axes = figure.add_subplot(1, 2, k + 1)
        for offset, side, color, label in (
            (-0.2, "champion", "#9db4c8", text("当前模型", "champion")),
            (0.2, "challenger", "#2f6f9f", text("新模型", "challenger")),
        ):
            values = [float(c[side][key]) for _, c in versions]
            axes.bar(x + offset, values, width=0.4, color=color, label=label)
        axes.set_xticks(x, [text(f"版本 {v}", f"v{v}") for v, _ in versions])
        axes.set_ylim(0, 1)
        axes.set_title(title)
        axes.spines[["top", "right"]].set_visible(False)
        if k == 0:
            axes.legend(frameon=False, fontsize=8)
    name = text(
        "柱状图：各版本训练时当前模型与新模型在留出项目上的 nDCG@10 与 Recall@5",
        "refit comparison",
    )
    return _svg(figure, name)
