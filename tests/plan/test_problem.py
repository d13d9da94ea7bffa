import numpy as np
import pytest

from matcher.errors import InputError
from matcher.plan import Event, PlanSettings
from matcher.plan.problem import build_problem
from matcher.schema import Project, Resource
from matcher.text.fold import same_organisation

from .conftest import make_scores, projects, resources


@pytest.mark.parametrize(
    "institution, name, same",
    [
        ("天津中医药大学", "天津中医药大学", True),
        ("天津中医药大学", "天津中医药大学第一附属医院", True),
        (" 北京协和医院 ", "北京协和医院（东院）", True),
        ("清华大学", "北京大学", False),
        ("", "北京大学", False),
    ],
)
def test_same_organisation(institution, name, same):
    assert same_organisation(institution, name) is same


def _weights(event: Event, matrix) -> np.ndarray:
    scores = make_scores(projects(2), resources(2), matrix)
    return build_problem(scores, event, PlanSettings()).weight


def test_mutual_want_is_boosted_more_than_one_sided():
    event = Event(wishes=[("P1", "R1", "want"), ("R1", "P1", "want"), ("P2", "R2", "想见")])
    w = _weights(event, [[0.5, 0.5], [0.5, 0.5]])
    assert w[0, 0] == pytest.approx(0.5 + 0.3)
    assert w[1, 1] == pytest.approx(0.5 + 0.1)
    assert w[0, 1] == w[1, 0] == pytest.approx(0.5)


def test_no_thanks_from_either_side_and_conflict_of_interest_block():
    ps = [Project("P1", "a", institution="天津大学"), Project("P2", "b")]
    rs = [Resource("R1", "天津大学科技园", "park"), Resource("R2", "银行", "bank")]
    scores = make_scores(ps, rs, [[0.9, 0.9], [0.9, 0.9]])
    pb = build_problem(scores, Event(wishes=[("R2", "P2", "不考虑")]), PlanSettings())
    assert pb.blocked.tolist() == [[True, False], [False, True]]
    pairs = set(zip(pb.arc_p.tolist(), pb.arc_r.tolist(), strict=True))
    assert pairs == {(0, 1), (1, 0)}


def test_a_provider_serving_only_its_own_people_is_not_blocked_from_them():
    ps = [Project("P1", "a", institution="潞河医科大学附属通惠医院"), Project("P2", "b")]
    fund = Resource(
        "R1",
        "潞河医科大学附属通惠医院校友基金",
        "investor",
        description="硬门槛：创始团队里至少有一位本院在职人员。",
    )
    park = Resource("R2", "潞河医科大学附属通惠医院孵化器", "park", description="欢迎入驻。")
    scores = make_scores(ps, [fund, park], [[0.9, 0.9], [0.9, 0.9]])
    pb = build_problem(scores, Event(), PlanSettings())
    assert pb.blocked.tolist() == [[False, True], [False, False]]


def test_pinned_and_blocked_is_an_input_error():
    scores = make_scores(projects(1), resources(1), [[0.5]])
    with pytest.raises(InputError, match="pinned and blocked"):
        build_problem(scores, Event(pins=[("P1", "R1")], blocks=[("P1", "R1")]), PlanSettings())


def test_unknown_ids_are_input_errors():
    scores = make_scores(projects(1), resources(1), [[0.5]])
    with pytest.raises(InputError) as caught:
        build_problem(scores, Event(projects=["P9"], pins=[("P1", "R7")]), PlanSettings())
    assert {"P9", "R7"} <= {i.message.split()[-1] for i in caught.value.issues}


def test_candidates_are_each_projects_top_k():
    rng = np.random.default_rng(0)
    scores = make_scores(projects(5), resources(20), rng.uniform(size=(5, 20)))
    pb = build_problem(scores, Event(), PlanSettings(top_k=3))
    assert np.bincount(pb.arc_p).tolist() == [3] * 5
    for p in range(5):
        mine = pb.arc_r[pb.arc_p == p]
        assert set(mine) == set(np.argsort(-scores.scores[p])[:3])


def test_capacity_is_limited_by_available_slots():
    scores = make_scores(projects(1), resources(1, capacity=8), [[0.5]])
    event = Event(slots=["a", "b", "c"], availability={"R1": ["a", "c"]}, capacity={"R1": 5})
    pb = build_problem(scores, event, PlanSettings())
    assert pb.capacity.tolist() == [2]
