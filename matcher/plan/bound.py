"""Upper bounds on the planning objective, to report how far a plan can be from optimal."""

from __future__ import annotations

import logging

import numpy as np

from matcher.plan.problem import AssignmentProblem
from matcher.plan.solvers.milp import solve_lp

log = logging.getLogger(__name__)

BOUND_KINDS = {
    "lp": "LP 松弛上界 (LP relaxation)",
    "topk": "无约束前K上界 (unconstrained top-k sum)",
}


def topk_bound(pb: AssignmentProblem) -> float:
    """Each project's best arcs and gains, ignoring capacities, plus every coverage bonus."""
    order = np.lexsort((-pb.arc_weight, pb.arc_p))
    p_sorted = pb.arc_p[order]
    starts = np.searchsorted(p_sorted, np.arange(len(pb.project_ids)))
    rank = np.arange(order.size) - starts[p_sorted]
    take = rank < pb.units[p_sorted]
    counts = np.bincount(p_sorted[take], minlength=len(pb.project_ids))
    gains = sum(pb.unit_gain[i, :c].sum() for i, c in enumerate(counts) if c)
    return float(
        pb.pin_constant
        + pb.arc_weight[order][take].sum()
        + gains
        + pb.coverage_bonus * pb.target_p.size
    )


def upper_bound(pb: AssignmentProblem, kind: str, time_limit: float) -> tuple[float, str]:
    """(bound, kind actually used); 'auto' is the LP unless the event has very many arcs."""
    if kind == "auto":
        kind = "lp"
    if kind == "lp" and pb.n_arcs:
        value = solve_lp(pb, time_limit)
        if value is not None:
            return pb.pin_constant + value, "lp"
        log.warning("falling back to the top-k bound")
    return topk_bound(pb), "topk"
