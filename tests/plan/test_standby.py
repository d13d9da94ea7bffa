from matcher.plan import Event, plan_event, standby_lists
from matcher.schema import Project

from .conftest import make_scores, resources


def test_standby_lists_rank_free_unblocked_projects_by_score():
    ps = [
        Project("P1", "a"),
        Project("P2", "b"),
        Project("P3", "c", institution="资源方1"),
        Project("P4", "d"),
    ]
    rs = resources(1, capacity=1)
    scores = make_scores(ps, rs, [[0.9], [0.5], [0.95], [0.7]])
    event = Event(slots=["s1", "s2"], max_meetings=1, availability={"P4": ["s2"]})
    plan = plan_event(scores, event)
    assert [m.pair for m in plan.meetings] == [("P1", "R1")]
    standby = standby_lists(plan, scores, event)
    # P3 is the provider's own institution, P4 is not there in s1
    assert [(s.slot, s.rank, s.project_id) for s in standby["R1"]] == [("s1", 1, "P2")]
