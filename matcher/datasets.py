"""The labelled data the project ships, as named sources: what rankers are chosen and scored on.

- `synthetic`: the seeded generator's world (`data/sample`, `data/dev/qrels.csv`), judged by rules.
- `judged-train`: hand-judged projects × providers (`data/judged`) that tuning may see.
- `judged-test`: the locked part of the same set; nothing is chosen on it.
- `fresh-train`, `fresh-test`, `third-train`, `third-test`: two more hand-judged sets
  (`data/fresh`, `data/third`), each written by other writers in other voices about other
  institutions and providers, and judged apart. Split by project the same way. When the fusion is
  chosen (`selection.choose`), each catalogue's training part is ranked by candidates fitted on
  the others'; every `-test` part stays locked.

Every project listed in a qrels file is fully judged: its pairs not listed count as grade 0.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .ingest import read_projects, read_qrels, read_resources
from .schema import Project, Resource

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
CATALOGUES = ("judged", "fresh", "third")  # the hand-judged sets: folders of DATA, split by project
SOURCES = ("synthetic", *(f"{name}-{part}" for name in CATALOGUES for part in ("train", "test")))


@dataclass(frozen=True)
class Source:
    name: str
    projects: list[Project]
    resources: list[Resource]
    qrels: Mapping[str, Mapping[str, int]]
    files: tuple[Path, ...] = field(default=())

    @property
    def judged_projects(self) -> list[Project]:
        return [p for p in self.projects if p.project_id in self.qrels]


def from_files(name: str, projects: Path, resources: Path, qrels: Path) -> Source:
    """A source from spreadsheets; the qrels must name only these projects and providers."""
    ps, rs = read_projects(projects), read_resources(resources)
    judged = read_qrels(qrels, [p.project_id for p in ps], [r.resource_id for r in rs])
    return Source(name, ps, rs, judged, (Path(projects), Path(resources), Path(qrels)))


def judged_split(data: Path = DATA, set_name: str = "judged") -> dict[str, str]:
    """{project_id: "train" | "test"} of a hand-judged set, fixed once in its `split.csv`."""
    with open(data / set_name / "split.csv", encoding="utf-8-sig", newline="") as f:
        return {row["project_id"]: row["part"] for row in csv.DictReader(f)}


def load(name: str, data: Path = DATA) -> Source:
    """One of SOURCES."""
    if name == "synthetic":
        return from_files(
            name,
            data / "sample" / "projects.csv",
            data / "sample" / "resources.csv",
            data / "dev" / "qrels.csv",
        )
    if name not in SOURCES:
        raise ValueError(f"unknown source {name!r}; choose one of {', '.join(SOURCES)}")
    set_name, part = name.split("-")
    folder = data / set_name
    full = from_files(
        set_name, folder / "projects.csv", folder / "resources.csv", folder / "qrels.csv"
    )
    split = judged_split(data, set_name)
    projects = [p for p in full.projects if split.get(p.project_id) == part]
    keep = {p.project_id for p in projects}
    qrels = {pid: grades for pid, grades in full.qrels.items() if pid in keep}
    return Source(name, projects, full.resources, qrels, (*full.files, folder / "split.csv"))
