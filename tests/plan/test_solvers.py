"""Each solver on the same tiny problems; openreview-style: the table picks the class."""

import numpy as np
import pytest

from matcher.plan import Event, PlanSettings
from matcher.plan.problem import build_problem
from matcher.plan.solvers import SOLVERS
from matcher.schema import Project, Resource

from .conftest import make_scores, projects, resources

EXACT = ["flow", "milp"]


def _solve(name, scores, event, **kw):
    pb = build_problem(scores, event, PlanSettings(**kw))
    chosen = SOLVERS[name](pb, time_limit=10).solve()
    return pb, {
        (pb.project_ids[p], pb.resource_ids[r])
        for p, r in zip(pb.arc_p[chosen], pb.arc_r[chosen], strict=True)
    }


@pytest.mark.parametrize("name", sorted(SOLVERS))
def test_every_solver_respects_capacity_and_max(name):
    rng = np.random.default_rng(1)
    scores = make_scores(projects(6), resources(3, capacity=2), rng.uniform(size=(6, 3)))
    _, pairs = _solve(name, scores, Event(min_meetings=0, max_meetings=2))
    per_r = np.bincount([int(r[1:]) for _, r in pairs])
    per_p = np.bincount([int(p[1:]) for p, _ in pairs])
    assert per_r.max() <= 2 and per_p.max() <= 2
    assert len(pairs) == 6  # 3 providers × capacity 2


@pytest.mark.parametrize("name", EXACT)
def test_plain_max_sum_would_starve_a_project_ours_does_not(name):
    # A likes X and Y (0.9 each); B can only use X (0.5) or Y (0.2). Max-sum gives A both.
    scores = make_scores(projects(2), resources(2, capacity=1), [[0.9, 0.9], [0.5, 0.2]])
    plain = max(
        [{("P1", "R1"), ("P1", "R2")}, {("P1", "R1"), ("P2", "R2")}, {("P1", "R2"), ("P2", "R1")}],
        key=lambda s: sum(scores.scores[int(p[1:]) - 1, int(r[1:]) - 1] for p, r in s),
    )
    assert {p for p, _ in plain} == {"P1"}
    _, pairs = _solve(name, scores, Event(min_meetings=1, max_meetings=2))
    assert pairs == {("P1", "R1"), ("P2", "R2")} or pairs == {("P1", "R2"), ("P2", "R1")}
    assert ("P2", "R1") in pairs  # and the better of the two: 0.9 + 0.5 > 0.9 + 0.2


@pytest.mark.parametrize("name", EXACT)
def test_no_project_left_with_only_weak_meetings(name):
    # Max-sum: A takes both strong providers S, T (1.88) and B three weak ones (0.5 each).
    ps = projects(2)
    rs = [Resource(n, n, "investor", capacity=1) for n in ("S", "T", "W1", "W2")]
    matrix = [[0.95, 0.93, 0.3, 0.3], [0.9, 0.2, 0.5, 0.5]]
    _, pairs = _solve(name, make_scores(ps, rs, matrix), Event(min_meetings=2, max_meetings=2))
    assert ("P2", "S") in pairs


@pytest.mark.parametrize("name", EXACT)
def test_coverage_gets_a_strong_provider_for_each_need(name):
    p = [Project("P1", "x", needs=("funding", "clinical"))]
    rs = [
        Resource("INV", "投资", "investor", offers=("funding",)),
        Resource("BANK", "银行", "bank", offers=("funding",)),
        Resource("HOSP", "医院", "hospital", offers=("clinical",)),
    ]
    scores = make_scores(p, rs, [[0.9, 0.85, 0.72]])
    _, pairs = _solve(name, scores, Event(min_meetings=1, max_meetings=2))
    assert ("P1", "HOSP") in pairs and len(pairs & {("P1", "INV"), ("P1", "BANK")}) == 1


def test_flow_and_milp_agree_on_a_small_random_event():
    rng = np.random.default_rng(7)
    ps = [
        Project(
            f"P{i}", "x", needs=tuple(rng.choice(["funding", "clinical", "ip"], 2, replace=False))
        )
        for i in range(12)
    ]
    rs = [
        Resource(f"R{j}", "r", "cro", capacity=3, offers=(("funding", "clinical", "ip")[j % 3],))
        for j in range(6)
    ]
    scores = make_scores(ps, rs, rng.uniform(size=(12, 6)))
    event = Event(min_meetings=1, max_meetings=3)
    values = {}
    for name in EXACT:
        pb = build_problem(scores, event, PlanSettings())
        values[name] = pb.objective(SOLVERS[name](pb).solve())
    # one provider serves one need each here, so the flow network is exact too
    assert values["flow"] == pytest.approx(values["milp"], abs=1e-4)
