"""Encode an event into a sparse assignment problem over indices (ids map to indices here only).

The objective every solver maximises, for a set of chosen candidate arcs x:

    pin_constant + Σ weight[a]·x[a] + Σ_p Σ_{k ≤ count_p} unit_gain[p, k] + coverage_bonus·#covered

`unit_gain` falls with k (big until a project's minimum, then extra_gain/k): concave, so
meetings spread across projects; a coverage target is one need of one project that a strong,
serving candidate could meet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from matcher.errors import InputError, InputIssue
from matcher.fusion import MAX_GRADE
from matcher.plan.conflict import serves_only_its_people
from matcher.plan.event import Event
from matcher.plan.inputs import MatchScores
from matcher.plan.settings import PlanSettings
from matcher.text.fold import same_organisation

log = logging.getLogger(__name__)

STRONG_TARGET = "_strong"  # coverage target of a project with no coverable need: any strong match


@dataclass
class AssignmentProblem:
    """Everything the solvers and the scheduler need, as arrays over attending indices."""

    project_ids: list[str]
    resource_ids: list[str]
    rows: np.ndarray  # attending project -> row in MatchScores
    cols: np.ndarray  # attending resource -> column in MatchScores
    # candidate arcs (pins excluded)
    arc_p: np.ndarray
    arc_r: np.ndarray
    arc_weight: np.ndarray
    arc_score: np.ndarray
    arc_strong: np.ndarray
    # projects
    min_meetings: np.ndarray
    max_meetings: np.ndarray  # effective: min(event max, available slots)
    units: np.ndarray  # meetings still to place after pins
    unit_gain: np.ndarray  # (P, max units) gain of each further meeting; 0 past units
    n_allowed: np.ndarray  # providers a project may meet at all (not blocked)
    # resources
    capacity: np.ndarray  # effective: min(capacity, available slots)
    capacity_left: np.ndarray  # after pins
    room_left: int  # meetings the slots × tables can still hold after pins
    # coverage targets
    target_p: np.ndarray
    target_need: list[str]
    member_t: np.ndarray  # (target, arc) membership pairs
    member_a: np.ndarray
    coverage_bonus: float
    # pins, availability, blocks
    pin_p: np.ndarray
    pin_r: np.ndarray
    pin_constant: float
    pin_covered: int
    project_slots: np.ndarray  # (P, S) bool
    resource_slots: np.ndarray  # (R, S) bool
    blocked: np.ndarray  # (P, R) bool
    weight: np.ndarray  # (P, R) score + wish and keep bonuses
    n_tables: int

    @property
    def n_arcs(self) -> int:
        return int(self.arc_p.size)

    def objective(self, chosen: np.ndarray) -> float:
        """The planning objective of pins plus the chosen arcs (a bool mask over arcs)."""
        chosen = np.asarray(chosen, dtype=bool)
        counts = np.bincount(self.arc_p[chosen], minlength=len(self.project_ids))
        counts = np.minimum(counts, self.unit_gain.shape[1])
        cumulative = np.concatenate(
            [np.zeros((len(counts), 1)), np.cumsum(self.unit_gain, axis=1)], axis=1
        )
        gains = cumulative[np.arange(len(counts)), counts].sum()
        hit = chosen[self.member_a]
        covered = np.unique(self.member_t[hit]).size
        return float(
            self.pin_constant
            + self.arc_weight[chosen].sum()
            + gains
            + self.coverage_bonus * covered
        )


def unit_gains(event: Event, first: int, count: int, settings: PlanSettings) -> np.ndarray:
    """Gains of meetings number first+1 .. first+count for a project of this event.

    Up to the event's minimum a meeting gains `below_min_gain`; the (min+k)-th gains
    extra_gain / k. With `event.extra_min_grade` > 0 every meeting beyond the minimum also costs
    extra_gain plus that grade in score units, so the first is booked only when its weight
    (expected grade / 3, plus wishes) reaches the grade, each further one a little more.
    """
    j = np.arange(first + 1, first + count + 1, dtype=np.float64)
    extra = settings.extra_gain / np.maximum(j - event.min_meetings, 1.0)
    if event.extra_min_grade > 0:
        extra -= settings.extra_gain + event.extra_min_grade / MAX_GRADE
    return np.where(j <= event.min_meetings, settings.below_min_gain, extra)


def _attending(ids: list[str], wanted: list[str] | None, kind: str, issues: list[InputIssue]):
    index = {x: i for i, x in enumerate(ids)}
    if wanted is None:
        return np.arange(len(ids))
    missing = [x for x in wanted if x not in index]
    issues += [InputIssue("event", None, kind, f"unknown id {x}") for x in missing]
    return np.array(sorted({index[x] for x in wanted if x in index}), dtype=np.int64)


def build_problem(
    scores: MatchScores,
    event: Event,
    settings: PlanSettings,
    *,
    kept: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
    seed: int = 0,
) -> AssignmentProblem:
    """Candidate arcs, capacities, gains and coverage targets for one event.

    Raises InputError for ids the scores do not know, pins of people not attending, and pairs
    that are both pinned and explicitly blocked.
    """
    issues: list[InputIssue] = []
    all_p = [p.project_id for p in scores.projects]
    all_r = [r.resource_id for r in scores.resources]
    rows = _attending(all_p, event.projects, "projects", issues)
    cols = _attending(all_r, event.resources, "resources", issues)
    project_ids = [all_p[i] for i in rows]
    resource_ids = [all_r[j] for j in cols]
    p_index = {x: i for i, x in enumerate(project_ids)}
    r_index = {x: j for j, x in enumerate(resource_ids)}
    known = set(all_p) | set(all_r)
    n_p, n_r, n_s = len(rows), len(cols), len(event.slots)

    def pair(kind: str, pid: str, rid: str) -> tuple[int, int] | None:
        for x in (pid, rid):
            if x not in known:
                issues.append(InputIssue("event", None, kind, f"unknown id {x}"))
        if pid in p_index and rid in r_index:
            return p_index[pid], r_index[rid]
        if kind == "pins" and pid in known and rid in known:
            issues.append(InputIssue("event", None, kind, f"{pid}–{rid} pinned but not attending"))
        return None

    blocked = np.zeros((n_p, n_r), dtype=bool)
    if event.conflict_of_interest:
        names = [scores.resources[c].name for c in cols]
        by_institution: dict[str, np.ndarray] = {}
        for i, row in enumerate(rows):
            inst = scores.projects[row].institution
            if inst not in by_institution:
                by_institution[inst] = np.array(
                    [same_organisation(inst, n) for n in names], dtype=bool
                ).reshape(n_r)
            blocked[i] = by_institution[inst]
        for column in np.flatnonzero(blocked.any(axis=0)):  # few providers: read their rules only
            if serves_only_its_people(scores.resources[cols[column]]):
                blocked[:, column] = False
    explicit = np.zeros_like(blocked)
    for pid, rid in event.blocks:
        found = pair("blocks", pid, rid)
        if found:
            explicit[found] = True
    want_p = np.zeros_like(blocked)  # project wants resource
    want_r = np.zeros_like(blocked)  # resource wants project
    resource_set = set(all_r)
    for who, other, wish in event.wishes:
        if who in resource_set:
            found, wants = pair("wishes", other, who), want_r
        else:
            found, wants = pair("wishes", who, other), want_p
        if found and wish == "no":
            explicit[found] = True
        elif found:
            wants[found] = True
    pins: list[tuple[int, int]] = []
    for pid, rid in event.pins:
        found = pair("pins", pid, rid)
        if found and explicit[found]:
            issues.append(InputIssue("event", None, "pins", f"{pid}–{rid} is pinned and blocked"))
        elif found and found not in pins:
            pins.append(found)
    if issues:
        raise InputError(issues)
    blocked |= explicit

    project_slots = np.zeros((n_p, n_s), dtype=bool)
    for i, pid in enumerate(project_ids):
        project_slots[i, event.available_slots(pid)] = True
    resource_slots = np.zeros((n_r, n_s), dtype=bool)
    for j, rid in enumerate(resource_ids):
        resource_slots[j, event.available_slots(rid)] = True
    tables = len(event.table_names(n_r))
    room = int(np.minimum(np.minimum(resource_slots.sum(0), project_slots.sum(0)), tables).sum())

    sub_scores = scores.scores[np.ix_(rows, cols)]
    strong = scores.strong[np.ix_(rows, cols)]
    mutual = want_p & want_r
    weight = (
        sub_scores + settings.mutual_want * mutual + settings.one_sided_want * (want_p ^ want_r)
    )
    keep = np.zeros_like(blocked)
    for pid, rid in kept:
        if pid in p_index and rid in r_index:
            keep[p_index[pid], r_index[rid]] = True
    weight += settings.keep_bonus * keep

    pin_p = np.array([p for p, _ in pins], dtype=np.int64)
    pin_r = np.array([r for _, r in pins], dtype=np.int64)
    pinned = np.zeros_like(blocked)
    pinned[pin_p, pin_r] = True
    if (pinned & blocked).any():
        log.info("pins override %d default conflict-of-interest blocks", (pinned & blocked).sum())

    allowed = ~blocked & ~pinned
    n_allowed = (~blocked).sum(axis=1)
    k = min(settings.top_k, n_r)
    masked = np.where(allowed, weight, -np.inf)
    if k > 0 and n_r > 0:
        top = (
            np.argpartition(-masked, k - 1, axis=1)[:, :k]
            if k < n_r
            else np.tile(np.arange(n_r), (n_p, 1))
        )
        candidate = np.zeros_like(blocked)
        np.put_along_axis(candidate, top, True, axis=1)
        candidate &= allowed
    else:
        candidate = np.zeros_like(blocked)
    candidate |= (keep | mutual | want_p | want_r) & allowed
    arc_p, arc_r = np.nonzero(candidate)
    order = np.random.default_rng(seed).permutation(arc_p.size)  # seeded tie-breaking
    arc_p, arc_r = arc_p[order].astype(np.int64), arc_r[order].astype(np.int64)

    max_eff = np.minimum(event.max_meetings, project_slots.sum(axis=1))
    capacity = np.array(
        [
            event.capacity.get(rid, scores.resources[c].capacity)
            for rid, c in zip(resource_ids, cols, strict=True)
        ],
        dtype=np.int64,
    )
    capacity = np.minimum(capacity, resource_slots.sum(axis=1))
    pins_per_p = np.bincount(pin_p, minlength=n_p)
    pins_per_r = np.bincount(pin_r, minlength=n_r)
    units = np.maximum(max_eff - pins_per_p, 0)
    max_units = int(units.max()) if n_p else 0
    unit_gain = np.zeros((n_p, max_units))
    for i in range(n_p):
        unit_gain[i, : units[i]] = unit_gains(event, int(pins_per_p[i]), int(units[i]), settings)

    # coverage: one target per (project, need) that some strong serving candidate could meet
    needs = [n for n in scores.serves_need]
    has_need = np.array(
        [[n in scores.projects[r].needs for n in needs] for r in rows], dtype=bool
    ).reshape(n_p, len(needs))
    member_a_parts: list[np.ndarray] = []
    target_keys: list[tuple[np.ndarray, np.ndarray]] = []
    coverable = np.zeros(n_p, dtype=bool)
    pin_covered = 0
    pin_strong = np.zeros(n_p, dtype=bool)
    pin_strong[pin_p[strong[pin_p, pin_r]]] = True
    for ni, need in enumerate(needs):
        serves = scores.serves_need[need][np.ix_(rows, cols)] & strong
        arcs = np.nonzero(serves[arc_p, arc_r] & has_need[arc_p, ni])[0]
        by_pin = np.zeros(n_p, dtype=bool)
        by_pin[pin_p[serves[pin_p, pin_r] & has_need[pin_p, ni]]] = True
        pin_covered += int(by_pin.sum())
        coverable |= by_pin
        arcs = arcs[~by_pin[arc_p[arcs]]]
        coverable[arc_p[arcs]] = True
        target_keys.append((arc_p[arcs], np.full(arcs.size, ni)))
        member_a_parts.append(arcs)
    fallback = np.nonzero(arc_strong_mask := strong[arc_p, arc_r])[0]
    fallback = fallback[~coverable[arc_p[fallback]] & ~pin_strong[arc_p[fallback]]]
    pin_covered += int((pin_strong & ~coverable).sum())
    target_keys.append((arc_p[fallback], np.full(fallback.size, len(needs))))
    member_a_parts.append(fallback)
    key_p = np.concatenate([t[0] for t in target_keys]).astype(np.int64)
    key_n = np.concatenate([t[1] for t in target_keys]).astype(np.int64)
    member_a = np.concatenate(member_a_parts).astype(np.int64)
    codes = key_p * (len(needs) + 1) + key_n
    unique_codes, member_t = np.unique(codes, return_inverse=True)
    target_p = unique_codes // (len(needs) + 1)
    names = [*needs, STRONG_TARGET]
    target_need = [names[c % (len(needs) + 1)] for c in unique_codes]

    pin_weight = float(weight[pin_p, pin_r].sum())
    pin_gain = sum(unit_gains(event, 0, int(c), settings).sum() for c in pins_per_p if c)
    return AssignmentProblem(
        project_ids=project_ids,
        resource_ids=resource_ids,
        rows=rows,
        cols=cols,
        arc_p=arc_p,
        arc_r=arc_r,
        arc_weight=weight[arc_p, arc_r],
        arc_score=sub_scores[arc_p, arc_r],
        arc_strong=arc_strong_mask,
        min_meetings=np.full(n_p, event.min_meetings),
        max_meetings=max_eff,
        units=units,
        unit_gain=unit_gain,
        n_allowed=n_allowed,
        capacity=capacity,
        capacity_left=np.maximum(capacity - pins_per_r, 0),
        room_left=max(room - len(pins), 0),
        target_p=target_p.astype(np.int64),
        target_need=target_need,
        member_t=member_t.astype(np.int64),
        member_a=member_a,
        coverage_bonus=settings.coverage_bonus,
        pin_p=pin_p,
        pin_r=pin_r,
        pin_constant=pin_weight + float(pin_gain) + settings.coverage_bonus * pin_covered,
        pin_covered=pin_covered,
        project_slots=project_slots,
        resource_slots=resource_slots,
        blocked=blocked,
        weight=weight,
        n_tables=tables,
    )
