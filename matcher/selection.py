"""Choosing the shipped fusion, and the quality report every ranker is read from.

The protocol (README "Ranking quality"): the project has several hand-judged catalogues
(`datasets.CATALOGUES`), written and judged apart, each split by project into a training part and
a locked test part. A candidate is chosen by how it ranks a catalogue it was *not* fitted on:
leaving each catalogue out in turn, it is fitted on the others' training parts (optionally with
the synthetic set at a low weight) and ranks the left-out training part against that catalogue's
providers; the mean nDCG@10 (exponential gains) over the catalogues chooses. Every competition
brings its own catalogue and writers; cross-validation inside one catalogue, even holding out its
providers, was measured to rank candidates the other way round from the move to another
catalogue. The chosen candidate is refitted on every training part; the locked parts are only
ever scored, and the synthetic set is reported, never used to choose.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from . import datasets, evaluate
from .datasets import Source
from .engine import all_features
from .features import PairFeaturizer, Progress
from .fusion import KINDS, SUMS, Fusion, Spreads, file_digest
from .rank import Ranker, veto
from .text.encoders import Encoder

log = logging.getLogger(__name__)

SYNTHETIC_WEIGHTS = (0.0, 0.2)  # how much the generator's rule-judged pairs may count
PRIORS = (1.0, 3.0, 10.0)  # pulls of the linear weights toward the balanced sum's, per project
SEEDS = (0, 1, 2)  # CV repeats: fold assignment noise is larger than most differences
TOP_K = 10


@dataclass(frozen=True)
class Candidate:
    kind: str
    synthetic_weight: float = 0.0
    prior: float = 0.0  # the linear model's pull toward the balanced sum (`Fusion.prior`)

    @property
    def name(self) -> str:
        pulled = f" → balanced×{self.prior:g}" if self.prior else ""
        suffix = f" + synthetic×{self.synthetic_weight:g}" if self.synthetic_weight else ""
        return f"{self.kind}{pulled}{suffix}"


CANDIDATES = (
    *(Candidate(k, w) for k in KINDS for w in SYNTHETIC_WEIGHTS if k not in SUMS or w == 0),
    *(Candidate("linear", prior=p) for p in PRIORS),
)


@dataclass
class Labelled:
    """One source's pair features and grades, computed once."""

    source: Source
    featurizer: PairFeaturizer
    features: np.ndarray
    grades: np.ndarray

    @property
    def block(self) -> tuple[np.ndarray, np.ndarray]:
        return self.features, self.grades

    @property
    def resource_ids(self) -> list[str]:
        return [r.resource_id for r in self.featurizer.resources]

    @property
    def provider_kinds(self) -> list[str]:
        return [r.type for r in self.featurizer.resources]

    @cached_property
    def excluded(self) -> np.ndarray:
        """The pairs the providers' rules veto (every CV fold and seed reads them)."""
        return self.featurizer.excluded(slice(None))

    def text_baselines(self) -> dict[str, np.ndarray]:
        """The plain text rankers every report compares against."""
        ps, rs = self.featurizer.projects, self.featurizer.resources
        return {
            "字符n-gram TF-IDF": self.featurizer.tfidf.score(
                [p.text for p in ps], [r.text for r in rs]
            ),
            "BM25 (jieba)": self.featurizer.bm25.score([p.text for p in ps]),
        }


def featurise(
    source: Source, encoders: Mapping[str, Encoder], progress: Progress | None = None
) -> Labelled:
    projects = source.judged_projects
    featurizer = PairFeaturizer(projects, source.resources, encoders, progress)
    features = all_features(featurizer, progress)
    grades = evaluate.grade_matrix(source.qrels, projects, source.resources)
    return Labelled(source, featurizer, features, grades)


def final_scores(data: Labelled, scores: np.ndarray, coverage: bool) -> np.ndarray:
    """Scores ordered as users see the lists: excluded pairs vetoed, coverage applied to the
    top 10 (listed providers first, in list order)."""
    excluded = data.excluded
    vetoed = veto(scores, excluded)
    if not coverage:
        return vetoed
    fusion = GivenScores(data.featurizer.names)
    ranker = Ranker.from_scores(data.featurizer, fusion, vetoed, excluded)
    out = vetoed - 1000.0  # below any listed provider, in score order
    for i in range(len(vetoed)):
        for rank, j in enumerate(ranker.top(i, TOP_K, coverage=True), start=1):
            out[i, j] = -rank
    return out


@dataclass
class GivenScores:
    """A stand-in fusion for rankers whose scores are already computed (`Ranker.from_scores`)."""

    names: tuple[str, ...]
    strong_threshold: float = 1.5

    def predict(  # pragma: no cover - never called
        self, features: np.ndarray, resource_ids: Sequence[str] | None = None
    ) -> np.ndarray:
        raise NotImplementedError

    standardises: bool = True

    def predict_columns(  # pragma: no cover - never called
        self,
        columns: Sequence[np.ndarray],
        resource_ids: Sequence[str] | None = None,
        columns_of: np.ndarray | None = None,
        spreads: Spreads | None = None,
    ) -> np.ndarray:
        raise NotImplementedError


def auxiliary(
    candidate: Candidate, synthetic: Labelled | None
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """The auxiliary training blocks of a candidate: the synthetic set at its weight, if any."""
    if candidate.synthetic_weight and synthetic is not None:
        return [(*synthetic.block, candidate.synthetic_weight)]
    return []


def cv_scores(
    candidate: Candidate,
    train: Labelled,
    synthetic: Labelled | None,
    seed: int,
    folds: int = 5,
) -> np.ndarray:
    return evaluate.cross_validated(
        train.features,
        train.grades,
        train.featurizer.names,
        candidate.kind,
        folds=folds,
        seed=seed,
        extra=auxiliary(candidate, synthetic),
        prior=candidate.prior,
    )


def new_provider_row(
    candidate: Candidate, train: Labelled, synthetic: Labelled | None, seed: int
) -> evaluate.Row:
    """The candidate on projects and providers it never saw (`evaluate.cross_validated_new_providers`)."""
    return evaluate.cross_validated_new_providers(
        train.features,
        train.grades,
        train.featurizer.names,
        candidate.kind,
        train.excluded,
        train.provider_kinds,
        seed=seed,
        extra=auxiliary(candidate, synthetic),
        prior=candidate.prior,
    )


def fit_candidate(
    candidate: Candidate, train: Sequence[Labelled], synthetic: Labelled | None
) -> Fusion:
    blocks = [(*t.block, 1.0) for t in train] + auxiliary(candidate, synthetic)
    names = train[0].featurizer.names
    return Fusion(names, kind=candidate.kind, prior=candidate.prior).fit_blocks(blocks)


@dataclass
class Choice:
    """The chosen candidate and every candidate's held-out figures."""

    best: Candidate
    # each catalogue ranked by the candidate fitted on the others (this chooses)
    other_catalogue: dict[str, evaluate.Row]
    known_providers: dict[str, evaluate.Row]  # judged-train CV: held-out projects, same providers
    new_providers: dict[str, evaluate.Row]  # judged-train CV: held-out projects and providers


def on_other_catalogue(
    candidate: Candidate,
    fitted_on: Sequence[Labelled],
    ranked: Labelled,
    synthetic: Labelled | None,
    coverage: bool = True,
) -> evaluate.Row:
    """The candidate fitted on other catalogues' judged projects, ranking this one's as users see
    the lists (every project, every provider new to it)."""
    model = fit_candidate(candidate, fitted_on, synthetic)
    scores = final_scores(ranked, model.predict(ranked.features), coverage)
    return evaluate.row(candidate.name, "fusion", scores, ranked.grades)


def across_catalogues(
    candidate: Candidate,
    catalogues: Sequence[Labelled],
    synthetic: Labelled | None,
    coverage: bool = True,
) -> evaluate.Row:
    """Leave one catalogue out: each catalogue ranked by the candidate fitted on all the others,
    the figures averaged over the catalogues."""
    rows = [
        on_other_catalogue(candidate, others(catalogues, held_out), held_out, synthetic, coverage)
        for held_out in catalogues
    ]
    return evaluate.mean_row(f"{candidate.name} (other catalogue)", "fusion", rows)


def others(catalogues: Sequence[Labelled], held_out: Labelled) -> list[Labelled]:
    return [c for c in catalogues if c is not held_out]


def choose(
    catalogues: Sequence[Labelled], synthetic: Labelled | None, coverage: bool = True
) -> Choice:
    """The candidate with the best mean nDCG@10 (exponential gains) on catalogues it was not
    fitted on (`across_catalogues`); CV inside the first catalogue (judged-train), on held-out
    projects with the same and with held-out providers, is reported beside it."""
    train = catalogues[0]
    other: dict[str, evaluate.Row] = {}
    known: dict[str, evaluate.Row] = {}
    new: dict[str, evaluate.Row] = {}
    for candidate in CANDIDATES:
        other[candidate.name] = across_catalogues(candidate, catalogues, synthetic, coverage)
        per_seed = [
            evaluate.row(
                candidate.name,
                "fusion",
                final_scores(train, cv_scores(candidate, train, synthetic, seed), coverage),
                train.grades,
            )
            for seed in SEEDS
        ]
        known[candidate.name] = evaluate.mean_row(f"{candidate.name} (CV)", "fusion", per_seed)
        new[candidate.name] = evaluate.mean_row(
            f"{candidate.name} (CV, new providers)",
            "fusion",
            [new_provider_row(candidate, train, synthetic, seed) for seed in SEEDS],
        )
        log.info(
            "candidate %s: other catalogue nDCG@10(exp) %.4f; judged-train CV %.4f, "
            "with new providers %.4f",
            candidate.name,
            other[candidate.name].ndcg10_exp,
            known[candidate.name].ndcg10_exp,
            new[candidate.name].ndcg10_exp,
        )
    best = max(CANDIDATES, key=lambda c: other[c.name].ndcg10_exp)
    return Choice(best, other, known, new)


def provenance(sources: Sequence[Source]) -> dict[str, object]:
    files = list(dict.fromkeys(f for s in sources for f in s.files))
    return {
        "trained_on": [_shown(f) for f in files],
        "data_sha256": file_digest(*dict.fromkeys(files)) if files else "",
    }


def report(
    data: Labelled,
    fusions: Mapping[str, np.ndarray],
    coverage: bool = True,
) -> list[evaluate.Row]:
    """Baselines, single signals, then fusions (as users see them) on one source."""
    baselines = {
        "字段重叠 field overlap": evaluate.field_overlap(
            data.featurizer.projects, data.featurizer.resources
        ),
        **data.text_baselines(),
    }
    rows = evaluate.baseline_rows(baselines, data.grades)
    rows += evaluate.signal_rows(data.features, data.grades, data.featurizer.names)
    for name, scores in fusions.items():
        rows.append(evaluate.row(name, "fusion", final_scores(data, scores, coverage), data.grades))
    return rows


@dataclass
class Protocol:
    """Everything the shipped fusion is chosen and judged on, featurised once: the synthetic set
    and both parts of every hand-judged catalogue (`datasets.CATALOGUES`)."""

    synthetic: Labelled
    parts: dict[str, Labelled]  # by source name: "judged-train", "judged-test", "fresh-train" …

    @classmethod
    def load(cls, encoders: Mapping[str, Encoder], progress: Progress | None = None) -> Protocol:
        parts = {
            name: featurise(datasets.load(name), encoders, progress)
            for name in datasets.SOURCES
            if name != "synthetic"
        }
        return cls(featurise(datasets.load("synthetic"), encoders, progress), parts)

    @property
    def train(self) -> Labelled:
        return self.parts["judged-train"]

    @property
    def test(self) -> Labelled:
        return self.parts["judged-test"]

    @property
    def catalogues(self) -> list[Labelled]:
        """The training parts of the hand-judged catalogues: what candidates are fitted on."""
        return [self.parts[f"{name}-train"] for name in datasets.CATALOGUES]

    @property
    def locked(self) -> dict[str, Labelled]:
        """The locked parts, by source name: only ever scored."""
        return {f"{name}-test": self.parts[f"{name}-test"] for name in datasets.CATALOGUES}


def fit_shipped(protocol: Protocol, coverage: bool = True) -> Fusion:
    """Choose with each catalogue held out in turn (`choose`), refit on every training part,
    score once on every locked part, and keep the naive z-score sum instead when the chosen
    fusion does not beat it and every single signal on each locked part (the issue's rule: ship
    the robust one and say so)."""
    catalogues = protocol.catalogues
    choice = choose(catalogues, protocol.synthetic, coverage)
    best = choice.best
    names = protocol.train.featurizer.names
    chosen = fit_candidate(best, catalogues, protocol.synthetic)
    naive = fit_candidate(Candidate("zsum"), catalogues, None)
    fusions = {"chosen": chosen, "zsum": naive}
    locked = {name: _scored(data, fusions, coverage) for name, data in protocol.locked.items()}
    beats = all(
        scored["chosen"].ndcg10_exp > scored[rival].ndcg10_exp
        for scored in locked.values()
        for rival in ("zsum", "best_single")
    )
    shipped = chosen if beats or best.kind == "zsum" else naive
    shipped.meta = {
        **provenance([c.source for c in catalogues] + [protocol.synthetic.source]),
        "chosen_by": "mean nDCG@10 (exponential gains) over the hand-judged catalogues ("
        + ", ".join(datasets.CATALOGUES)
        + "), each catalogue's training part ranked by the candidate fitted on the others' "
        "(coverage as the lists show it); refitted on every training part",
        "candidate": best.name,
        "shipped": shipped.kind,
        "note": _note(best, shipped is chosen),
        "other_catalogue": {name: r.as_dict() for name, r in choice.other_catalogue.items()},
        "cv_judged_train": {name: r.as_dict() for name, r in choice.known_providers.items()},
        "cv_judged_train_new_providers": {
            name: r.as_dict() for name, r in choice.new_providers.items()
        },
        "locked": {
            part: {name: r.as_dict() for name, r in rows.items()} for part, rows in locked.items()
        },
        "coverage": coverage,
        "names": list(names),
    }
    return shipped


def _scored(
    data: Labelled, fusions: Mapping[str, Fusion], coverage: bool
) -> dict[str, evaluate.Row]:
    """Each fusion's row on `data`, and the best single signal's as "best_single"."""
    rows = report(data, {name: f.predict(data.features) for name, f in fusions.items()}, coverage)
    scored = {r.name: r for r in rows if r.name in fusions}
    scored["best_single"] = max((r for r in rows if r.kind != "fusion"), key=lambda r: r.ndcg10_exp)
    return scored


def _note(best: Candidate, kept: bool) -> str:
    """What `meta.json` says when the naive sum ships: chosen by CV, or kept by the locked rule."""
    if best.kind == "zsum":
        return (
            "no learned fusion beat the naive z-score sum on the other catalogue; "
            "the naive sum ships (the robust choice)"
        )
    if best.kind == "balanced" and kept:
        return (
            "no learned fusion beat the balanced sum (the naive sum with each concept counted "
            "once) on the other catalogue; it ships (a robust choice, nothing fitted but the "
            "calibration)"
        )
    if kept:
        return ""
    return (
        f"{best.name} did not beat the naive z-score sum and the best single signal "
        "on every locked part; the naive sum ships instead"
    )


def _shown(path: Path) -> str:
    """A data file's path as the repository names it."""
    try:
        return str(Path(path).resolve().relative_to(datasets.REPO))
    except ValueError:
        return str(path)
