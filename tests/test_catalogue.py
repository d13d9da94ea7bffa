"""The catalogue: incremental updates equal a fresh ranking, in any order, and feed the planner."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from matcher.catalogue import Catalogue
from matcher.features import PairFeaturizer
from matcher.fusion import Fusion
from matcher.ingest import read_projects, read_resources
from matcher.plan import Event, plan_event
from matcher.rank import UNSCORED, Ranker
from matcher.rank_rows import rank_rows


class CountingEncoder:
    """Wraps the test encoder and remembers every text it was asked to encode."""

    def __init__(self, inner) -> None:
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self.texts: list[str] = []

    def encode_queries(self, texts):
        self.texts.extend(texts)
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts):
        self.texts.extend(texts)
        return self.inner.encode_passages(texts)


@pytest.fixture
def encoder(hash_encoder):
    return CountingEncoder(hash_encoder)


@pytest.fixture
def fusion(fixture_projects, fixture_resources, hash_encoder):
    names = PairFeaturizer(fixture_projects[:1], fixture_resources, {"hash": hash_encoder}).names
    return Fusion(names, "zsum")


@pytest.fixture
def catalogue(encoder, fusion, fixture_projects, fixture_resources):
    catalogue = Catalogue({"hash": encoder}, fusion)
    catalogue.load(fixture_projects, fixture_resources)
    return catalogue


def fresh_scores(projects, resources, encoder, fusion) -> np.ndarray:
    return Ranker(PairFeaturizer(projects, resources, {"hash": encoder.inner}), fusion).scores


NEW = {
    "title": "冠脉药物球囊",
    "description": "冠脉介入球囊，正在准备临床试验，需要临床资源。",
    "track": "device",
    "stage": "clinical",
    "needs": ("clinical",),
}


def test_a_loaded_catalogue_scores_like_a_fresh_ranker(
    catalogue, encoder, fusion, fixture_projects, fixture_resources
):
    snapshot = catalogue.current()
    expected = fresh_scores(fixture_projects, fixture_resources, encoder, fusion)
    np.testing.assert_allclose(snapshot.ranker.scores, expected, rtol=1e-5, atol=1e-5)
    assert snapshot.resources_for("P1", 1)[0].resource_id == "R1"


def test_adding_a_project_encodes_only_it_and_equals_a_full_rebuild(
    catalogue, encoder, fusion, fixture_resources
):
    before = catalogue.current()
    encoder.texts.clear()
    project = replace(before.projects[0], project_id="P9", **NEW)
    after = catalogue.update_projects([project])
    assert encoder.texts == [project.text]  # only its own text
    assert after.version == before.version + 1 and len(after.projects) == 4
    np.testing.assert_array_equal(after.ranker.scores[:3], before.ranker.scores)  # rows kept
    fresh = fresh_scores(after.projects, fixture_resources, encoder, fusion)
    # lexical models see providers only, so the incremental row is exact, not approximate
    np.testing.assert_allclose(after.ranker.scores, fresh, rtol=1e-5, atol=1e-5)
    top = after.resources_for("P9", 1)[0]
    assert top.resource_id == "R1" and "需求匹配：临床" in top.reasons


def test_editing_and_removing_projects(catalogue):
    edited = replace(
        catalogue.current().projects[0], description="中药配方颗粒，需要中药提取生产", track="tcm"
    )
    snapshot = catalogue.update_projects([edited], removed=["P2"])
    assert [p.project_id for p in snapshot.projects] == ["P3", "P1"]
    assert snapshot.resources_for("P1", 1)[0].resource_id == "R3"
    with pytest.raises(KeyError):
        snapshot.resources_for("P2")


def test_provider_changes_rescore_every_row_exactly(catalogue, encoder, fusion, fixture_resources):
    provider = replace(fixture_resources[0], resource_id="R9", name="示例冠脉专科医院")
    snapshot = catalogue.update_resources([provider], removed=["R6"])
    assert [r.resource_id for r in snapshot.resources] == ["R1", "R2", "R3", "R4", "R5", "R9"]
    expected = fresh_scores(snapshot.projects, snapshot.resources, encoder, fusion)
    np.testing.assert_allclose(snapshot.ranker.scores, expected, rtol=1e-5, atol=1e-5)
    assert {m.project_id for m in snapshot.projects_for("R9", 3)} == {"P1", "P2", "P3"}


@pytest.mark.parametrize(
    "steps",
    [
        ["resources", "projects"],  # providers imported before projects
        ["projects", "resources"],
        ["one project", "resources", "delete it", "projects"],
    ],
)
def test_any_order_of_changes_ends_in_the_same_lists(
    steps, encoder, fusion, fixture_projects, fixture_resources
):
    catalogue = Catalogue({"hash": encoder}, fusion)
    catalogue.load([], [])
    for step in steps:
        if step == "resources":
            catalogue.update_resources(fixture_resources)
        elif step == "projects":
            catalogue.update_projects(fixture_projects)
        elif step == "one project":
            catalogue.update_projects([replace(fixture_projects[0], project_id="T1")])
        else:
            catalogue.update_projects(removed=["T1"])
    snapshot = catalogue.current()
    expected = Catalogue({"hash": encoder}, fusion)
    reference = expected.load(fixture_projects, fixture_resources)
    for p in fixture_projects:
        assert snapshot.resources_for(p.project_id, 6) == reference.resources_for(p.project_id, 6)


@pytest.mark.parametrize("shard", [1, 2, 3])
def test_projects_scored_in_shards_get_the_rows_of_a_whole_load(
    catalogue, encoder, fusion, fixture_projects, fixture_resources, shard
):
    providers_only = Catalogue({"hash": encoder}, fusion)
    providers_only.load([], fixture_resources)
    whole = catalogue.current()
    for start in range(0, len(fixture_projects), shard):
        part = fixture_projects[start : start + shard]
        snapshot = providers_only.score_projects(part)
        assert rank_rows(snapshot, part, 5) == rank_rows(whole, part, 5)
    assert providers_only.current().projects == []  # left as it was


def test_check_names_what_differs_from_the_database(catalogue):
    assert catalogue.check(["P1", "P2", "P3"], ["R1", "R2", "R3", "R4", "R5", "R6"]) == []
    problems = catalogue.check(["P1", "P2", "P3", "P4"], ["R1", "R2", "R3", "R4", "R5", "R6"])
    assert problems and "projects" in problems[0]


def test_free_text_queries_in_one_batch(catalogue):
    answers = catalogue.query(
        ["可降解冠脉支架，需要临床试验", "经典名方中药配方颗粒，需要提取生产"],
        top_k=[2, 1],
        types=[(), ("cdmo",)],
    )
    assert [len(a) for a in answers] == [2, 1]
    assert answers[0][0].resource_id == "R1" and answers[1][0].resource_id == "R3"


def test_a_query_answers_from_the_snapshot_it_is_given(catalogue, fixture_resources):
    old = catalogue.current()
    catalogue.update_resources(removed=["R1"])
    answer = catalogue.query(["可降解冠脉支架，需要临床试验"], 1, snapshot=old)[0]
    assert answer[0].resource_id == "R1"  # still the old snapshot's best, no KeyError


def test_an_empty_catalogue_answers_empty(encoder, fusion, fixture_projects):
    catalogue = Catalogue({"hash": encoder}, fusion)
    snapshot = catalogue.load(fixture_projects, [])
    assert snapshot.resources_for("P1") == [] and catalogue.query(["任何"]) == [[]]
    snapshot = catalogue.update_projects([replace(fixture_projects[0], project_id="P9")])
    assert len(snapshot.projects) == 4


def test_readers_always_see_a_whole_snapshot(catalogue, fixture_projects):
    stop = threading.Event()
    seen: list[bool] = []

    def read() -> None:
        while not stop.is_set():
            s = catalogue.current()
            seen.append(
                s.ranker.scores.shape == (len(s.projects), len(s.resources))
                and len(s.ranker.explain.words.project_words) == len(s.projects)
            )

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(20):
        catalogue.update_projects(
            [replace(fixture_projects[0], project_id=f"X{i}")], removed=[f"X{i - 1}"]
        )
    stop.set()
    reader.join()
    assert seen and all(seen)


def test_match_scores_are_expected_grades_scaled_for_the_planner(catalogue):
    snapshot = catalogue.current()
    scores = snapshot.match_scores()
    assert (
        scores.scores.shape == (3, 6) and 0.0 <= scores.scores.min() <= scores.scores.max() <= 1.0
    )
    np.testing.assert_allclose(scores.scores, np.clip(snapshot.ranker.scores / 3.0, 0, 1))
    plan = plan_event(scores, Event(name="复赛", min_meetings=1, max_meetings=2))
    assert plan.meetings and all(m.reasons for m in plan.meetings)


def test_through_the_retrieval_stage_single_rows_and_shards_equal_a_whole_load(hash_encoder):
    sample = Path(__file__).parents[1] / "data" / "sample"
    projects = read_projects(sample / "projects.csv")[:30]
    resources = read_resources(sample / "resources.csv")  # 121: 10 per source leaves most out
    names = PairFeaturizer(projects[:1], resources, {"hash": hash_encoder}).names
    fusion = Fusion(names, "zsum")

    def staged() -> Catalogue:
        return Catalogue({"hash": hash_encoder}, fusion, candidates=10, ann_above=0)

    whole = staged().load(projects, resources)
    assert whole.ranker is not None and whole.ranker.retriever is not None
    assert (whole.ranker.scores == UNSCORED).any()
    incremental = staged()
    incremental.load(projects[:-1], resources)
    added = incremental.update_projects([projects[-1]])
    np.testing.assert_array_equal(added.ranker.scores, whole.ranker.scores)
    providers_only = staged()
    providers_only.load([], resources)
    for start in range(0, len(projects), 7):
        part = projects[start : start + 7]
        snapshot = providers_only.score_projects(part)
        assert rank_rows(snapshot, part, 10) == rank_rows(whole, part, 10)
