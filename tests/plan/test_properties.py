"""Invariants on random small events: never over capacity, never double-booked, whether planned
or edited by hand afterwards."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.errors import EditRefused
from matcher.plan import Event, move_meeting, plan_event, swap_meetings

from .conftest import assert_valid, make_scores, projects, resources


@st.composite
def events(draw):
    """Small events drawn entirely from strategies, so hypothesis can shrink a failure."""
    n_p, n_r, n_s = draw(st.integers(1, 6)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    caps = draw(st.lists(st.integers(0, 4), min_size=n_r, max_size=n_r))
    ps = projects(n_p)
    rs = [
        r.__class__(r.resource_id, r.name, r.type, capacity=c)
        for r, c in zip(resources(n_r), caps, strict=True)
    ]
    unit = st.floats(0.0, 1.0, allow_nan=False)
    matrix = draw(st.lists(st.lists(unit, min_size=n_r, max_size=n_r), min_size=n_p, max_size=n_p))
    scores = make_scores(ps, rs, np.array(matrix))
    slots = [f"s{i}" for i in range(n_s)]
    people = [*scores.resource_index(), *scores.project_index()]
    limited = draw(st.lists(st.sampled_from(people), unique=True, max_size=len(people)))
    availability = {x: draw(st.lists(st.sampled_from(slots), unique=True)) for x in limited}
    pairs = [(p.project_id, r.resource_id) for p in ps for r in rs]
    blocks = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs) // 3))
    lo = draw(st.integers(0, 2))
    event = Event(
        slots=slots,
        tables=draw(st.one_of(st.none(), st.integers(1, 4))),
        min_meetings=lo,
        max_meetings=lo + draw(st.integers(0, 2)),
        availability=availability,
        blocks=blocks,
    )
    return scores, event, draw(st.sampled_from(["flow", "milp", "greedy"]))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events())
def test_plans_never_exceed_capacity_or_double_book(case):
    scores, event, solver = case
    plan = plan_event(scores, event, solver=solver)
    assert_valid(plan, scores, event)
    assert plan.stats.objective <= plan.stats.upper_bound + 1e-6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events(), st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 5))))
def test_hand_edits_the_checker_accepts_keep_every_constraint(case, edits):
    scores, event, solver = case
    plan = plan_event(scores, event, solver=solver)
    for a, b, table in edits:
        if not plan.meetings:
            break
        first, second = plan.meetings[a % len(plan.meetings)], plan.meetings[b % len(plan.meetings)]
        try:
            if table < len(plan.tables):  # a move into the slot of `second`, else a swap
                plan = move_meeting(plan, event, first.pair, second.slot, plan.tables[table])
            else:
                plan = swap_meetings(plan, event, first.pair, second.pair)
        except EditRefused as refused:
            assert refused.reasons
            continue
        assert_valid(plan, scores, event)
