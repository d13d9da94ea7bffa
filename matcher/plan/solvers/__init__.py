"""Interchangeable assignment solvers: same constructor, picked from a table by name.

Each takes an AssignmentProblem and returns a bool mask over its candidate arcs (pins are
already placed); all maximise `AssignmentProblem.objective` under the same constraints.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from matcher.plan.problem import AssignmentProblem
from matcher.plan.solvers.flow import FlowSolver
from matcher.plan.solvers.greedy import GreedySolver
from matcher.plan.solvers.milp import MilpSolver


class Solver(Protocol):
    def __init__(self, problem: AssignmentProblem, *, time_limit: float = 120.0) -> None: ...

    def solve(self) -> np.ndarray: ...


SOLVERS: dict[str, type[Solver]] = {
    "flow": FlowSolver,
    "milp": MilpSolver,
    "greedy": GreedySolver,
}

__all__ = ["SOLVERS", "FlowSolver", "GreedySolver", "MilpSolver", "Solver"]
