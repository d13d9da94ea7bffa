"""Labels from people, on the grade scale 0–3: what organisers, meetings and outcomes say.

Every label is a (project, provider, grade) with where it came from. The mapping to grades:

| source | meaning | grade |
|---|---|---|
| `organiser` | 不合适 / 一般 / 合适 / 非常合适 clicked or imported | 0 / 1 / 2 / 3 as given |
| `rating` | a side's meeting rating 1–5 stars | 1★ → 0, 2–3★ → 1, 4★ → 2, 5★ → 3 |
| `rating` with 是否后续跟进 = yes | the side wants to follow up | at least 2 |
| `outcome` met / follow_up / signed | what the organiser recorded after the meeting | 1 / 2 / 3 |

For one pair, an organiser's grade wins over what meetings imply (their latest one counts: a
re-grade replaces the earlier one); without one, the pair gets the mean of its meeting-derived
grades, rounded half up. A pair whose standing labels differ by two grades or more is reported
as a contradiction (it still gets the grade above).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

SOURCES = ("organiser", "rating", "outcome")
GRADE_NAMES = {0: "不合适", 1: "一般", 2: "合适", 3: "非常合适"}
OUTCOME_GRADES = {"met": 1, "follow_up": 2, "signed": 3}
CONTRADICTION = 2  # labels this many grades apart contradict each other


@dataclass(frozen=True)
class Label:
    project_id: str
    resource_id: str
    grade: int
    source: str  # one of SOURCES
    at: datetime | None = None


@dataclass(frozen=True)
class Contradiction:
    project_id: str
    resource_id: str
    labels: tuple[Label, ...]

    def describe(self) -> str:
        said = "；".join(f"{lab.source} {lab.grade}" for lab in self.labels)
        return f"{self.project_id} ↔ {self.resource_id}: {said}"


def grade_from_rating(stars: int, follow_up: bool = False) -> int:
    """A meeting rating (1–5 stars, and whether the side wants to follow up) as a grade."""
    if not 1 <= stars <= 5:
        raise ValueError(f"stars must be 1–5, not {stars}")
    grade = {1: 0, 2: 1, 3: 1, 4: 2, 5: 3}[stars]
    return max(grade, 2) if follow_up else grade


def grade_from_outcome(outcome: str) -> int:
    try:
        return OUTCOME_GRADES[outcome]
    except KeyError:
        raise ValueError(
            f"unknown outcome {outcome!r}; one of {', '.join(OUTCOME_GRADES)}"
        ) from None


def combine(labels: Iterable[Label]) -> tuple[dict[str, dict[str, int]], list[Contradiction]]:
    """{project_id: {resource_id: grade}} by the rules above, and the contradictory pairs."""
    by_pair: dict[tuple[str, str], list[Label]] = defaultdict(list)
    for label in labels:
        by_pair[label.project_id, label.resource_id].append(label)
    grades: dict[str, dict[str, int]] = {}
    contradictions = []
    for (pid, rid), found in by_pair.items():
        organiser = [lab for lab in found if lab.source == "organiser"]
        derived = [lab for lab in found if lab.source != "organiser"]
        if organiser:
            latest = max(enumerate(organiser), key=lambda x: (_when(x[1]), x[0]))[1]
            grade = latest.grade
            standing = [latest, *derived]  # a re-grade replaces the organiser's earlier grade
        else:
            grade = round(sum(lab.grade for lab in found) / len(found) + 1e-9)
            standing = derived
        grades.setdefault(pid, {})[rid] = grade
        values = [lab.grade for lab in standing]
        if max(values) - min(values) >= CONTRADICTION:
            contradictions.append(Contradiction(pid, rid, tuple(standing)))
    return grades, contradictions


def _when(label: Label) -> float:
    return label.at.timestamp() if label.at is not None else float("-inf")
