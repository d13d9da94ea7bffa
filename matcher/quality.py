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
    auxiliary,
    cv_scores,
    featurise,
    fit_candidate,
    new_provider_row,
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
    None reports the shipped protocol (synthetic, judged-train CV, judged locked test, both
    parts of the fresh set)."""
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
    train, test, synthetic = protocol.train, protocol.test, protocol.synthetic
    fitted = {c.name: fit_candidate(c, [train], synthetic) for c in CANDIDATES}
    # The same names in every source, so the chart lines them up: on judged-train each candidate
    # is scored out of fold and the shipped model in-sample; elsewhere all were fitted on
    # judged-train only.
    tables: dict[str, list[evaluate.Row]] = {}
    on_synthetic = {name: m.predict(synthetic.features) for name, m in fitted.items()}
    on_synthetic[SHIPPED] = shipped.predict(synthetic.features)
    tables["synthetic (rule-judged)"] = report(synthetic, on_synthetic, coverage)
    cv = {c.name: cv_scores(c, train, synthetic, seed=0) for c in CANDIDATES}
    cv[SHIPPED] = shipped.predict(train.features)
    tables["judged-train (5-fold CV; models/ in-sample)"] = report(train, cv, coverage)
    tables["judged-train (CV, new projects × new providers)"] = new_provider_table(train, synthetic)
    on_test = {name: model.predict(test.features) for name, model in fitted.items()}
    on_test[SHIPPED] = shipped.predict(test.features)
    tables["judged-test (locked)"] = report(test, on_test, coverage)
    tables["judged-test (locked), new providers"] = locked_new_provider_table(
        train, test, synthetic
    )
    # Another catalogue, written and judged apart: every provider is new to every model.
    for title, fresh in (
        ("fresh-train (another catalogue)", protocol.fresh_train),
        ("fresh-test (another catalogue, locked)", protocol.fresh_test),
    ):
        on_fresh = {name: model.predict(fresh.features) for name, model in fitted.items()}
        on_fresh[SHIPPED] = shipped.predict(fresh.features)
        tables[title] = report(fresh, on_fresh, coverage)
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


def locked_new_provider_table(
    train: Labelled, test: Labelled, synthetic: Labelled
) -> list[evaluate.Row]:
    """Every candidate fitted on judged-train against half of the providers, ranking the locked
    test projects against the other half (and the halves swapped; seeds as the choice uses):
    the locked test as a new catalogue would meet the model. Scored only, never chosen on."""
    kinds = train.provider_kinds
    rows = _baselines_within_halves(test, kinds)
    for c in CANDIDATES:
        per_seed = [
            evaluate.on_new_providers(
                train.block,
                (test.features, test.grades, test.excluded),
                train.featurizer.names,
                c.kind,
                kinds,
                seed,
                auxiliary(c, synthetic),
                c.prior,
            )
            for seed in SEEDS
        ]
        rows.append(evaluate.mean_row(c.name, "fusion", per_seed))
    return rows
