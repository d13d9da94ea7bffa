"""Standby lists for same-day no-shows: who could step in at a provider's table in each slot."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.plan.event import Event
from matcher.plan.inputs import MatchScores
from matcher.plan.plan import Plan
from matcher.plan.problem import build_problem
from matcher.plan.settings import PlanSettings


@dataclass(frozen=True)
class Standby:
    resource_id: str
    slot: str
    rank: int
    project_id: str
    score: float
    reasons: str = ""


def standby_lists(
    plan: Plan, match_scores: MatchScores, event: Event, *, size: int = 5
) -> dict[str, list[Standby]]:
    """Per provider, for each slot it has a meeting: the best `size` projects that could step in.

    A stand-in does not already meet that provider, is free and available in that slot, and
    is not blocked (conflict of interest, blocks, 不考虑). Ranked by score, ties by id.
    """
    settings = PlanSettings.from_dict(plan.settings)
    pb = build_problem(match_scores, event, settings, seed=plan.seed)
    p_index = {x: i for i, x in enumerate(pb.project_ids)}
    r_index = {x: j for j, x in enumerate(pb.resource_ids)}
    s_index = {s: i for i, s in enumerate(event.slots)}
    busy = np.zeros(pb.project_slots.shape, dtype=bool)
    met = np.zeros(pb.blocked.shape, dtype=bool)
    for m in plan.meetings:
        if m.project_id in p_index and m.resource_id in r_index and m.slot in s_index:
            busy[p_index[m.project_id], s_index[m.slot]] = True
            met[p_index[m.project_id], r_index[m.resource_id]] = True
    scores = match_scores.scores[np.ix_(pb.rows, pb.cols)]
    out: dict[str, list[Standby]] = {}
    for m in plan.meetings:
        if m.resource_id not in r_index or m.slot not in s_index:
            continue
        r, s = r_index[m.resource_id], s_index[m.slot]
        ok = ~met[:, r] & ~busy[:, s] & pb.project_slots[:, s] & ~pb.blocked[:, r]
        cand = np.flatnonzero(ok)
        best = cand[np.lexsort((cand, -scores[cand, r]))][:size]
        out.setdefault(m.resource_id, []).extend(
            Standby(
                m.resource_id,
                m.slot,
                rank + 1,
                pb.project_ids[p],
                round(float(scores[p, r]), 4),
                match_scores.reasons(int(pb.rows[p]), int(pb.cols[r])),
            )
            for rank, p in enumerate(best)
        )
    return out
