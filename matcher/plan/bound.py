"""Upper bounds on the planning objective, to report how far a plan can be from optimal.

Both bounds are bounds of the exact model (`solvers/milp.py`), whose LP relaxation is the
tightest one here; every plan's objective is at most the exact model's optimum, so
objective ≤ LP ≤ top-k. The LP costs ≈1 s at 20k candidate pairs and 30–130 s at 500k on 2
shared cores; the top-k sum costs milliseconds but is looser (≈5 % at 10k × 1k).
"""

from __future__ import annotations

import logging

import numpy as np

from matcher.plan.problem import AssignmentProblem
from matcher.plan.settings import PlanSettings
from matcher.plan.solvers.milp import solve_lp

log = logging.getLogger(__name__)

BOUND_KINDS = {
    "lp": "LP 松弛上界 (LP relaxation)",
    "topk": "无约束前K上界 (unconstrained top-k sum)",
}


def topk_bound(pb: AssignmentProblem) -> float:
    """Each project's best arcs and gains, ignoring capacities, plus every coverage bonus.

    Why it bounds the LP relaxation (hence every plan): drop the provider-capacity and room
    rows and the LP falls apart into one LP per project. In project p's LP the coverage
    terms are at most `coverage_bonus` per target (y ≤ 1), and for n = Σ x fixed, Σ w·x is at
    most the n largest weights and Σ g·u (u ≤ 1, Σ u = n) at most the n largest gains. Both
    are concave piecewise linear in n with breakpoints at integers, so the maximum over real
    n ≤ min(units, candidates) is taken at an integer n: the value computed here. Dropping
    constraints of a maximisation can only raise its optimum.
    """
    n_p = len(pb.project_ids)
    width = pb.unit_gain.shape[1]
    if n_p == 0 or width == 0 or pb.n_arcs == 0:
        return float(pb.pin_constant + pb.coverage_bonus * pb.target_p.size)
    order = np.lexsort((-pb.arc_weight, pb.arc_p))
    p_sorted = pb.arc_p[order]
    rank = np.arange(order.size) - np.searchsorted(p_sorted, np.arange(n_p))[p_sorted]
    keep = rank < width
    best_weights = np.zeros((n_p, width))
    best_weights[p_sorted[keep], rank[keep]] = pb.arc_weight[order][keep]
    best_gains = -np.sort(-pb.unit_gain, axis=1)
    usable = np.minimum(pb.units, np.bincount(pb.arc_p, minlength=n_p))
    prefix = np.cumsum(best_weights + best_gains, axis=1)
    prefix[np.arange(width)[None, :] >= usable[:, None]] = -np.inf
    per_project = np.maximum(prefix.max(axis=1), 0.0)
    return float(pb.pin_constant + per_project.sum() + pb.coverage_bonus * pb.target_p.size)


def bound_kind(pb: AssignmentProblem, settings: PlanSettings) -> str:
    """The kind `settings.bound` asks for; 'auto' is the LP up to `lp_bound_max_arcs` arcs."""
    if settings.bound == "auto":
        return "lp" if pb.n_arcs <= settings.lp_bound_max_arcs else "topk"
    if settings.bound not in BOUND_KINDS:
        raise ValueError(
            f"unknown bound {settings.bound!r}; choose auto or one of {sorted(BOUND_KINDS)}"
        )
    return settings.bound


def upper_bound(pb: AssignmentProblem, settings: PlanSettings) -> tuple[float, str]:
    """(bound, kind actually used); an LP that fails or runs out of time falls back to top-k."""
    kind = bound_kind(pb, settings)
    if kind == "lp" and pb.n_arcs:
        value = solve_lp(pb, settings.bound_time_limit)
        if value is not None:
            return pb.pin_constant + value, "lp"
        log.warning("falling back to the top-k bound")
    return topk_bound(pb), "topk"
