"""Invariants on random small events: never over capacity, never double-booked."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.plan import Event, plan_event

from .conftest import assert_valid, make_scores, projects, resources


@st.composite
def events(draw):
    n_p, n_r, n_s = draw(st.integers(1, 6)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    caps = rng.integers(0, 5, size=n_r)
    ps, rs = projects(n_p), [r.__class__(r.resource_id, r.name, r.type, capacity=int(c))
                             for r, c in zip(resources(n_r), caps, strict=True)]
    scores = make_scores(ps, rs, rng.uniform(size=(n_p, n_r)))
    slots = [f"s{i}" for i in range(n_s)]
    availability = {x: [s for s in slots if rng.uniform() < 0.7]
                    for x in [*scores.resource_index(), *scores.project_index()]
                    if rng.uniform() < 0.4}
    lo = int(rng.integers(0, 3))
    event = Event(slots=slots, tables=draw(st.one_of(st.none(), st.integers(1, 4))),
                  min_meetings=lo, max_meetings=lo + int(rng.integers(0, 3)),
                  availability=availability,
                  blocks=[(p.project_id, r.resource_id) for p in ps for r in rs
                          if rng.uniform() < 0.15])
    return scores, event, draw(st.sampled_from(["flow", "milp", "greedy"]))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events())
def test_plans_never_exceed_capacity_or_double_book(case):
    scores, event, solver = case
    plan = plan_event(scores, event, solver=solver)
    assert_valid(plan, scores, event)
    assert plan.stats.objective <= plan.stats.upper_bound + 1e-6
