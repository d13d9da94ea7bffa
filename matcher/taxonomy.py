"""The specialty hierarchy: therapeutic areas, drug modalities and device product types.

Each node has a parent (or none), a Chinese label for reasons, and the cues people write for it;
the nodes are a table, `taxonomy.tsv`, so the domain's vocabulary reads as one list.
A coronary stent is `area:cardio.coronary` + `product:implant.vascular`; a provider serving
"心血管介入器械" is `area:cardio` + `product:implant.vascular`. `specialties.py` matches two such
sets graded by the tree (exact / parent / sibling / unrelated).

Cues are regular expressions on folded text (`matcher.text.fold`); ASCII words use `\\b`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

KINDS = ("area", "modality", "product")
KIND_LABEL = {"area": "领域", "modality": "药物类型", "product": "产品类型"}


@dataclass(frozen=True)
class Node:
    key: str  # kind:path, e.g. "area:cardio.coronary"
    label: str
    cues: str  # a regular expression; "" for a node named only through its children

    @property
    def kind(self) -> str:
        return self.key.split(":", 1)[0]

    @property
    def parent(self) -> str | None:
        kind, path = self.key.split(":", 1)
        return f"{kind}:{path.rsplit('.', 1)[0]}" if "." in path else None


def _read(name: str = "taxonomy.tsv") -> tuple[Node, ...]:
    """The nodes as listed in the package's tab-separated table (key, label, cues), in order."""
    table = resources.files("matcher").joinpath(name).read_text(encoding="utf-8")
    rows = [line.split("\t") for line in table.splitlines()[1:] if line.strip()]
    return tuple(Node(key, label, cues) for key, label, cues in rows)


NODES: tuple[Node, ...] = _read()
BY_KEY = {node.key: node for node in NODES}


@cache
def ancestors(key: str) -> tuple[str, ...]:
    """The key's ancestors, nearest first."""
    out: list[str] = []
    parent = BY_KEY[key].parent
    while parent is not None:
        out.append(parent)
        parent = BY_KEY[parent].parent
    return tuple(out)


def label(key: str) -> str:
    return BY_KEY[key].label
