"""The baseline an organiser's spreadsheet would give: best pairs first while room remains
(a meeting beyond a project's minimum only when it is worth its place, as in every solver)."""

from __future__ import annotations

import numpy as np

from matcher.plan.problem import AssignmentProblem


class GreedySolver:
    def __init__(self, problem: AssignmentProblem, *, time_limit: float = 120.0) -> None:
        self.problem = problem
        self.time_limit = time_limit

    def solve(self) -> np.ndarray:
        pb = self.problem
        units = pb.units.copy()
        capacity = pb.capacity_left.copy()
        room = pb.room_left
        chosen = np.zeros(pb.n_arcs, dtype=bool)
        for a in np.argsort(-pb.arc_weight, kind="stable"):
            p, r = pb.arc_p[a], pb.arc_r[a]
            if not (room and units[p] and capacity[r]):
                continue
            if pb.arc_weight[a] + pb.unit_gain[p, pb.units[p] - units[p]] >= 0:
                chosen[a] = True
                units[p] -= 1
                capacity[r] -= 1
                room -= 1
        return chosen
