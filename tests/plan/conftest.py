"""Tiny hand-made events a reader can check by eye, and one checker for every hard constraint."""

from __future__ import annotations

from collections import Counter

import numpy as np

from matcher.plan import Event, MatchScores, Plan
from matcher.plan.conflict import in_conflict, serves_only_its_people
from matcher.schema import Project, Resource


def make_scores(
    projects: list[Project], resources: list[Resource], matrix, strong=None, threshold: float = 0.7
) -> MatchScores:
    """MatchScores from a score matrix; strong defaults to score ≥ threshold; a resource
    serves a project's need when the need is among its offers."""
    matrix = np.asarray(matrix, dtype=float)
    strong = matrix >= threshold if strong is None else np.asarray(strong, dtype=bool)
    needs = sorted(
        {n for p in projects for n in p.needs} | {n for r in resources for n in r.offers}
    )
    serves = {
        n: np.array(
            [[n in p.needs and n in r.offers for r in resources] for p in projects], dtype=bool
        ).reshape(len(projects), len(resources))
        for n in needs
    }
    return MatchScores(
        projects, resources, matrix, strong, serves, reasons=lambda i, j: f"理由{i}-{j}"
    )


def projects(n: int, **kw) -> list[Project]:
    return [Project(f"P{i}", f"项目{i}", **kw) for i in range(1, n + 1)]


def resources(n: int, capacity: int = 8, type: str = "investor", **kw) -> list[Resource]:
    return [Resource(f"R{j}", f"资源方{j}", type, capacity=capacity, **kw) for j in range(1, n + 1)]


def assert_valid(plan: Plan, scores: MatchScores, event: Event) -> None:
    """Every hard constraint of the event holds in the plan."""
    by_id_p = {p.project_id: p for p in scores.projects}
    by_id_r = {r.resource_id: r for r in scores.resources}
    pins = set(event.pins)
    pairs = [m.pair for m in plan.meetings]
    assert len(pairs) == len(set(pairs)), "a pair meets twice"
    per_r = Counter(m.resource_id for m in plan.meetings)
    per_p = Counter(m.project_id for m in plan.meetings)
    for rid, count in per_r.items():
        cap = event.capacity.get(rid, by_id_r[rid].capacity)
        pinned = sum(1 for p, r in pins if r == rid)
        assert count <= max(cap, pinned), f"{rid} over capacity"
    for pid, count in per_p.items():
        assert count <= max(event.max_meetings, sum(1 for p, _ in pins if p == pid))
    for key in ("project_id", "resource_id"):
        seen = Counter((getattr(m, key), m.slot) for m in plan.meetings)
        assert max(seen.values(), default=0) <= 1, f"double-booked {key}"
    tables = Counter((m.slot, m.table) for m in plan.meetings)
    assert max(tables.values(), default=0) <= 1, "two meetings at one table"
    assert all(m.table in plan.tables and m.slot in event.slots for m in plan.meetings)
    blocked = (
        set(event.blocks)
        | {(a, b) for a, b, w in event.wishes if w == "no"}
        | {(b, a) for a, b, w in event.wishes if w == "no"}
    )
    for m in plan.meetings:
        slot = event.slots.index(m.slot)
        assert slot in event.available_slots(m.resource_id), f"{m.resource_id} unavailable"
        assert slot in event.available_slots(m.project_id), f"{m.project_id} unavailable"
        assert m.pair not in blocked, f"blocked pair {m.pair} meets"
        if event.conflict_of_interest and m.pair not in pins:
            provider = by_id_r[m.resource_id]
            assert not in_conflict(
                by_id_p[m.project_id].institution, provider.name, serves_only_its_people(provider)
            )
        if event.projects is not None:
            assert m.project_id in event.projects
        if event.resources is not None:
            assert m.resource_id in event.resources
    placed = set(pairs) | set(plan.unscheduled)
    assert pins <= placed, "a pin is missing"
