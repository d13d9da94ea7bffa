"""Event planning: who meets whom (assignment), when and where (schedule), and the exports.

plan = plan_event(match_scores, load_event("event.yaml"), seed=0)
write_plan(plan, "plan.xlsx")
"""

from matcher.plan.capacity import CapacityCheck, check_capacity
from matcher.plan.edit import check_meetings, move_meeting, swap_meetings
from matcher.plan.event import Event, load_event, make_slots, read_wishes, slots_from
from matcher.plan.export import neutralise, write_plan
from matcher.plan.inputs import MatchScores
from matcher.plan.plan import (
    Meeting,
    Plan,
    PlanDiff,
    PlanStats,
    ProjectSummary,
    ResourceSummary,
    diff_plans,
    read_plan,
)
from matcher.plan.planner import plan_event
from matcher.plan.settings import PlanSettings
from matcher.plan.solvers import SOLVERS
from matcher.plan.standby import Standby, standby_lists

__all__ = [
    "SOLVERS",
    "CapacityCheck",
    "Event",
    "MatchScores",
    "Meeting",
    "Plan",
    "PlanDiff",
    "PlanSettings",
    "PlanStats",
    "ProjectSummary",
    "ResourceSummary",
    "Standby",
    "check_capacity",
    "check_meetings",
    "diff_plans",
    "load_event",
    "make_slots",
    "move_meeting",
    "neutralise",
    "plan_event",
    "read_plan",
    "read_wishes",
    "slots_from",
    "standby_lists",
    "swap_meetings",
    "write_plan",
]
