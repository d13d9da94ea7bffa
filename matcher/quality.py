"""The quality report: every ranker on every labelled source, side by side (`matcher evaluate`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import datasets, evaluate
from .engine import Settings, load_encoders
from .features import Progress
from .fusion import Fusion
from .selection import CANDIDATES, Candidate, Protocol, cv_scores, featurise, fit_candidate, report

SHIPPED = "融合 fused (models/)"


def quality_tables(
    given: Sequence[Path] | None,
    shipped: Fusion,
    cv_folds: int = 0,
    progress: Progress | None = None,
) -> dict[str, list[evaluate.Row]]:
    """{source: rows}. `given` = (projects, resources, qrels) reports on those files only;
    None reports the shipped protocol (synthetic, judged-train CV, judged locked test)."""
    encoders = load_encoders(Settings.from_env())
    coverage = bool(shipped.meta.get("coverage", True))
    if given is not None:
        data = featurise(datasets.from_files("given", *given), encoders, progress)
        fusions = {SHIPPED: shipped.predict(data.features)}
        fusions["zsum"] = fit_candidate(Candidate("zsum"), [data], None).predict(data.features)
        if cv_folds:
            for c in CANDIDATES:
                if not c.synthetic_weight and c.kind != "zsum":
                    fusions[f"{c.name} ({cv_folds}-fold CV)"] = evaluate.cross_validated(
                        data.features, data.grades, data.featurizer.names, c.kind, cv_folds
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
    on_test = {name: model.predict(test.features) for name, model in fitted.items()}
    on_test[SHIPPED] = shipped.predict(test.features)
    tables["judged-test (locked)"] = report(test, on_test, coverage)
    return tables
