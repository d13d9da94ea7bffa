"""plan_event end to end: every constraint checked on real solved plans."""

from dataclasses import replace

import numpy as np
import pytest

from matcher.errors import InputError
from matcher.plan import Event, PlanSettings, diff_plans, make_slots, plan_event
from matcher.schema import Project, Resource

from .conftest import assert_valid, make_scores, projects, resources


@pytest.fixture
def small():
    """6 projects, 3 providers (capacity 3), 4 slots; scores fall with the index distance."""
    ps = projects(6)
    rs = resources(3, capacity=3)
    matrix = np.array([[1 - 0.1 * abs(i - 2 * j) for j in range(3)] for i in range(6)])
    return make_scores(ps, rs, matrix)


@pytest.mark.parametrize("solver", ["flow", "milp", "greedy"])
def test_a_plan_respects_every_hard_constraint(small, solver):
    event = Event(
        slots=make_slots("14:00", "15:00", 15),
        min_meetings=1,
        max_meetings=2,
        capacity={"R3": 2},
        availability={"R1": ["14:00-14:30"], "P6": [3]},
        pins=[("P6", "R1")],
        blocks=[("P1", "R2")],
        wishes=[("R3", "P5", "no")],
    )
    plan = plan_event(small, event, solver=solver)
    assert_valid(plan, small, event)
    pairs = {m.pair for m in plan.meetings}
    # P6 may only meet in slot 3 while R1 is only there in slots 0-1: the pin cannot be placed
    assert ("P6", "R1") in plan.unscheduled
    assert "无法排入时段" in "".join(plan.diagnostics)
    assert ("P1", "R2") not in pairs and ("P5", "R3") not in pairs
    assert sum(m.resource_id == "R3" for m in plan.meetings) <= 2


def test_pins_are_met_even_if_weak(small):
    small.scores[0, 2] = 0.01
    plan = plan_event(small, Event(pins=[("P1", "R3")], max_meetings=1))
    assert any(m.pair == ("P1", "R3") and m.pinned for m in plan.meetings)
    assert "组委会指定" in next(m.reasons for m in plan.meetings if m.pair == ("P1", "R3"))


@pytest.mark.parametrize("solver", ["flow", "milp", "greedy"])
def test_beyond_the_minimum_a_meeting_is_booked_only_when_expected_to_reach_the_grade(solver):
    """Scores are expected grades / 3: P1's third provider (grade 0.6) is not worth a slot
    at the default bar (1, "marginal"), its second (1.5) is; a bar of 0 fills every place."""
    ps = projects(2)
    rs = resources(3, capacity=2)
    scores = make_scores(ps, rs, [[0.9, 0.5, 0.2], [0.1, 0.05, 0.0]])
    event = Event(min_meetings=1, max_meetings=3)
    plan = plan_event(scores, event, solver=solver)
    assert_valid(plan, scores, event)
    assert sorted(m.pair for m in plan.meetings) == [("P1", "R1"), ("P1", "R2"), ("P2", "R1")]
    reasons = {p.project_id: p.reason for p in plan.projects}  # why fewer than 3, in numbers
    assert reasons["P1"] == "未排满 3 场：再加一场需预期评分达 1.3，尚有名额的 1 个候选均未达到"
    assert reasons["P2"] == "未排满 3 场：再加一场需预期评分达 1.0，尚有名额的 2 个候选均未达到"
    assert any(line.startswith("2 个项目未排满最多场次") for line in plan.diagnostics)
    plan = plan_event(scores, replace(event, extra_min_grade=0), solver=solver)
    assert len(plan.meetings) == 6
    assert not any(p.reason for p in plan.projects)
    plan = plan_event(scores, replace(event, extra_min_grade=2.0), solver=solver)
    assert sorted(m.pair for m in plan.meetings) == [("P1", "R1"), ("P2", "R1")]


def test_same_institution_is_blocked_by_default_and_can_be_switched_off():
    ps = [Project("P1", "a", institution="天津中医药大学")]
    rs = [Resource("R1", "天津中医药大学科技园", "park"), Resource("R2", "某银行", "bank")]
    scores = make_scores(ps, rs, [[0.9, 0.6]])
    plan = plan_event(scores, Event(max_meetings=2))
    assert [m.resource_id for m in plan.meetings] == ["R2"]
    plan = plan_event(scores, Event(max_meetings=2, conflict_of_interest=False))
    assert {m.resource_id for m in plan.meetings} == {"R1", "R2"}


def test_mutual_want_wins_a_scarce_seat():
    # R1 has one seat; P1 scores a bit higher, but P2 and R1 want each other
    scores = make_scores(projects(2), resources(1, capacity=1), [[0.6], [0.5]])
    event = Event(
        min_meetings=0, max_meetings=1, wishes=[("P2", "R1", "想见"), ("R1", "P2", "want")]
    )
    plan = plan_event(scores, event)
    assert [m.pair for m in plan.meetings] == [("P2", "R1")]
    assert "双方互相想见" in plan.meetings[0].reasons


def test_min_and_max_meetings(small):
    plan = plan_event(small, Event(min_meetings=1, max_meetings=1))
    counts = [p.meetings for p in plan.projects]
    assert counts == [1] * 6 and not plan.shortfalls


def test_infeasible_event_reports_shortfalls_instead_of_raising():
    ps = [Project(f"P{i}", f"项目{i}", track="device", needs=("funding",)) for i in range(1, 6)]
    rs = [Resource("B1", "银行甲", "bank", offers=("funding",), capacity=3)]
    scores = make_scores(ps, rs, [[0.8]] * 5)
    plan = plan_event(scores, Event(min_meetings=2, max_meetings=2))
    assert len(plan.meetings) == 3
    assert sum(p.shortfall for p in plan.shortfalls) == 7
    assert all("名额已满" in p.reason for p in plan.shortfalls)
    text = "\n".join(plan.diagnostics)
    assert "资源方总名额 3 个，少于项目最少需求 10 场：缺 7 个名额" in text
    assert "缺 7 个银行类洽谈名额：医疗器械与智能制造赛道" in text


def test_coverage_reported_per_project():
    ps = [Project("P1", "x", needs=("funding", "clinical", "space"))]
    rs = [
        Resource("R1", "银行", "bank", offers=("funding",)),
        Resource("R2", "医院", "hospital", offers=("clinical",)),
    ]
    plan = plan_event(make_scores(ps, rs, [[0.9, 0.8]]), Event(max_meetings=2))
    summary = plan.projects[0]
    assert set(summary.needs_covered) == {"funding", "clinical"}
    assert summary.needs_unavailable == ("space",)


def test_no_double_booking_and_one_table_per_provider(small):
    event = Event(slots=make_slots("14:00", "15:00", 15), min_meetings=2, max_meetings=2)
    plan = plan_event(small, event)
    assert_valid(plan, small, event)
    for r in plan.resources:
        assert len(r.tables) <= 1
    assert plan.stats.idle_gaps == 0


def test_few_tables_are_shared_over_time():
    scores = make_scores(projects(4), resources(4, capacity=1), np.full((4, 4), 0.5))
    event = Event(slots=["s1", "s2"], tables=2, min_meetings=1, max_meetings=1)
    plan = plan_event(scores, event)
    assert len(plan.meetings) == 4 and plan.tables == ("1号桌", "2号桌")
    assert_valid(plan, scores, event)


def test_seeded_plans_are_deterministic(small):
    event = Event(min_meetings=1, max_meetings=2)
    small.scores[:] = 0.5  # all ties: only the seed decides
    a, b = plan_event(small, event, seed=3), plan_event(small, event, seed=3)
    assert a.meetings == b.meetings and a.plan_id == b.plan_id
    assert a.inputs_hash == b.inputs_hash and a.seed == 3


def test_stats_report_bound_gap_and_greedy(small):
    plan = plan_event(small, Event(min_meetings=1, max_meetings=2))
    s = plan.stats
    assert s.bound_kind == "lp" and s.objective <= s.upper_bound + 1e-6
    assert 0 <= s.gap < 0.01 and s.greedy_objective <= s.objective + 1e-6
    assert s.wall_seconds > 0 and plan.status == "draft"


def test_auto_is_the_lp_on_small_events_and_topk_above_the_arc_limit(small):
    event = Event(min_meetings=1, max_meetings=2)
    exact = plan_event(small, event).stats
    cheap = plan_event(small, event, settings=PlanSettings(lp_bound_max_arcs=0)).stats
    assert (exact.bound_kind, cheap.bound_kind) == ("lp", "topk")
    assert exact.objective == cheap.objective  # the bound never changes the plan
    assert cheap.objective <= exact.upper_bound + 1e-6 <= cheap.upper_bound + 2e-6
    assert 0 <= exact.gap <= cheap.gap and 0 <= exact.bound_seconds <= exact.wall_seconds


def test_unknown_bound_is_refused(small):
    with pytest.raises(ValueError, match="unknown bound"):
        plan_event(small, Event(), settings=PlanSettings(bound="magic"))


def test_replan_keeps_published_meetings_and_diffs(small):
    event = Event(slots=make_slots("14:00", "15:00", 15), min_meetings=1, max_meetings=2)
    first = plan_event(small, event).published()
    # P6 cancels, P7 registers late with the same tastes as P6
    ps = [*small.projects[:5], Project("P7", "项目7")]
    late = make_scores(ps, small.resources, np.vstack([small.scores[:5], small.scores[5]]))
    second = plan_event(late, event, previous=first)
    assert second.previous_id == first.plan_id
    diff = diff_plans(first, second)
    kept = {m.pair for m in first.meetings if m.project_id != "P6"}
    assert kept <= {m.pair for m in second.meetings}
    assert {m.project_id for m in diff.cancelled} == {"P6"}
    assert {m.project_id for m in diff.added} == {"P7"}
    assert diff.moved == ()  # kept meetings keep slot and table
    assert diff.unchanged == len(kept)


def test_unknown_solver_and_unknown_ids_raise(small):
    with pytest.raises(ValueError, match="unknown solver"):
        plan_event(small, Event(), solver="magic")
    with pytest.raises(InputError):
        plan_event(small, Event(pins=[("P1", "R99")]))
