"""The planner's knobs in one object, stored with every plan so a plan can be reproduced."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class PlanSettings:
    """Weights are in score units (a match score is roughly 0..1).

    The objective per plan is Σ meeting weight + Σ per-project meeting-count gains +
    coverage bonuses; see README.md for why each weight has the size it has.
    """

    solver: str = "flow"
    top_k: int = 50  # candidate providers per project (plus pins and kept meetings)
    mutual_want: float = 0.3  # both sides marked 想见
    one_sided_want: float = 0.1  # one side marked 想见
    keep_bonus: float = 0.5  # pair already in the previous plan
    below_min_gain: float = 3.0  # each meeting up to a project's minimum: beats any quality gain
    extra_gain: float = 0.2  # the (min+k)-th meeting gains extra_gain / k: spreads meetings
    coverage_bonus: float = 1.5  # first strong meeting serving each need of a project
    # "auto": the LP up to lp_bound_max_arcs candidate pairs, the top-k sum above; "lp" always
    bound: str = "auto"
    lp_bound_max_arcs: int = 100_000  # LP ≈1 s at 20k pairs (405×120), ≈30–130 s at 500k (10k×1k)
    time_limit: float = 120.0  # seconds, for the MILP solver
    bound_time_limit: float = 240.0  # seconds, for the LP bound (then the top-k bound)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanSettings:
        """Settings stored with a plan; keys no longer known (such as the old
        conflict_of_interest, which lives on the Event) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
