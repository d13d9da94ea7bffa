"""Matching: answers are described from the snapshot that ranked them."""

from __future__ import annotations

from matcher.catalogue import Snapshot
from matcher.rank import Match
from matcher.schema import Resource
from service.matching import Matching

R1 = Resource("R1", "甲银行", "bank")
R2 = Resource("R2", "乙基金", "investor")


class ChangingCatalogue:
    """Ranks on the snapshot it is given; a write swaps in a new one meanwhile."""

    def __init__(self, snapshots: list[Snapshot]) -> None:
        self.snapshots, self.index = snapshots, 0
        self.loaded = True

    def current(self) -> Snapshot:
        return self.snapshots[self.index]

    def query(self, texts, ks, types, snapshot: Snapshot) -> list[list[Match]]:
        self.index += 1  # a provider is saved or deleted while the batch is ranked
        return [
            [
                Match("query-0", r.resource_id, i + 1, 1.0, "")
                for i, r in enumerate(snapshot.resources)
            ]
        ]


def _matching(catalogue: ChangingCatalogue) -> Matching:
    matching = Matching(sessions=None)  # type: ignore[arg-type]
    matching._catalogue = catalogue  # type: ignore[assignment]
    return matching


def test_a_provider_deleted_while_a_query_runs_raises_no_key_error():
    old, new = Snapshot([], [R1, R2], None, 1), Snapshot([], [R1], None, 2)
    answers = _matching(ChangingCatalogue([old, new])).query(["需要融资"], [5], [()])
    assert [m["id"] for m in answers[0]] == ["R1", "R2"]  # ranked and named on one snapshot


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
