"""Matching: answers are described from the snapshot that ranked them."""

from __future__ import annotations

from matcher.catalogue import Snapshot
from matcher.rank import Match
from matcher.schema import Resource
from service.matching import Matching

R1 = Resource("R1", "甲银行", "bank")
R2 = Resource("R2", "乙基金", "investor")


class ChangingCatalogue:
    """Ranks on the current snapshot, then a write swaps in a new one (`changes` times)."""

    def __init__(self, snapshots: list[Snapshot], changes: int) -> None:
        self.snapshots, self.changes, self.index = snapshots, changes, 0
        self.loaded = True

    def current(self) -> Snapshot:
        return self.snapshots[self.index]

    def query(self, texts, ks, types) -> list[list[Match]]:
        ranked_on = self.current()
        if self.changes:  # a provider is saved or deleted while the batch is ranked
            self.changes -= 1
            self.index += 1
        return [
            [
                Match("query-0", r.resource_id, i + 1, 1.0, "")
                for i, r in enumerate(ranked_on.resources)
            ]
        ]


def _matching(catalogue: ChangingCatalogue) -> Matching:
    matching = Matching(sessions=None)  # type: ignore[arg-type]
    matching._catalogue = catalogue  # type: ignore[assignment]
    return matching


def test_a_provider_added_while_a_query_runs_is_named_from_the_ranking_snapshot():
    old, new = Snapshot([], [R1], None, 1), Snapshot([], [R1, R2], None, 2)
    answers = _matching(ChangingCatalogue([old, new, new], changes=1)).query(
        ["需要融资"], [5], [()]
    )
    assert [m["id"] for m in answers[0]] == ["R1", "R2"]  # re-ranked on the new snapshot


def test_a_catalogue_that_keeps_changing_leaves_out_deleted_providers():
    snapshots = [Snapshot([], [R1, R2], None, v) for v in range(1, 4)] + [
        Snapshot([], [R1], None, 4)
    ]
    answers = _matching(ChangingCatalogue(snapshots, changes=3)).query(["需要融资"], [5], [()])
    assert [m["id"] for m in answers[0]] == ["R1"]  # R2 was deleted meanwhile: no KeyError


def test_an_answer_holds_the_pages_data_and_the_apis_json_of_one_list():
    import json

    from service.matching import Answer

    data = [
        {
            "rank": 1,
            "id": "R1",
            "name": "甲银行",
            "type": "bank",
            "type_label": "银行",
            "score": 0.9,
            "reasons": "需求匹配：融资",
        }
    ]
    answer = Answer.of("P1", data)
    assert answer.data is data  # the page renders the list itself, never a decoded copy
    assert json.loads(answer.json) == {"for_id": "P1", "data": data, "count": 1}
