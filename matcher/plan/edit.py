"""Hand edits of a plan: move one meeting to another slot and table, or swap two meetings'
places, checked against the constraints the planner keeps.

    plan = move_meeting(plan, event, ("P001", "R003"), "14:30-14:45", "2号桌")
    plan = swap_meetings(plan, event, ("P001", "R003"), ("P002", "R001"))

The event is the one the plan was made for, as it stands now (an organiser may have added a
block or narrowed someone's hours since). Every meeting the edit changes is checked against
every other meeting of the result: the event's slots (hours) and tables, one meeting per table
and slot, no project or provider in two meetings at once, availability windows, attendance,
blocks (explicit, 不考虑 from either side, conflict of interest unless pinned or the provider
serves only its own people: `serves_own`), the provider's
capacity and the project's maximum. A refused edit raises `EditRefused` with every reason in
Chinese and changes nothing; an accepted one returns a new Plan whose changed meetings are
marked `edited`, with a line in `plan.edits` and the providers' idle gaps and tables updated.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace

import numpy as np

from matcher.errors import EditRefused
from matcher.plan.conflict import in_conflict
from matcher.plan.event import Event
from matcher.plan.plan import Meeting, Plan
from matcher.plan.schedule import idle_gaps

Pair = tuple[str, str]


def move_meeting(
    plan: Plan,
    event: Event,
    pair: Pair,
    slot: str,
    table: str,
    *,
    institutions: Mapping[str, str] | None = None,
    capacities: Mapping[str, int] | None = None,
    serves_own: Collection[str] = (),
) -> Plan:
    """The plan with the meeting of `pair` (project_id, resource_id) at `slot`, `table`.

    `institutions` (project_id → 申报单位) lets the conflict-of-interest rule be checked, and
    `serves_own` names the providers it does not apply to (`conflict.serves_only_its_people`);
    `capacities` (resource_id → 接洽名额 on file) is used where the event sets none, else the
    capacity the plan was made with. Raises EditRefused.
    """
    old = _find(plan, pair)
    if (old.slot, old.table) == (slot, table):
        raise EditRefused([f"该会面已在 {slot} · {table}，未作改动。"])
    new = replace(old, slot=slot, table=table, edited=True)
    line = f"移动：{_who(old)} 从 {old.slot} · {old.table} 移到 {slot} · {table}"
    return _apply(plan, event, {old.pair: new}, line, institutions, capacities, serves_own)


def swap_meetings(
    plan: Plan,
    event: Event,
    first: Pair,
    second: Pair,
    *,
    institutions: Mapping[str, str] | None = None,
    capacities: Mapping[str, int] | None = None,
    serves_own: Collection[str] = (),
) -> Plan:
    """The plan with two meetings in each other's slot and table (arguments as `move_meeting`)."""
    a, b = _find(plan, first), _find(plan, second)
    if a.pair == b.pair:
        raise EditRefused(["请选择两场不同的会面对调。"])
    changed = {
        a.pair: replace(a, slot=b.slot, table=b.table, edited=True),
        b.pair: replace(b, slot=a.slot, table=a.table, edited=True),
    }
    line = f"对调：{_who(a)}（{a.slot} · {a.table}）与 {_who(b)}（{b.slot} · {b.table}）"
    return _apply(plan, event, changed, line, institutions, capacities, serves_own)


def check_meetings(
    plan: Plan,
    event: Event,
    meetings: list[Meeting],
    changed: set[Pair],
    *,
    institutions: Mapping[str, str] | None = None,
    capacities: Mapping[str, int] | None = None,
    serves_own: Collection[str] = (),
) -> list[str]:
    """Every constraint the `changed` meetings of a proposed meeting list break, in Chinese."""
    reasons: list[str] = []
    tables = _tables(plan, event)
    pins = set(event.pins)
    for m in (m for m in meetings if m.pair in changed):
        others = [o for o in meetings if o.pair != m.pair]
        if m.slot not in event.slots:
            reasons.append(
                f"{m.slot} 不在活动时段内（{event.slots[0].split('-')[0]}–"
                f"{event.slots[-1].split('-')[-1]}）。"
            )
            continue
        if m.table not in tables:
            reasons.append(f"本场没有“{m.table}”（共 {len(tables)} 张桌）。")
        in_slot = [o for o in others if o.slot == m.slot]
        if len(in_slot) + 1 > len(tables):
            reasons.append(f"{m.slot} 已排满 {len(tables)} 张桌。")
        for o in in_slot:
            if o.table == m.table:
                reasons.append(f"{m.table} 在 {m.slot} 已有会面（{_who(o)}），可改用对调。")
            if o.project_id == m.project_id:
                reasons.append(
                    f"项目「{_project(m)}」在 {m.slot} 已有会面（与「{_resource(o)}」），"
                    "不能同时参加两场。"
                )
            if o.resource_id == m.resource_id:
                reasons.append(
                    f"资源方「{_resource(m)}」在 {m.slot} 已有会面（与「{_project(o)}」），"
                    "不能同时参加两场。"
                )
        slot = event.slots.index(m.slot)
        for who, name, kind in (
            (m.project_id, _project(m), "项目"),
            (m.resource_id, _resource(m), "资源方"),
        ):
            if slot not in event.available_slots(who):
                reasons.append(f"{kind}「{name}」在 {m.slot} 不能参会（可参会时间之外）。")
        reasons += _attendance(event, m) + _blocked(event, m, pins, institutions or {}, serves_own)
        reasons += _counts(plan, event, meetings, m, pins, capacities or {})
    return list(dict.fromkeys(reasons))  # the same reason once, in the order found


def _apply(
    plan: Plan,
    event: Event,
    changed: dict[Pair, Meeting],
    line: str,
    institutions: Mapping[str, str] | None,
    capacities: Mapping[str, int] | None,
    serves_own: Collection[str] = (),
) -> Plan:
    meetings = [changed.get(m.pair, m) for m in plan.meetings]
    reasons = check_meetings(
        plan,
        event,
        meetings,
        set(changed),
        institutions=institutions,
        capacities=capacities,
        serves_own=serves_own,
    )
    if reasons:
        raise EditRefused(reasons)
    return _with_meetings(plan, meetings, line)


def _with_meetings(plan: Plan, meetings: list[Meeting], line: str) -> Plan:
    """The plan with new meeting places: providers' idle gaps and tables follow them."""
    order = {s: i for i, s in enumerate(plan.slots)}
    rids = [r.resource_id for r in plan.resources]
    index = {rid: i for i, rid in enumerate(rids)}
    placed = [m for m in meetings if m.resource_id in index and m.slot in order]
    gaps = idle_gaps(
        np.array([order[m.slot] for m in placed], dtype=np.int64),
        np.array([index[m.resource_id] for m in placed], dtype=np.int64),
        len(rids),
    )
    tables: dict[str, list[str]] = {}
    for m in sorted(placed, key=lambda m: order[m.slot]):
        tables.setdefault(m.resource_id, [])
        if m.table not in tables[m.resource_id]:
            tables[m.resource_id].append(m.table)
    resources = tuple(
        replace(r, idle_gaps=int(gaps[i]), tables=tuple(tables.get(r.resource_id, ())))
        for i, r in enumerate(plan.resources)
    )
    return replace(
        plan,
        meetings=tuple(meetings),
        resources=resources,
        stats=replace(plan.stats, idle_gaps=int(gaps.sum())),
        edits=(*plan.edits, line),
    )


def _find(plan: Plan, pair: Pair) -> Meeting:
    pair = (str(pair[0]), str(pair[1]))
    for m in plan.meetings:
        if m.pair == pair:
            return m
    raise EditRefused([f"排期中没有 {pair[0]} 与 {pair[1]} 的会面。"])


def _tables(plan: Plan, event: Event) -> list[str]:
    """The event's tables now; one per provider (as planned) when it names none."""
    if event.tables is None:
        return list(plan.tables) or event.table_names(len(plan.resources))
    return event.table_names(0)


def _attendance(event: Event, m: Meeting) -> list[str]:
    out = []
    if event.projects is not None and m.project_id not in event.projects:
        out.append(f"项目「{_project(m)}」不再参加本场活动。")
    if event.resources is not None and m.resource_id not in event.resources:
        out.append(f"资源方「{_resource(m)}」不再参加本场活动。")
    return out


def _blocked(
    event: Event,
    m: Meeting,
    pins: set[Pair],
    institutions: Mapping[str, str],
    serves_own: Collection[str],
) -> list[str]:
    out = []
    if m.pair in set(event.blocks):
        out.append(f"{_who(m)} 已被屏蔽（不得会面）。")
    for a, b, wish in event.wishes:
        if wish == "no" and {a, b} == set(m.pair):
            name = _project(m) if a == m.project_id else _resource(m)
            out.append(f"「{name}」表示不考虑这次会面（{_who(m)}）。")
    institution = institutions.get(m.project_id, "")
    if (
        event.conflict_of_interest
        and m.pair not in pins
        and in_conflict(institution, m.resource_name or m.resource_id, m.resource_id in serves_own)
    ):
        out.append(f"利益冲突：项目申报单位「{institution}」与资源方「{_resource(m)}」属同一机构。")
    return out


def _counts(
    plan: Plan,
    event: Event,
    meetings: list[Meeting],
    m: Meeting,
    pins: set[Pair],
    capacities: Mapping[str, int],
) -> list[str]:
    out = []
    planned = {r.resource_id: r.capacity for r in plan.resources}
    rid = m.resource_id
    capacity = event.capacity.get(rid, capacities.get(rid, planned.get(rid)))
    if capacity is not None:
        capacity = min(capacity, len(event.available_slots(rid)))
        mine = [o for o in meetings if o.resource_id == rid]
        allowed = max(capacity, sum(1 for o in mine if o.pair in pins))
        if len(mine) > allowed:
            out.append(f"资源方「{_resource(m)}」接洽名额 {allowed} 场，已排 {len(mine)} 场。")
    theirs = [o for o in meetings if o.project_id == m.project_id]
    most = max(event.max_meetings, sum(1 for o in theirs if o.pair in pins))
    if len(theirs) > most:
        out.append(f"项目「{_project(m)}」每场活动最多 {most} 场会面，已排 {len(theirs)} 场。")
    return out


def _project(m: Meeting) -> str:
    return m.project_title or m.project_id


def _resource(m: Meeting) -> str:
    return m.resource_name or m.resource_id


def _who(m: Meeting) -> str:
    return f"「{_project(m)}」与「{_resource(m)}」"
