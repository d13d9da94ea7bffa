"""What each project and provider got, and what the event is short of, in numbers organisers act on."""

from __future__ import annotations

from collections import Counter

import numpy as np

from matcher.fusion import MAX_GRADE
from matcher.plan.inputs import MatchScores
from matcher.plan.plan import ProjectSummary, ResourceSummary
from matcher.plan.problem import AssignmentProblem
from matcher.schema import NEED, RESOURCE_TYPE, TRACK

BELOW_BAR = "再加一场需预期评分达"  # a project's reason when the event's bar stopped its meetings


def _label(vocabulary, key: str) -> str:
    return vocabulary.labels.get(key, key or "未分类")


def project_summaries(
    pb: AssignmentProblem,
    scores: MatchScores,
    mp: np.ndarray,
    mr: np.ndarray,
    unscheduled_p: np.ndarray,
) -> list[ProjectSummary]:
    """Per attending project: meetings, strong meetings, needs covered or not, and why short."""
    n_p = len(pb.project_ids)
    met = np.zeros_like(pb.blocked)
    met[mp, mr] = True
    strong = scores.strong[np.ix_(pb.rows, pb.cols)]
    counts = np.bincount(mp, minlength=n_p)
    strong_counts = np.bincount(mp[strong[mp, mr]], minlength=n_p)
    load = np.bincount(mr, minlength=len(pb.resource_ids))
    full = load >= pb.capacity
    cand = np.zeros_like(pb.blocked)
    cand[pb.arc_p, pb.arc_r] = True
    serves = {n: m[np.ix_(pb.rows, pb.cols)] & strong for n, m in scores.serves_need.items()}
    out = []
    for i in range(n_p):
        project = scores.projects[pb.rows[i]]
        covered, uncovered, unavailable = [], [], []
        for need in project.needs:
            if need not in serves:
                unavailable.append(need)
            elif (serves[need][i] & met[i]).any():
                covered.append(need)
            elif (serves[need][i] & ~pb.blocked[i]).any():
                uncovered.append(need)
            else:
                unavailable.append(need)
        reason = ""
        if counts[i] < pb.min_meetings[i]:
            reason = _shortfall_reason(pb, i, int(unscheduled_p[i]), cand[i], full)
        elif counts[i] < pb.max_meetings[i]:
            reason = _below_max_reason(pb, i, int(counts[i]), cand[i] & ~met[i], full)
        out.append(
            ProjectSummary(
                project_id=project.project_id,
                title=project.title,
                track=project.track,
                meetings=int(counts[i]),
                min_meetings=int(pb.min_meetings[i]),
                strong_meetings=int(strong_counts[i]),
                needs_covered=tuple(covered),
                needs_uncovered=tuple(uncovered),
                needs_unavailable=tuple(unavailable),
                reason=reason,
            )
        )
    return out


def _shortfall_reason(
    pb: AssignmentProblem, i: int, unscheduled: int, cand: np.ndarray, full: np.ndarray
) -> str:
    parts = []
    if pb.n_allowed[i] < pb.min_meetings[i]:
        parts.append(f"可洽谈的资源方仅 {pb.n_allowed[i]} 个（其余因回避、屏蔽或不考虑被排除）")
    if pb.project_slots[i].sum() < pb.min_meetings[i]:
        parts.append(f"项目可用时段仅 {pb.project_slots[i].sum()} 个")
    if unscheduled:
        parts.append(f"{unscheduled} 场洽谈无法排入时段")
    if (cand & full).any():
        parts.append(f"候选资源方 {cand.sum()} 个中 {(cand & full).sum()} 个名额已满")
    elif cand.any() and not parts:
        parts.append(f"候选资源方 {cand.sum()} 个尚有名额，但时段或桌数已满")
    if not parts:
        parts.append("没有可匹配的候选资源方")
    return "；".join(parts)


def _below_max_reason(
    pb: AssignmentProblem, i: int, count: int, open_pairs: np.ndarray, full: np.ndarray
) -> str:
    """Why a project that reached its minimum has fewer than its maximum: the bar for a further
    meeting (the event's extra_min_grade) or full providers. Empty when neither explains it."""
    further = count - int((pb.pin_p == i).sum())  # index of the next meeting in unit_gain
    if further >= pb.unit_gain.shape[1]:
        return ""
    bar = -float(pb.unit_gain[i, further])  # weight a further meeting needed, score units
    room = open_pairs & ~full
    if bar > 0 and room.any() and pb.weight[i][room].max() < bar:
        return (
            f"未排满 {pb.max_meetings[i]} 场：{BELOW_BAR} {bar * MAX_GRADE:.1f}，"
            f"尚有名额的 {int(room.sum())} 个候选均未达到"
        )
    if open_pairs.any() and not room.any():
        return f"未排满 {pb.max_meetings[i]} 场：其余 {int(open_pairs.sum())} 个候选名额已满"
    return ""


def resource_summaries(
    pb: AssignmentProblem,
    scores: MatchScores,
    mr: np.ndarray,
    table_of: list[list[str]],
    gaps: np.ndarray,
) -> list[ResourceSummary]:
    load = np.bincount(mr, minlength=len(pb.resource_ids))
    return [
        ResourceSummary(
            resource_id=rid,
            name=scores.resources[pb.cols[j]].name,
            type=scores.resources[pb.cols[j]].type,
            capacity=int(pb.capacity[j]),
            meetings=int(load[j]),
            available_slots=int(pb.resource_slots[j].sum()),
            idle_gaps=int(gaps[j]),
            tables=tuple(sorted(set(table_of[j]))),
        )
        for j, rid in enumerate(pb.resource_ids)
    ]


def event_diagnostics(
    pb: AssignmentProblem,
    scores: MatchScores,
    summaries: list[ProjectSummary],
    n_unscheduled: int,
    gaps: np.ndarray,
    limit: int = 12,
) -> list[str]:
    """Chinese lines: totals, supply against demand, and unmet demand by provider type × track."""
    lines = []
    n_meetings = sum(s.meetings for s in summaries)
    short = [s for s in summaries if s.shortfall]
    demand = int(pb.min_meetings.sum())
    supply = int(pb.capacity.sum())
    lines.append(
        f"共安排 {n_meetings} 场洽谈；{len(summaries) - len(short)} 个项目达到最少场次，"
        f"{len(short)} 个项目不足（共缺 {sum(s.shortfall for s in short)} 场）"
    )
    below_bar = sum(BELOW_BAR in s.reason for s in summaries)
    if below_bar:
        lines.append(
            f"{below_bar} 个项目未排满最多场次：其余候选的预期评分未达加场门槛"
            "（活动设置“加场最低预期评分”；设为 0 即排满名额）"
        )
    if supply < demand:
        lines.append(
            f"资源方总名额 {supply} 个，少于项目最少需求 {demand} 场：缺 {demand - supply} 个名额"
        )
    room = pb.room_left + pb.pin_p.size
    if room < demand:
        lines.append(f"时段×桌数最多容纳 {room} 场，少于最少需求 {demand} 场：请增加桌数或时段")
    over = np.bincount(pb.pin_r, minlength=len(pb.resource_ids)) - pb.capacity
    for j in np.flatnonzero(over > 0):
        lines.append(f"资源方 {pb.resource_ids[j]} 的指定洽谈超出名额 {over[j]} 场")
    if n_unscheduled:
        lines.append(f"{n_unscheduled} 场洽谈无法排入时段（可用时间或桌数不足），已从名单中移出")
    if gaps.sum():
        lines.append(
            f"{int((gaps > 0).sum())} 个资源方日程中有空档，共 {int(gaps.sum())} 个空档时段"
        )

    # unmet demand: projects short of meetings or with an uncovered need, by provider type × track
    lines += _unmet_by_type(pb, scores, summaries)[:limit]
    unavailable: Counter[tuple[str, str]] = Counter()
    for s in summaries:
        for need in s.needs_unavailable:
            unavailable[(need, s.track)] += 1
    for (need, track), count in sorted(unavailable.items(), key=lambda x: (-x[1], x[0]))[:limit]:
        lines.append(
            f"本场没有能强匹配“{_label(NEED, need)}”需求的资源方："
            f"{_label(TRACK, track)}赛道 {count} 个项目"
        )
    return lines


def _unmet_by_type(
    pb: AssignmentProblem, scores: MatchScores, summaries: list[ProjectSummary]
) -> list[str]:
    types = np.array([scores.resources[c].type for c in pb.cols])
    unmet: Counter[tuple[str, str]] = Counter()
    for i, s in enumerate(summaries):
        needs = list(s.needs_uncovered)
        if s.shortfall and not needs:
            needs = [n for n in scores.projects[pb.rows[i]].needs if n in scores.serves_need]
        wanted: set[str] = set()
        for need in needs:
            serving = scores.serves_need[need][pb.rows[i], pb.cols] & ~pb.blocked[i]
            wanted.update(types[serving].tolist())
        for t in wanted:
            unmet[(t, s.track)] += max(s.shortfall, 1)
    return [
        f"缺 {count} 个{_label(RESOURCE_TYPE, t)}类洽谈名额：{_label(TRACK, track)}赛道"
        for (t, track), count in sorted(unmet.items(), key=lambda x: (-x[1], x[0]))
    ]
