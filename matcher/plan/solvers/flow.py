"""Min-cost flow (OR-Tools) with convex per-project gains and per-need coverage sub-nodes.

Network: source → project (one arc per further meeting, cost −unit_gain: convex because gains
fall) → resource (cost −weight) → hub (capacity left) → sink (room left); a zero-cost bypass
source → sink lets unneeded supply through, so the flow is always feasible.
Coverage: project → target node (capacity 1, cost −coverage_bonus) → pair node → resource;
pair nodes make each pair usable once whichever way it is reached. One meeting counts for one
target only, so a provider serving two needs earns one bonus here (the MILP counts both).
"""

from __future__ import annotations

import logging

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.plan.problem import AssignmentProblem

log = logging.getLogger(__name__)

SCALE = 1_000_000  # costs are integers: score units × SCALE


def _cost(values: np.ndarray) -> np.ndarray:
    return -np.rint(np.asarray(values, dtype=np.float64) * SCALE).astype(np.int64)


class FlowSolver:
    def __init__(self, problem: AssignmentProblem, *, time_limit: float = 120.0) -> None:
        self.problem = problem
        self.time_limit = time_limit

    def solve(self) -> np.ndarray:
        pb = self.problem
        n_p, n_r, n_t = len(pb.project_ids), len(pb.resource_ids), pb.target_p.size
        source, sink, hub = 0, 1, 2
        project0 = 3
        resource0 = project0 + n_p
        target0 = resource0 + n_r
        in_target = np.zeros(pb.n_arcs, dtype=bool)
        in_target[pb.member_a] = True
        paired = np.nonzero(in_target)[0]
        pair_node = np.full(pb.n_arcs, -1, dtype=np.int64)
        pair_node[paired] = target0 + n_t + np.arange(paired.size)
        direct = np.nonzero(~in_target)[0]

        unit_p, unit_k = np.nonzero(np.arange(pb.unit_gain.shape[1]) < pb.units[:, None])
        supply = int(unit_p.size)
        ones = np.ones
        parts = [
            # (tails, heads, capacities, costs)
            (
                np.full(unit_p.size, source),
                project0 + unit_p,
                ones(unit_p.size),
                _cost(pb.unit_gain[unit_p, unit_k]),
            ),
            (np.array([source]), np.array([sink]), np.array([supply]), np.zeros(1)),
            (
                project0 + pb.arc_p[direct],
                resource0 + pb.arc_r[direct],
                ones(direct.size),
                _cost(pb.arc_weight[direct]),
            ),
            (
                project0 + pb.arc_p[paired],
                pair_node[paired],
                ones(paired.size),
                np.zeros(paired.size),
            ),
            (
                pair_node[paired],
                resource0 + pb.arc_r[paired],
                ones(paired.size),
                _cost(pb.arc_weight[paired]),
            ),
            (
                target0 + pb.member_t,
                pair_node[pb.member_a],
                ones(pb.member_a.size),
                np.zeros(pb.member_a.size),
            ),
            (
                project0 + pb.target_p,
                target0 + np.arange(n_t),
                ones(n_t),
                _cost(np.full(n_t, pb.coverage_bonus)),
            ),
            (resource0 + np.arange(n_r), np.full(n_r, hub), pb.capacity_left, np.zeros(n_r)),
            (np.array([hub]), np.array([sink]), np.array([pb.room_left]), np.zeros(1)),
        ]
        tails, heads, caps, costs = (
            np.concatenate([np.asarray(part[i]) for part in parts]).astype(np.int64)
            for i in range(4)
        )
        flow = min_cost_flow.SimpleMinCostFlow()
        arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
        flow.set_nodes_supplies(np.array([source, sink]), np.array([supply, -supply]))
        status = flow.solve()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed with status {status}")
        flows = flow.flows(arcs)
        start = sum(len(part[0]) for part in parts[:2])
        chosen = np.zeros(pb.n_arcs, dtype=bool)
        chosen[direct] = flows[start : start + direct.size] > 0
        start += direct.size + paired.size
        chosen[paired] = flows[start : start + paired.size] > 0
        log.debug(
            "flow: %d nodes, %d arcs, %d meetings", flow.num_nodes(), flow.num_arcs(), chosen.sum()
        )
        return chosen
