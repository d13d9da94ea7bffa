"""Facets: the names an exclusion or an "only" rule can talk about, as columns of bool arrays.

A facet is `track:<key>`, `stage:<key>`, `region:<key>` or a taxonomy key (`modality:cgt.cell`).
A project has the facets of what it is (its taxonomy keys *with their ancestors*, so "不做肿瘤"
catches a lung-cancer project); a provider's rule is "excluded if the project has any of these"
or "excluded unless it has one of these".
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .schema import REGION, STAGE, TRACK
from .taxonomy import NODES

# A drug project whose text names no modality: an "only" rule on modalities cannot rule it out.
UNSTATED_MODALITY = "modality:unstated"

FACETS: tuple[str, ...] = (
    *(f"track:{k}" for k in TRACK.keys),
    *(f"stage:{k}" for k in STAGE.keys),
    *(f"region:{k}" for k in REGION.keys),
    *(n.key for n in NODES),
    UNSTATED_MODALITY,
)
FACET_INDEX = {name: i for i, name in enumerate(FACETS)}


def mask(names: Iterable[str]) -> np.ndarray:
    """A bool row over FACETS with the given (known) facet names set."""
    row = np.zeros(len(FACETS), dtype=bool)
    for name in names:
        index = FACET_INDEX.get(name)
        if index is not None:
            row[index] = True
    return row


def names(row: np.ndarray) -> list[str]:
    return [FACETS[i] for i in np.flatnonzero(row)]
