"""Plans get better with the scores: the mean judged grade per meeting of plans on the hand-judged
set, planned from the shipped fusion, from the naive z-score sum, and from the judgments
themselves (the oracle: the best any scores could do under the same event).

    .venv/bin/python bench/bench_plan_quality.py

The event: every judged project, 2–4 meetings each, 12 slots of 15 minutes from 14:00, the
providers' own capacities (接洽名额), conflict-of-interest blocks on; meetings beyond the minimum
at the default bar (expected grade ≥ 1, `Event.extra_min_grade`) and with every place filled
(bar 0). Reported on the locked test projects (which no model saw), on all judged projects and
on the other catalogues' locked parts, with how many planned meetings the judges graded
good (≥ 2) and useless (0).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matcher import datasets, selection
from matcher.catalogue import Snapshot
from matcher.engine import Settings, load_encoders, load_fusion
from matcher.fusion import MAX_GRADE
from matcher.plan import Event, plan_event, slots_from
from matcher.rank import Ranker

EVENT = Event(name="复赛", slots=slots_from(12), min_meetings=2, max_meetings=4)
BARS = (EVENT.extra_min_grade, 0.0)  # the default, and every place filled


def planned_grades(
    scores_by: dict[str, np.ndarray], data: selection.Labelled, event: Event
) -> dict[str, np.ndarray]:
    """The judged grade of every meeting planned from each set of scores."""
    column = {r.resource_id: j for j, r in enumerate(data.featurizer.resources)}
    row = {p.project_id: i for i, p in enumerate(data.featurizer.projects)}
    out = {}
    for name, scores in scores_by.items():
        ranker = Ranker.from_scores(
            data.featurizer,
            selection.GivenScores(data.featurizer.names),
            scores,
            data.featurizer.excluded(slice(None)),
        )
        snapshot = Snapshot(data.featurizer.projects, data.featurizer.resources, ranker, 1)
        plan = plan_event(snapshot.match_scores(), event, seed=0)
        out[name] = np.array(
            [data.grades[row[m.project_id], column[m.resource_id]] for m in plan.meetings]
        )
    return out


def main() -> None:
    settings = Settings.from_env()
    encoders = load_encoders(settings)
    shipped = load_fusion(settings)
    trains = [
        selection.featurise(datasets.load(f"{c}-train"), encoders) for c in datasets.CATALOGUES
    ]
    naive = selection.fit_candidate(selection.Candidate("zsum"), trains, None)  # as `matcher fit`
    print(
        "| projects | bar (expected grade) | plan from | mean judged grade per meeting "
        "| meetings | graded ≥ 2 | graded 0 |"
    )
    print("|---|---|---|---|---|---|---|")
    others = [f"{c}-test" for c in datasets.CATALOGUES if c != "judged"]
    for part in ("judged-test", "judged-all", *others):
        if part == "judged-all":
            train, test = datasets.load("judged-train"), datasets.load("judged-test")
            source = replace(
                test,
                name=part,
                projects=train.projects + test.projects,
                qrels={**train.qrels, **test.qrels},
            )
        else:
            source = datasets.load(part)
        data = selection.featurise(source, encoders)
        scores_by = {
            "shipped fusion": shipped.predict(data.features),
            "naive z-sum": naive.predict(data.features),
            "oracle (the judgments)": data.grades * (MAX_GRADE / 3.0),
        }
        for bar in BARS:
            results = planned_grades(scores_by, data, replace(EVENT, extra_min_grade=bar))
            for name, grades in results.items():
                print(
                    f"| {part} ({len(source.projects)}) | {bar:g} | {name} "
                    f"| {grades.mean():.2f} | {grades.size} | {(grades >= 2).sum()} "
                    f"| {(grades == 0).sum()} |"
                )


if __name__ == "__main__":
    main()
