import json
from dataclasses import replace

import pytest

from matcher.errors import InputError
from matcher.plan import Event, Meeting, diff_plans, plan_event, read_plan, write_plan

from .conftest import make_scores, projects, resources


@pytest.fixture
def plan():
    scores = make_scores(
        projects(3), resources(2, capacity=2), [[0.9, 0.1], [0.5, 0.6], [0.2, 0.8]]
    )
    return plan_event(scores, Event(min_meetings=1, max_meetings=1), seed=5)


def test_json_round_trip_keeps_everything(plan, tmp_path):
    path = write_plan(plan.published(), tmp_path / "plan.json")
    back = read_plan(path)
    assert back == plan.published()
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("inputs_hash", "settings", "seed", "status", "plan_id", "stats", "meetings"):
        assert key in data
    assert data["status"] == "published" and data["settings"]["solver"] == "flow"


def test_read_plan_rejects_other_files(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"format_version": 99}', encoding="utf-8")
    with pytest.raises(InputError):
        read_plan(path)


def _m(p, r, slot="14:00-14:15", table="1号桌"):
    return Meeting(p, r, slot, table, 0.5)


def test_diff_added_moved_cancelled(plan):
    old = replace(plan, meetings=(_m("P1", "R1"), _m("P2", "R1", "14:15-14:30"), _m("P3", "R2")))
    new = replace(plan, meetings=(_m("P1", "R1"), _m("P2", "R1", "14:30-14:45"), _m("P3", "R1")))
    diff = diff_plans(old, new)
    assert [m.pair for m in diff.added] == [("P3", "R1")]
    assert [(a.slot, b.slot) for a, b in diff.moved] == [("14:15-14:30", "14:30-14:45")]
    assert [m.pair for m in diff.cancelled] == [("P3", "R2")]
    assert diff.unchanged == 1
    assert diff.summary() == "新增 1 场，调整 1 场，取消 1 场，不变 1 场"
    assert diff_plans(old, old).to_dict()["unchanged"] == 3
