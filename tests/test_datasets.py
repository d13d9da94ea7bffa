"""The shipped labelled data: a fixed locked split, judgments that agree with their sources."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from matcher import datasets
from matcher.schema import NEED, TRACK

DATA = Path(__file__).resolve().parents[1] / "data"
JUDGED, FRESH = DATA / "judged", DATA / "fresh"


def _grades(path: Path) -> dict[tuple[str, str], int]:
    with open(path, encoding="utf-8") as f:
        return {(r["project_id"], r["resource_id"]): int(r["grade"]) for r in csv.DictReader(f)}


def test_the_judged_set_is_big_enough_and_split_by_project_per_track():
    train, test = datasets.load("judged-train"), datasets.load("judged-test")
    assert len(train.projects) + len(test.projects) >= 120 and len(train.resources) >= 60
    assert not {p.project_id for p in train.projects} & {p.project_id for p in test.projects}
    for track in TRACK.keys:
        n_test = sum(p.track == track for p in test.projects)
        n_all = n_test + sum(p.track == track for p in train.projects)
        assert abs(n_test - n_all / 3) <= 1  # a third of each track is locked away


@pytest.mark.parametrize("folder", [JUDGED, FRESH], ids=["judged", "fresh"])
def test_final_grades_are_the_judges_agreement_or_the_adjudication(folder):
    a, b = _grades(folder / "judges/judge_a.csv"), _grades(folder / "judges/judge_b.csv")
    adjudicated = _grades(folder / "judges/adjudicated.csv")
    final = _grades(folder / "qrels.csv")
    assert set(adjudicated) == {
        pair for pair in set(a) | set(b) if a.get(pair, 0) != b.get(pair, 0)
    }
    for pair in set(a) | set(b) | set(final):
        x, y, grade = a.get(pair, 0), b.get(pair, 0), final.get(pair, 0)
        assert grade == (x if x == y else adjudicated[pair]), pair
        assert grade in (x, y)
    counts = Counter(final.values())
    assert all(counts[g] > 30 for g in (1, 2, 3))


def test_grades_span_the_scale():
    counts = Counter(_grades(JUDGED / "qrels.csv").values())
    assert all(counts[g] > 50 for g in (1, 2, 3))


def _needs(path: Path) -> dict[str, set[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {item["id"]: set(item["needs"]) for item in map(json.loads, lines)}


def test_need_labels_are_the_annotators_agreement_or_the_adjudication():
    a, b = _needs(JUDGED / "judges/needs_a.jsonl"), _needs(JUDGED / "judges/needs_b.jsonl")
    final = _needs(JUDGED / "need_labels.jsonl")
    lines = (JUDGED / "judges/needs_adjudicated.jsonl").read_text(encoding="utf-8").splitlines()
    kept = {(d["id"], d["key"]): d["keep"] for d in map(json.loads, lines)}
    assert set(a) == set(b) == set(final) and len(final) >= 200
    for record, keys in final.items():
        assert keys <= set(NEED.keys)
        disputed = a[record] ^ b[record]
        assert keys == (a[record] & b[record]) | {k for k in disputed if kept[(record, k)]}


@pytest.mark.parametrize("name", ["fresh", "third"])
def test_each_other_set_is_another_catalogue_fully_judged(name):
    train, test = datasets.load(f"{name}-train"), datasets.load(f"{name}-test")
    assert len(train.projects) + len(test.projects) >= 96 and len(test.resources) >= 48
    assert abs(len(test.projects) - len(train.projects)) <= 2  # half of the projects locked
    for part in (train, test):
        assert {p.project_id for p in part.projects} == set(part.qrels)  # every project judged
    assert not {p.project_id for p in train.projects} & {p.project_id for p in test.projects}
    for other in datasets.CATALOGUES:  # no provider of another catalogue
        if other != name:
            names = {r.name for r in datasets.load(f"{other}-train").resources}
            assert not names & {r.name for r in test.resources}
