"""The exact model as a MILP (scipy `milp`, HiGHS); its LP relaxation is the planner's bound.

Variables: x (candidate arcs, binary), u (further meetings per project, in [0, 1], gains fall
so the LP fills them in order), y (coverage targets, y_t ≤ Σ x over the target's arcs).
A meeting serving two needs covers both here, unlike in the flow network.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_array, csr_array, vstack

from matcher.plan.problem import AssignmentProblem

log = logging.getLogger(__name__)


@dataclass
class LinearModel:
    """min c·v  s.t.  a_eq v = 0,  a_ub v ≤ b_ub,  0 ≤ v ≤ 1; the first n_arcs of v are x."""

    c: np.ndarray
    a_eq: csr_array
    a_ub: csr_array
    b_ub: np.ndarray
    n_arcs: int


def linear_model(pb: AssignmentProblem) -> LinearModel:
    n_a, n_p, n_r, n_t = pb.n_arcs, len(pb.project_ids), len(pb.resource_ids), pb.target_p.size
    unit_p, unit_k = np.nonzero(np.arange(pb.unit_gain.shape[1]) < pb.units[:, None])
    n_u = unit_p.size
    u0, y0 = n_a, n_a + n_u
    c = -np.concatenate(
        [pb.arc_weight, pb.unit_gain[unit_p, unit_k], np.full(n_t, pb.coverage_bonus)]
    )

    def block(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_rows: int) -> csr_array:
        return csr_array(coo_array((vals, (rows, cols)), shape=(n_rows, c.size)))

    arcs = np.arange(n_a)
    # per project: Σ x − Σ u = 0 (counts meetings into its falling gains)
    per_project = block(
        np.concatenate([pb.arc_p, unit_p]),
        np.concatenate([arcs, u0 + np.arange(n_u)]),
        np.concatenate([np.ones(n_a), -np.ones(n_u)]),
        n_p,
    )
    per_resource = block(pb.arc_r, arcs, np.ones(n_a), n_r)
    room = block(np.zeros(n_a, dtype=np.int64), arcs, np.ones(n_a), 1)
    # coverage: y_t − Σ_{a ∈ E_t} x_a ≤ 0
    coverage = block(
        np.concatenate([np.arange(n_t), pb.member_t]),
        np.concatenate([y0 + np.arange(n_t), pb.member_a]),
        np.concatenate([np.ones(n_t), -np.ones(pb.member_a.size)]),
        n_t,
    )
    b_ub = np.concatenate(
        [pb.capacity_left.astype(np.float64), [float(pb.room_left)], np.zeros(n_t)]
    )
    return LinearModel(c, per_project, csr_array(vstack([per_resource, room, coverage])), b_ub, n_a)


def solve_lp(pb: AssignmentProblem, time_limit: float) -> float | None:
    """Optimal value of the LP relaxation (interior point: fast on 500k columns), or None."""
    model = linear_model(pb)
    result = linprog(
        model.c,
        A_ub=model.a_ub,
        b_ub=model.b_ub,
        A_eq=model.a_eq,
        b_eq=np.zeros(model.a_eq.shape[0]),
        bounds=(0, 1),
        method="highs-ipm",
        options={"time_limit": time_limit},
    )
    if result.status != 0:
        log.warning("LP relaxation not solved: %s", result.message)
        return None
    return float(-result.fun)


class MilpSolver:
    def __init__(self, problem: AssignmentProblem, *, time_limit: float = 120.0) -> None:
        self.problem = problem
        self.time_limit = time_limit

    def solve(self) -> np.ndarray:
        pb = self.problem
        if pb.n_arcs == 0:
            return np.zeros(0, dtype=bool)
        model = linear_model(pb)
        integrality = np.zeros(model.c.size)
        integrality[: model.n_arcs] = 1
        result = milp(
            model.c,
            integrality=integrality,
            bounds=Bounds(0, 1),
            constraints=[
                LinearConstraint(model.a_eq, 0, 0),
                LinearConstraint(model.a_ub, -np.inf, model.b_ub),
            ],
            options={"time_limit": self.time_limit},
        )
        if result.x is None:
            raise RuntimeError(f"MILP found no solution: {result.message}")
        if result.status != 0:
            log.warning("MILP stopped early (%s); using the best plan found", result.message)
        return np.asarray(result.x[: pb.n_arcs] > 0.5)
