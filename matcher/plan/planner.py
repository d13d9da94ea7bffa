"""plan_event: encode → assign (solver from the table) → schedule → decode into a Plan."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from dataclasses import replace

import numpy as np

from matcher.plan.bound import bound_kind, upper_bound
from matcher.plan.diagnostics import event_diagnostics, project_summaries, resource_summaries
from matcher.plan.event import Event
from matcher.plan.inputs import MatchScores
from matcher.plan.plan import Meeting, Plan, PlanStats
from matcher.plan.problem import AssignmentProblem, build_problem
from matcher.plan.schedule import idle_gaps, schedule_meetings
from matcher.plan.settings import PlanSettings
from matcher.plan.solvers import SOLVERS, GreedySolver

log = logging.getLogger(__name__)


def inputs_hash(scores: MatchScores, event: Event, previous: Plan | None) -> str:
    """sha256 over the event, the attending records, the score arrays and the previous plan."""
    digest = hashlib.sha256()
    digest.update(json.dumps(event.to_dict(), sort_keys=True, ensure_ascii=False).encode())
    for p in scores.projects:
        digest.update(repr((p.project_id, p.track, p.needs, p.institution)).encode())
    for r in scores.resources:
        digest.update(repr((r.resource_id, r.name, r.type, r.capacity)).encode())
    digest.update(np.ascontiguousarray(scores.scores).tobytes())
    digest.update(np.ascontiguousarray(scores.strong).tobytes())
    for need in sorted(scores.serves_need):
        digest.update(need.encode() + np.ascontiguousarray(scores.serves_need[need]).tobytes())
    digest.update((previous.plan_id if previous else "").encode())
    return digest.hexdigest()


def plan_event(
    match_scores: MatchScores,
    event: Event,
    *,
    previous: Plan | None = None,
    seed: int = 0,
    solver: str = "flow",
    settings: PlanSettings | None = None,
) -> Plan:
    """A match list and schedule for the event; never raises for a short event.

    Projects that get fewer meetings than the minimum appear in `Plan.shortfalls` with a
    reason, and `Plan.diagnostics` says what the event is short of. With `previous`, its
    meetings earn a keep bonus and keep their slot and table where still valid.
    The upper bound is the LP relaxation up to `settings.lp_bound_max_arcs` candidate pairs
    and the cheap top-k sum above (`settings.bound="lp"` forces the LP: ≈30 s or more at
    10k × 1k). Raises InputError for unknown ids or contradictory pins/blocks, ValueError for
    an unknown solver or bound name.
    """
    started = time.perf_counter()
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose from {sorted(SOLVERS)}")
    settings = replace(settings or PlanSettings(), solver=solver)
    kept = {m.pair for m in previous.meetings} if previous else set()
    pb = build_problem(match_scores, event, settings, kept=kept, seed=seed)
    bound_kind(pb, settings)  # an unknown bound name fails before any solving
    log.info(
        "planning %d projects × %d providers, %d candidate pairs, solver %s",
        len(pb.project_ids),
        len(pb.resource_ids),
        pb.n_arcs,
        solver,
    )

    chosen = SOLVERS[solver](pb, time_limit=settings.time_limit).solve()
    greedy = GreedySolver(pb).solve()
    mp = np.concatenate([pb.pin_p, pb.arc_p[chosen]])
    mr = np.concatenate([pb.pin_r, pb.arc_r[chosen]])
    is_pin = np.arange(mp.size) < pb.pin_p.size
    tables = event.table_names(len(pb.resource_ids))
    preferred_slot, preferred_table = _previous_places(previous, pb, mp, mr, event, tables)
    schedule = schedule_meetings(
        mp,
        mr,
        pb.project_slots,
        pb.resource_slots,
        len(tables),
        table_per_provider=event.tables is None,
        preferred_slot=preferred_slot,
        preferred_table=preferred_table,
    )

    placed = schedule.slot >= 0
    final = chosen.copy()
    final[np.flatnonzero(chosen)[~placed[pb.pin_p.size :]]] = False
    objective = pb.objective(final) - float(
        pb.weight[mp[~placed & is_pin], mr[~placed & is_pin]].sum()
    )
    bound_started = time.perf_counter()
    bound, kind = upper_bound(pb, settings)
    bound_seconds = time.perf_counter() - bound_started

    meetings = _meetings(
        match_scores, event, pb, mp, mr, is_pin, schedule.slot, schedule.table, tables
    )
    unscheduled_p = np.bincount(mp[~placed], minlength=len(pb.project_ids))
    gaps = idle_gaps(schedule.slot, mr, len(pb.resource_ids))
    summaries = project_summaries(pb, match_scores, mp[placed], mr[placed], unscheduled_p)
    table_of: list[list[str]] = [[] for _ in pb.resource_ids]
    for r, t in zip(mr[placed], schedule.table[placed], strict=True):
        table_of[r].append(tables[t])
    stats = PlanStats(
        objective=round(objective, 6),
        quality=round(float(sum(m.score for m in meetings)), 6),
        upper_bound=round(bound, 6),
        bound_kind=kind,
        gap=round(max(bound - objective, 0.0) / abs(bound), 6) if bound else 0.0,
        greedy_objective=round(pb.objective(greedy), 6),
        greedy_quality=round(
            float(
                pb.arc_score[greedy].sum()
                + match_scores.scores[pb.rows[pb.pin_p], pb.cols[pb.pin_r]].sum()
            ),
            6,
        ),
        greedy_meetings=int(greedy.sum() + pb.pin_p.size),
        meetings=len(meetings),
        unscheduled=int((~placed).sum()),
        idle_gaps=int(gaps.sum()),
        candidate_pairs=pb.n_arcs,
        wall_seconds=round(time.perf_counter() - started, 3),
        bound_seconds=round(bound_seconds, 3),
    )
    plan = Plan(
        event_name=event.name,
        slots=tuple(event.slots),
        tables=tuple(tables),
        meetings=tuple(meetings),
        projects=tuple(summaries),
        resources=tuple(resource_summaries(pb, match_scores, mr[placed], table_of, gaps)),
        diagnostics=tuple(
            event_diagnostics(pb, match_scores, summaries, int((~placed).sum()), gaps)
        ),
        stats=stats,
        inputs_hash=inputs_hash(match_scores, event, previous),
        settings=settings.to_dict(),
        seed=seed,
        previous_id=previous.plan_id if previous else "",
        unscheduled=tuple(
            (pb.project_ids[p], pb.resource_ids[r])
            for p, r in zip(mp[~placed], mr[~placed], strict=True)
        ),
    )
    log.info(
        "plan: %d meetings, objective %.3f, %s bound %.3f (gap %.2f%%), greedy %.3f",
        stats.meetings,
        stats.objective,
        kind,
        bound,
        100 * stats.gap,
        stats.greedy_objective,
    )
    return plan


def _previous_places(
    previous: Plan | None, pb: AssignmentProblem, mp, mr, event: Event, tables: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Per meeting: its slot in the previous plan (−1 if none); per provider: its usual table."""
    slot = np.full(mp.size, -1, dtype=np.int64)
    table = np.full(len(pb.resource_ids), -1, dtype=np.int64)
    if previous is None:
        return slot, table
    slot_index = {s: i for i, s in enumerate(event.slots)}
    table_index = {t: i for i, t in enumerate(tables)}
    before = {m.pair: m for m in previous.meetings}
    usual: dict[str, Counter[str]] = {}
    for m in previous.meetings:
        usual.setdefault(m.resource_id, Counter())[m.table] += 1
    for i, (p, r) in enumerate(zip(mp, mr, strict=True)):
        old = before.get((pb.project_ids[p], pb.resource_ids[r]))
        if old is not None:
            slot[i] = slot_index.get(old.slot, -1)
    for j, rid in enumerate(pb.resource_ids):
        if rid in usual:
            table[j] = table_index.get(usual[rid].most_common(1)[0][0], -1)
    return slot, table


def _meetings(
    scores: MatchScores,
    event: Event,
    pb: AssignmentProblem,
    mp,
    mr,
    is_pin,
    slot,
    table,
    tables: list[str],
) -> list[Meeting]:
    wants = {(a, b) for a, b, w in event.wishes if w == "want"}
    out = []
    for i in np.flatnonzero(slot >= 0):
        p, r = int(mp[i]), int(mr[i])
        pid, rid = pb.project_ids[p], pb.resource_ids[r]
        notes = []
        if is_pin[i]:
            notes.append("组委会指定")
        if (pid, rid) in wants and (rid, pid) in wants:
            notes.append("双方互相想见")
        elif (pid, rid) in wants:
            notes.append("项目方想见")
        elif (rid, pid) in wants:
            notes.append("资源方想见")
        text = scores.reasons(int(pb.rows[p]), int(pb.cols[r]))
        out.append(
            Meeting(
                project_id=pid,
                resource_id=rid,
                slot=event.slots[slot[i]],
                table=tables[table[i]],
                score=round(float(scores.scores[pb.rows[p], pb.cols[r]]), 4),
                reasons="；".join([*notes, text] if text else notes),
                project_title=scores.projects[pb.rows[p]].title,
                resource_name=scores.resources[pb.cols[r]].name,
                pinned=bool(is_pin[i]),
            )
        )
    slot_order = {s: i for i, s in enumerate(event.slots)}
    table_order = {t: i for i, t in enumerate(tables)}
    out.sort(key=lambda m: (slot_order[m.slot], table_order[m.table], m.resource_id, m.project_id))
    return out
