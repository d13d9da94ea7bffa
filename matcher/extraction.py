"""How well the prose readers find needs and offers, against texts labelled by hand.

`data/judged/need_labels.jsonl` holds the current needs of 168 projects and the offers of 84
providers, labelled by two annotators who saw only the texts and the vocabulary (disagreements
adjudicated). The cues were revised looking only at the *tune* part; the *held-out* part (the
locked test projects, the odd-numbered judged providers, half of the sample records) was not
looked at.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import concepts, prose
from .datasets import DATA, judged_split
from .ingest import read_projects, read_resources


@dataclass(frozen=True)
class Labelled:
    record_id: str
    side: str  # project | provider
    part: str  # tune | held-out
    text: str
    keys: frozenset[str]


@dataclass(frozen=True)
class Score:
    found: int
    wrong: int
    missed: int

    @property
    def precision(self) -> float:
        return self.found / max(self.found + self.wrong, 1)

    @property
    def recall(self) -> float:
        return self.found / max(self.found + self.missed, 1)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def project_needs(text: str) -> set[str]:
    return prose.current_needs(text)


def provider_offers(text: str) -> set[str]:
    return concepts.keys(prose.offer_text(text), concepts.NEED_CUES)


def need_labels(data: Path = DATA) -> list[Labelled]:
    texts = {
        p.project_id: p.text
        for p in read_projects(data / "judged/projects.csv")
        + read_projects(data / "sample/projects.csv")
    }
    texts |= {
        r.resource_id: r.text
        for r in read_resources(data / "judged/resources.csv")
        + read_resources(data / "sample/resources.csv")
    }
    split = judged_split(data)
    lines = (data / "judged/need_labels.jsonl").read_text(encoding="utf-8").splitlines()
    out = []
    for item in map(json.loads, lines):
        record_id, side = item["id"], item["side"]
        out.append(
            Labelled(
                record_id, side, _part(record_id, split), texts[record_id], frozenset(item["needs"])
            )
        )
    return out


def _part(record_id: str, split: dict[str, str]) -> str:
    if record_id in split:  # judged projects: the locked test is held out
        return "tune" if split[record_id] == "train" else "held-out"
    if record_id[0] == "S" and record_id[1:].isdigit():  # judged providers S01…S64
        return "tune" if int(record_id[1:]) % 2 == 0 else "held-out"
    return "tune" if sum(map(ord, record_id)) % 2 == 0 else "held-out"  # sample records


def score(
    labelled: Iterable[Labelled],
    reader: Callable[[Labelled], set[str]] = lambda item: (
        project_needs(item.text) if item.side == "project" else provider_offers(item.text)
    ),
) -> Score:
    found = wrong = missed = 0
    for item in labelled:
        got = reader(item)
        found += len(got & item.keys)
        wrong += len(got - item.keys)
        missed += len(item.keys - got)
    return Score(found, wrong, missed)
