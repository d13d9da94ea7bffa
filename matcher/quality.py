"""The quality report: every ranker on every labelled source, side by side (`matcher evaluate`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import datasets, evaluate
from .engine import Settings, load_encoders
from .features import Progress
from .fusion import SUMS, Fusion
from .selection import (
    CANDIDATES,
    SEEDS,
    Candidate,
    Labelled,
    Protocol,
    cv_scores,
    featurise,
    fit_candidate,
    new_provider_row,
    others,
    report,
)

SHIPPED = "融合 fused (models/)"


def quality_tables(
    given: Sequence[Path] | None,
    shipped: Fusion,
    cv_folds: int = 0,
    progress: Progress | None = None,
) -> dict[str, list[evaluate.Row]]:
    """{source: rows}. `given` = (projects, resources, qrels) reports on those files only;
    None reports the shipped protocol: every candidate on every source, fitted as it is chosen
    (on the other catalogues, ranking one) and as it ships (on every training part)."""
    encoders = load_encoders(Settings.from_env())
    coverage = bool(shipped.meta.get("coverage", True))
    if given is not None:
        data = featurise(datasets.from_files("given", *given), encoders, progress)
        fusions = {SHIPPED: shipped.predict(data.features)}
        for kind in SUMS:  # nothing learned: their order needs no held-out projects
            fusions[kind] = fit_candidate(Candidate(kind), [data], None).predict(data.features)
        if cv_folds:
            for c in CANDIDATES:
                if not c.synthetic_weight and c.kind not in SUMS:
                    fusions[f"{c.name} ({cv_folds}-fold CV)"] = evaluate.cross_validated(
                        data.features,
                        data.grades,
                        data.featurizer.names,
                        c.kind,
                        cv_folds,
                        prior=c.prior,
                    )
        return {"given": report(data, fusions, coverage)}

    protocol = Protocol.load(encoders, progress)
    train, synthetic = protocol.train, protocol.synthetic
    catalogues = protocol.catalogues
    # As shipped: every candidate fitted on every catalogue's training part. And with one
    # catalogue held out: fitted on the others only, it is what a new competition's catalogue meets.
    shipped_like = {c.name: fit_candidate(c, catalogues, synthetic) for c in CANDIDATES}
    without = {
        held_out.source.name: {
            c.name: fit_candidate(c, others(catalogues, held_out), synthetic) for c in CANDIDATES
        }
        for held_out in catalogues
    }

    def scored(data: Labelled, fitted: dict[str, Fusion]) -> list[evaluate.Row]:
        fusions = {name: model.predict(data.features) for name, model in fitted.items()}
        fusions[SHIPPED] = shipped.predict(data.features)
        return report(data, fusions, coverage)

    # The same names in every source, so the chart lines them up; the shipped model is scored
    # in-sample on the training parts.
    tables: dict[str, list[evaluate.Row]] = {}
    tables["synthetic (rule-judged)"] = scored(synthetic, shipped_like)
    for held_out in catalogues:
        name = held_out.source.name
        tables[f"{name}, fitted on the other catalogues (chooses)"] = scored(
            held_out, without[name]
        )
    cv = {c.name: cv_scores(c, train, synthetic, seed=0) for c in CANDIDATES}
    cv[SHIPPED] = shipped.predict(train.features)
    tables["judged-train (5-fold CV; models/ in-sample)"] = report(train, cv, coverage)
    tables["judged-train (CV, new projects × new providers)"] = new_provider_table(train, synthetic)
    for name, locked in protocol.locked.items():
        tables[f"{name} (locked)"] = scored(locked, shipped_like)
    for name, locked in protocol.locked.items():
        own_train = name.replace("-test", "-train")
        tables[f"{name} (locked), fitted on the other catalogues"] = scored(
            locked, without[own_train]
        )
    return tables


def new_provider_table(train: Labelled, synthetic: Labelled) -> list[evaluate.Row]:
    """Baselines and every candidate on held-out projects against held-out providers, averaged
    over the fold seeds the choice uses: what a model fitted on one catalogue does on another's
    providers (`selection.choose` reads the same figures)."""
    rows = _baselines_within_halves(train, train.provider_kinds)
    for c in CANDIDATES:
        per_seed = [new_provider_row(c, train, synthetic, seed) for seed in SEEDS]
        rows.append(evaluate.mean_row(c.name, "fusion", per_seed))
    return rows


def _baselines_within_halves(data: Labelled, kinds: list[str]) -> list[evaluate.Row]:
    return [
        evaluate.mean_row(
            name,
            "baseline",
            [
                evaluate.within_halves(name, "baseline", s, data.grades, kinds, seed)
                for seed in SEEDS
            ],
        )
        for name, s in data.text_baselines().items()
    ]
