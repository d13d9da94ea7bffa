"""The bounds bound: on random small events, top-k ≥ LP optimum ≥ every solver's objective."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.plan import Event, PlanSettings
from matcher.plan.bound import topk_bound, upper_bound
from matcher.plan.problem import build_problem
from matcher.plan.solvers import SOLVERS
from matcher.schema import Project, Resource

from .conftest import make_scores

NEEDS = ("funding", "clinical", "registration")


@st.composite
def problems(draw):
    """Events whose projects have needs that providers serve, so a meeting can cover several."""
    n_p, n_r, n_s = draw(st.integers(1, 7)), draw(st.integers(1, 5)), draw(st.integers(1, 4))
    some_needs = st.lists(st.sampled_from(NEEDS), unique=True, max_size=3).map(tuple)
    ps = [Project(f"P{i}", f"项目{i}", needs=draw(some_needs)) for i in range(n_p)]
    rs = [
        Resource(
            f"R{j}",
            f"资源方{j}",
            "pharma",
            offers=draw(some_needs),
            capacity=draw(st.integers(0, 4)),
        )
        for j in range(n_r)
    ]
    unit = st.floats(0.0, 1.0, allow_nan=False)
    matrix = draw(st.lists(st.lists(unit, min_size=n_r, max_size=n_r), min_size=n_p, max_size=n_p))
    scores = make_scores(ps, rs, np.array(matrix), threshold=draw(st.floats(0.0, 1.0)))
    lo = draw(st.integers(0, 2))
    event = Event(
        slots=[f"s{i}" for i in range(n_s)],
        tables=draw(st.one_of(st.none(), st.integers(1, 4))),
        min_meetings=lo,
        max_meetings=lo + draw(st.integers(0, 2)),
        conflict_of_interest=False,
    )
    return build_problem(scores, event, PlanSettings(top_k=draw(st.integers(1, 5))))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_topk_bounds_the_lp_which_bounds_every_solver(pb):
    lp, kind = upper_bound(pb, PlanSettings(bound="lp"))
    topk = topk_bound(pb)
    assert kind == "lp" or pb.n_arcs == 0
    assert topk >= lp - 1e-6
    for name, solver in SOLVERS.items():
        assert pb.objective(solver(pb).solve()) <= lp + 1e-6, name
