"""Learning from an organiser's grades: a challenger fitted on them, judged against the champion.

The organiser's grades are *added* to the project's own judged training data (never replace
it). How much they count, and whether single providers get an offset (a provider this jury
keeps grading below or above what the texts predict), is chosen by cross-validation on the
organiser's projects. The challenger is then compared with the champion on organiser projects
it never saw (grouped by project, out of fold), and is adopted only when it wins there.

Grades may be complete (a sheet: a project listed is fully judged, unlisted pairs count 0) or
pooled (the UI: unjudged pairs are NaN and neither teach nor count).
"""

from __future__ import annotations

import copy
import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import GroupKFold

from . import datasets, evaluate
from .errors import UsageError
from .features import Progress
from .fusion import MAX_GRADE, SUMS, Fusion
from .selection import Labelled, featurise, final_scores
from .text.encoders import Encoder

log = logging.getLogger(__name__)

MIN_PROJECTS = 10  # fewer graded projects cannot tell a challenger from noise
MARGIN = 0.005  # nDCG@10 (exponential gains) a challenger must gain on held-out projects
CONFIDENCE_Z = 1.645  # one-sided 95 %: the per-project gains' mean must clear noise
FOLDS = 5
SHRINKAGE = 10.0  # a provider's offset: its residuals' sum / (graded pairs + SHRINKAGE)


@dataclass(frozen=True)
class Recipe:
    """How a challenger is fitted: the organiser's grades' weight against the project's own
    judged data, and whether providers get offsets."""

    weight: float
    offsets: bool

    @property
    def name(self) -> str:
        return f"organiser grades ×{self.weight:g}" + (
            " + provider offsets" if self.offsets else ""
        )


RECIPES = tuple(Recipe(w, o) for w in (1.0, 3.0, 10.0) for o in (False, True))


class NotEnoughGrades(UsageError):
    """Too few graded projects to fit and judge a challenger."""


def not_enough_message(graded: int, english: bool = True) -> str:
    chinese = (
        f"只有 {graded} 个项目有评分，至少需要 {MIN_PROJECTS} 个才能训练并检验新模型；请继续评分"
    )
    if not english:
        return chinese + "。"
    return (
        f"{chinese} — only {graded} graded projects; grade at least {MIN_PROJECTS} before refitting"
    )


@dataclass
class Comparison:
    """Champion and challenger on the organiser's held-out projects, side by side."""

    champion: evaluate.Row
    challenger: evaluate.Row
    projects: int  # graded projects
    pairs: int  # graded pairs
    recipe: str
    per_project: list[float] = field(default_factory=list)  # challenger − champion, nDCG@10 exp

    @property
    def gain(self) -> float:
        return self.challenger.ndcg10_exp - self.champion.ndcg10_exp

    @property
    def lower_bound(self) -> float:
        """One-sided 95 % lower confidence bound of the mean per-project gain."""
        n = len(self.per_project)
        if n < 2:
            return float("-inf")
        deltas = np.asarray(self.per_project)
        return float(deltas.mean() - CONFIDENCE_Z * deltas.std(ddof=1) / np.sqrt(n))

    @property
    def wins(self) -> bool:
        """Better by MARGIN on exponential gains, by more than per-project noise explains, and
        no worse on linear gains: when in doubt the champion stays."""
        return (
            self.gain > MARGIN
            and self.lower_bound > 0
            and self.challenger.ndcg10 >= self.champion.ndcg10
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "champion": self.champion.as_dict(),
            "challenger": self.challenger.as_dict(),
            "projects": self.projects,
            "pairs": self.pairs,
            "recipe": self.recipe,
            "gain": self.gain,
            "lower_bound": self.lower_bound,
            "wins": self.wins,
            "margin": MARGIN,
        }


@dataclass
class Refit:
    comparison: Comparison
    challenger: Fusion

    @property
    def winner(self) -> Fusion | None:
        return self.challenger if self.comparison.wins else None


def adopted(champion: Fusion, result: Refit) -> Fusion:
    """The model to use after a refit: the challenger if it won, else the champion unchanged
    (its record of the refit added, so the folder says why it was kept)."""
    if result.winner is not None:
        return result.winner
    kept = copy.copy(champion)
    kept.meta = {**champion.meta, "refit": result.comparison.as_dict(), "kept": "champion"}
    return kept


def base_data(encoders: Mapping[str, Encoder], progress: Progress | None = None) -> list[Labelled]:
    """The project's own judged training data (every hand-judged catalogue's training part, as
    the shipped fusion is fitted), which organiser grades are added to."""
    return [
        featurise(datasets.load(f"{name}-train"), encoders, progress)
        for name in datasets.CATALOGUES
    ]


def graded_rows(grades: np.ndarray) -> np.ndarray:
    """Indices of projects with at least one judged pair."""
    return np.flatnonzero((~np.isnan(grades)).any(axis=1))


def provider_offsets(
    fusion: Fusion, data: Labelled, rows: np.ndarray, shrinkage: float = SHRINKAGE
) -> dict[str, float]:
    """Per provider, the shrunk mean of (grade − predicted grade) over its judged pairs."""
    predicted = fusion.predict(data.features[rows])
    grades = data.grades[rows]
    judged = ~np.isnan(grades)
    residual = np.where(judged, grades - predicted, 0.0).sum(axis=0)
    offsets = residual / (judged.sum(axis=0) + shrinkage)
    ids = data.resource_ids
    return {ids[j]: float(offsets[j]) for j in np.flatnonzero(judged.any(axis=0))}


def fit_challenger(
    recipe: Recipe, kind: str, base: Sequence[Labelled], event: Labelled, rows: np.ndarray
) -> Fusion:
    """A fusion of `kind` fitted on the base data and the event's projects at `rows`."""
    blocks = [(*b.block, 1.0) for b in base]
    blocks.append((event.features[rows], event.grades[rows], recipe.weight))
    fusion = Fusion(event.featurizer.names, kind=kind).fit_blocks(blocks)
    if recipe.offsets:
        fusion.provider_offsets = provider_offsets(fusion, event, rows)
    return fusion


def out_of_fold(
    fit: Callable[[np.ndarray], Fusion], event: Labelled, rows: np.ndarray, seed: int = 0
) -> np.ndarray:
    """Scores of the projects at `rows`, each by a model `fit` on the other rows' folds."""
    out = np.zeros(event.grades.shape, dtype=np.float32)
    splitter = GroupKFold(n_splits=min(FOLDS, len(rows)), shuffle=True, random_state=seed)
    for train, test in splitter.split(rows, groups=rows):
        model = fit(rows[train])
        out[rows[test]] = model.predict(event.features[rows[test]], event.resource_ids)
    return out


def choose_recipe(kind: str, base: Sequence[Labelled], event: Labelled, rows: np.ndarray) -> Recipe:
    """The recipe with the best out-of-fold nDCG@10 (exponential gains) on these projects."""

    def quality(recipe: Recipe) -> float:
        scores = out_of_fold(lambda r: fit_challenger(recipe, kind, base, event, r), event, rows)
        vetoed = final_scores(event, scores, coverage=False)[rows]
        return evaluate.ndcg_at(*evaluate.condensed(vetoed, event.grades[rows]), exponential=True)

    return max(RECIPES, key=quality)


def refit(
    champion: Fusion,
    base: Sequence[Labelled],
    event: Labelled,
    fit: Callable[[np.ndarray], Fusion] | None = None,
    progress: Progress | None = None,
) -> Refit:
    """Fit a challenger on base + the event's grades and compare it with the champion on the
    event's projects it did not see. `fit` (rows → fusion) replaces the recipe search (tests)."""
    rows = graded_rows(event.grades)
    if len(rows) < MIN_PROJECTS:
        raise NotEnoughGrades(not_enough_message(len(rows)))
    kind = champion.kind if champion.kind not in SUMS else "linear"
    coverage = bool(champion.meta.get("coverage", True))

    def nested(train_rows: np.ndarray) -> Fusion:
        if fit is not None:
            return fit(train_rows)
        recipe = choose_recipe(kind, base, event, train_rows)
        return fit_challenger(recipe, kind, base, event, train_rows)

    challenger_scores = out_of_fold(nested, event, rows)
    champion_scores = champion.predict(event.features, event.resource_ids)
    if progress:
        progress("refit: held-out comparison", 1, 2)
    recipe = choose_recipe(kind, base, event, rows) if fit is None else None
    challenger = fit_challenger(recipe, kind, base, event, rows) if recipe else nested(rows)
    if progress:
        progress("refit: held-out comparison", 2, 2)
    grades = event.grades[rows]
    shown = {
        name: final_scores(event, scores, coverage)[rows]
        for name, scores in (("champion", champion_scores), ("challenger", challenger_scores))
    }
    rows_by = {
        n: evaluate.row(n, "fusion", *evaluate.condensed(s, grades)) for n, s in shown.items()
    }
    comparison = Comparison(
        rows_by["champion"],
        rows_by["challenger"],
        projects=len(rows),
        pairs=int((~np.isnan(grades)).sum()),
        recipe=recipe.name if recipe else "given",
        per_project=_per_project(shown["champion"], shown["challenger"], grades),
    )
    challenger.meta = {
        **champion.meta,
        "refit": comparison.as_dict(),
        "organiser_labels_sha256": labels_digest(event),
        "coverage": coverage,
    }
    log.info(
        "refit: champion %.4f, challenger %.4f on %d held-out projects (%s)",
        comparison.champion.ndcg10_exp,
        comparison.challenger.ndcg10_exp,
        len(rows),
        "challenger wins" if comparison.wins else "champion stays",
    )
    return Refit(comparison, challenger)


def _per_project(champion: np.ndarray, challenger: np.ndarray, grades: np.ndarray) -> list[float]:
    """Challenger − champion nDCG@10 (exponential gains), per project with a positive grade."""
    out = []
    for i in range(len(grades)):
        g = grades[i : i + 1]
        a = evaluate.ndcg_at(*evaluate.condensed(champion[i : i + 1], g), exponential=True)
        b = evaluate.ndcg_at(*evaluate.condensed(challenger[i : i + 1], g), exponential=True)
        if not (np.isnan(a) or np.isnan(b)):
            out.append(b - a)
    return out


def labels_digest(event: Labelled) -> str:
    """sha256 of the judged (project, provider, grade) triples: what a refit learned from."""
    digest = hashlib.sha256()
    ps, rs = event.featurizer.projects, event.resource_ids
    for i, j in zip(*np.nonzero(~np.isnan(event.grades)), strict=True):
        digest.update(f"{ps[i].project_id}\t{rs[j]}\t{event.grades[i, j]:g}\n".encode())
    return digest.hexdigest()


def grades_from(
    qrels: Mapping[str, Mapping[str, float]],
    project_ids: Sequence[str],
    resource_ids: Sequence[str],
    complete: bool,
) -> np.ndarray:
    """(n_projects, n_resources) grades; unjudged pairs 0 when `complete`, else NaN."""
    column = {rid: j for j, rid in enumerate(resource_ids)}
    out = np.full((len(project_ids), len(resource_ids)), np.nan, dtype=np.float32)
    for i, pid in enumerate(project_ids):
        judged = qrels.get(pid)
        if judged is None:
            continue
        if complete:
            out[i] = 0.0
        for rid, grade in judged.items():
            if rid in column:
                out[i, column[rid]] = min(max(float(grade), 0.0), MAX_GRADE)
    return out
