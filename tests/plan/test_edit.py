"""Hand edits: a legal move and swap, and each constraint that refuses one (nothing changes)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from matcher.errors import EditRefused
from matcher.plan import (
    Event,
    Meeting,
    Plan,
    PlanStats,
    ResourceSummary,
    diff_plans,
    move_meeting,
    swap_meetings,
)

SLOTS = ["14:00-14:15", "14:15-14:30", "14:30-14:45"]
TABLES = ["1号桌", "2号桌"]


def meeting(p: str, r: str, slot: int, table: int, **kw) -> Meeting:
    return Meeting(
        p, r, SLOTS[slot], TABLES[table], 0.5, project_title=f"项目{p[1:]}",
        resource_name=f"资源方{r[1:]}", **kw,
    )  # fmt: skip


@pytest.fixture
def plan() -> Plan:
    """P1–R1 at 14:00 table 1, P2–R2 at 14:00 table 2, P3–R1 at 14:15 table 1."""
    meetings = (meeting("P1", "R1", 0, 0), meeting("P2", "R2", 0, 1), meeting("P3", "R1", 1, 0))
    stats = PlanStats(1.5, 1.5, 2.0, "topk", 0.25, 1.0, 1.0, 3, 3, 0, 0, 6, 0.1)
    resources = tuple(
        ResourceSummary(f"R{j}", f"资源方{j}", "investor", 3, 2 if j == 1 else 1, 3, 0, ("1号桌",))
        for j in (1, 2)
    )
    return Plan("复赛", tuple(SLOTS), tuple(TABLES), meetings, (), resources, (), stats, "h", {}, 0)


def event(**kw) -> Event:
    return Event(**{"slots": SLOTS, "tables": TABLES, **kw})


def refused(call) -> list[str]:
    with pytest.raises(EditRefused) as caught:
        call()
    return caught.value.reasons


def test_a_legal_move_changes_that_meeting_only_and_says_so(plan):
    moved = move_meeting(plan, event(), ("P1", "R1"), SLOTS[2], "2号桌")
    m = moved.meetings[0]
    assert (m.slot, m.table, m.edited) == (SLOTS[2], "2号桌", True)
    assert moved.meetings[1:] == plan.meetings[1:]
    assert moved.edits == (
        "移动：「项目1」与「资源方1」 从 14:00-14:15 · 1号桌 移到 14:30-14:45 · 2号桌",
    )
    assert diff_plans(plan, moved).summary() == "新增 0 场，调整 1 场，取消 0 场，不变 2 场"
    # R1 now meets at 14:15 and 14:30 on tables 1 and 2: no gap, both tables listed
    r1 = moved.resources[0]
    assert (r1.idle_gaps, r1.tables) == (0, ("1号桌", "2号桌"))
    assert moved.plan_id != plan.plan_id
    assert Plan.from_dict(moved.to_dict()) == moved


def test_a_move_that_opens_a_gap_counts_it(plan):
    moved = move_meeting(plan, event(), ("P3", "R1"), SLOTS[2], "1号桌")
    assert moved.resources[0].idle_gaps == 1 and moved.stats.idle_gaps == 1


def test_an_unedited_plan_keeps_its_id_and_json(plan):
    data = plan.to_dict()
    assert "edited" not in str(plan.plan_id) and data["edits"] == ()
    assert Plan.from_dict({**data, "meetings": [
        {k: v for k, v in m.items() if k != "edited"} for m in data["meetings"]
    ]}).plan_id == plan.plan_id  # fmt: skip


def test_swap_exchanges_places(plan):
    swapped = swap_meetings(plan, event(), ("P1", "R1"), ("P2", "R2"))
    places = {m.pair: (m.slot, m.table, m.edited) for m in swapped.meetings}
    assert places[("P1", "R1")] == (SLOTS[0], "2号桌", True)
    assert places[("P2", "R2")] == (SLOTS[0], "1号桌", True)
    assert swapped.edits[-1].startswith("对调：「项目1」与「资源方1」（14:00-14:15 · 1号桌）")


def test_swap_of_one_providers_two_meetings_is_legal(plan):
    swapped = swap_meetings(plan, event(), ("P1", "R1"), ("P3", "R1"))
    assert {m.pair: m.slot for m in swapped.meetings}[("P1", "R1")] == SLOTS[1]


@pytest.mark.parametrize(
    ("pair", "slot", "table", "the_event", "words"),
    [
        (("P1", "R1"), SLOTS[1], "1号桌", event(), "1号桌 在 14:15-14:30 已有会面"),
        (("P1", "R1"), SLOTS[1], "2号桌", event(), "资源方「资源方1」在 14:15-14:30 已有会面"),
        (("P2", "R2"), SLOTS[1], "2号桌", event(blocks=[("P2", "R2")]), "已被屏蔽"),
        (("P2", "R2"), SLOTS[1], "2号桌", event(wishes=[("R2", "P2", "no")]), "表示不考虑"),
        (("P2", "R2"), SLOTS[2], "2号桌", event(availability={"R2": ["14:00-14:30"]}), "可参会时间之外"),
        (("P2", "R2"), SLOTS[2], "2号桌", event(availability={"P2": [0]}), "项目「项目2」在 14:30-14:45 不能参会"),
        (("P2", "R2"), SLOTS[1], "3号桌", event(), "本场没有“3号桌”"),
        (("P2", "R2"), "16:00-16:15", "2号桌", event(), "不在活动时段内（14:00–14:45）"),
        (("P1", "R1"), SLOTS[2], "1号桌", event(capacity={"R1": 1}), "接洽名额 1 场，已排 2 场"),
        (("P2", "R2"), SLOTS[1], "2号桌", event(projects=["P1", "P3"]), "不再参加本场活动"),
        (("P2", "R2"), SLOTS[1], "2号桌", event(max_meetings=1, min_meetings=0), None),
        (("P9", "R9"), SLOTS[1], "2号桌", event(), "排期中没有 P9 与 R9 的会面"),
        (("P1", "R1"), SLOTS[0], "1号桌", event(), "未作改动"),
    ],
)  # fmt: skip
def test_each_constraint_refuses_a_move_and_changes_nothing(
    plan, pair, slot, table, the_event, words
):
    before = plan.to_dict()
    if words is None:  # one meeting each: the maximum of 1 is kept, so the move is legal
        assert move_meeting(plan, the_event, pair, slot, table).meetings != plan.meetings
        return
    reasons = refused(lambda: move_meeting(plan, the_event, pair, slot, table))
    assert any(words in r for r in reasons), reasons
    assert plan.to_dict() == before


def test_a_project_is_not_in_two_meetings_at_once(plan):
    busy = replace(plan, meetings=(*plan.meetings, meeting("P2", "R1", 2, 0)))
    reasons = refused(lambda: move_meeting(busy, event(), ("P2", "R2"), SLOTS[2], "2号桌"))
    assert any("项目「项目2」在 14:30-14:45 已有会面" in r for r in reasons)


def test_table_count_per_slot_after_the_event_lost_a_table(plan):
    reasons = refused(lambda: move_meeting(plan, event(tables=1), ("P2", "R2"), SLOTS[1], "1号桌"))
    assert any("已排满 1 张桌" in r for r in reasons)


def test_conflict_of_interest_refuses_unless_pinned(plan):
    same = {"P2": "资源方2"}  # the project's institution is the provider itself
    reasons = refused(
        lambda: move_meeting(plan, event(), ("P2", "R2"), SLOTS[2], "2号桌", institutions=same)
    )
    assert any(r.startswith("利益冲突") for r in reasons)
    pinned = event(pins=[("P2", "R2")])
    assert move_meeting(plan, pinned, ("P2", "R2"), SLOTS[2], "2号桌", institutions=same).edits
    # nor for a provider that serves only its own institution's people
    own = move_meeting(
        plan, event(), ("P2", "R2"), SLOTS[2], "2号桌", institutions=same, serves_own={"R2"}
    )
    assert own.edits


def test_capacity_on_file_counts_when_the_event_sets_none(plan):
    reasons = refused(
        lambda: move_meeting(plan, event(), ("P1", "R1"), SLOTS[2], "1号桌", capacities={"R1": 1})
    )
    assert any("接洽名额 1 场" in r for r in reasons)


def test_a_refused_swap_lists_every_reason(plan):
    narrow = event(availability={"P1": [0], "R2": [0]})
    reasons = refused(lambda: swap_meetings(plan, narrow, ("P1", "R1"), ("P3", "R1")))
    assert reasons == ["项目「项目1」在 14:15-14:30 不能参会（可参会时间之外）。"]
    assert refused(lambda: swap_meetings(plan, event(), ("P1", "R1"), ("P1", "R1"))) == [
        "请选择两场不同的会面对调。"
    ]


def test_edits_accumulate_in_order(plan):
    once = move_meeting(plan, event(), ("P1", "R1"), SLOTS[2], "2号桌")
    twice = swap_meetings(once, event(), ("P2", "R2"), ("P3", "R1"))
    assert [line[:2] for line in twice.edits] == ["移动", "对调"]


def test_the_workbook_overview_lists_hand_edits(plan, tmp_path):
    from openpyxl import load_workbook

    from matcher.plan import write_plan

    moved = move_meeting(plan, event(), ("P1", "R1"), SLOTS[2], "2号桌")
    sheet = load_workbook(write_plan(moved, tmp_path / "plan.xlsx"))["总览"]
    cells = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "人工调整记录" in cells and moved.edits[0] in cells
