"""Specialties found in text and matched graded along the taxonomy.

A project's specialties are what it *is* (area, modality, product type); a provider's are what it
says it serves (its positive clauses only). Two sets match per kind by their closest nodes:
exact 1.0, the provider's node is an ancestor (it serves the whole branch) 0.8, the project's node
is an ancestor 0.6, siblings 0.4, unrelated 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

import numpy as np

from .taxonomy import BY_KEY, KINDS, NODES, ancestors
from .text.fold import fold

# An ASCII word boundary: Python's \b treats Chinese characters as word characters.
_ASCII_BOUNDARY = r"(?:(?<![a-z0-9])(?=[a-z0-9])|(?<=[a-z0-9])(?![a-z0-9]))"
EXACT, BROADER_PROVIDER, BROADER_PROJECT, SIBLING = 1.0, 0.8, 0.6, 0.4
GENERIC = 0.3  # a provider that names no specialty of the project's kinds: neither fit nor miss
PRODUCT_KINDS = ("modality", "product")  # what a project makes, as against the disease it treats


@cache
def _pattern(key: str) -> re.Pattern[str]:
    return re.compile(BY_KEY[key].cues.replace(r"\b", _ASCII_BOUNDARY))


def find(text: str) -> list[str]:
    """Taxonomy keys named in the text, most specific only (a node's ancestors are dropped)."""
    folded = fold(text)
    found = [n.key for n in NODES if n.cues and _pattern(n.key).search(folded)]
    implied = {a for key in found for a in ancestors(key)}
    return [key for key in found if key not in implied]


# Hardware a project can *be*: a product type outside the software branch.
_SOFTWARE = "product:software"


def of_project(text: str, track: str = "") -> list[str]:
    """What a project *is*: `find`, without the parts of a device named in passing.

    A device or AI project that names its product type is that product: the antibody of its IVD
    kit or the enzyme of its assay is a reagent, not a drug modality it develops (TCM words are
    kept: a TCM device stays in TCM). A project that names hardware has software as a part (its
    control software, its app): the generic software node is dropped, specific kinds are kept.
    """
    keys = find(text)
    products = [k for k in keys if BY_KEY[k].kind == "product"]
    if track in ("device", "ai") and products:
        keys = [k for k in keys if BY_KEY[k].kind != "modality" or _is_tcm(k)]
    if any(not _in_branch(k, _SOFTWARE) for k in products):
        keys = [k for k in keys if k != _SOFTWARE]
    return keys


def _in_branch(key: str, root: str) -> bool:
    return key == root or root in ancestors(key)


def _is_tcm(key: str) -> bool:
    return _in_branch(key, "modality:tcm")


def closure(keys: Iterable[str]) -> set[str]:
    """The keys with all their ancestors: what an exclusion of a branch catches."""
    out: set[str] = set()
    for key in keys:
        out.add(key)
        out.update(ancestors(key))
    return out


@cache
def node_fit(project_key: str, provider_key: str) -> float:
    """How well a provider's node covers a project's node (same kind)."""
    if project_key == provider_key:
        return EXACT
    if provider_key in ancestors(project_key):
        return BROADER_PROVIDER
    if project_key in ancestors(provider_key):
        return BROADER_PROJECT
    if BY_KEY[project_key].parent is not None and (
        BY_KEY[project_key].parent == BY_KEY[provider_key].parent
    ):
        return SIBLING
    return 0.0


def best_fits(project: Sequence[str], provider: Sequence[str]) -> dict[str, tuple[float, str]]:
    """Per kind both sides name: (best fit, the provider-side node that gives it)."""
    return dict(_best_fits(tuple(project), tuple(provider)))


@cache  # reasons ask for every listed pair; a catalogue holds few distinct specialty sets
def _best_fits(project: tuple[str, ...], provider: tuple[str, ...]) -> dict[str, tuple[float, str]]:
    out: dict[str, tuple[float, str]] = {}
    for kind in KINDS:
        mine = [k for k in project if BY_KEY[k].kind == kind]
        theirs = [k for k in provider if BY_KEY[k].kind == kind]
        if mine and theirs:
            out[kind] = max(((node_fit(p, r), r) for p in mine for r in theirs), key=lambda x: x[0])
    return out


@cache
def _fit(project: tuple[str, ...], provider: tuple[str, ...]) -> float:
    fits = best_fits(project, provider)
    if not fits:
        return GENERIC
    return float(np.mean([score for score, _ in fits.values()]))


def fit(project: Sequence[str], provider: Sequence[str]) -> float:
    """Graded specialty fit in [0, 1]: mean best fit over shared kinds; GENERIC when none."""
    return _fit(tuple(sorted(project)), tuple(sorted(provider)))


def fit_matrix(
    projects: Sequence[Sequence[str]],
    providers: Sequence[Sequence[str]],
    kinds: Sequence[str] = KINDS,
) -> np.ndarray:
    """(n_projects, n_providers) float32 of `fit`, vectorised over distinct key sets; with
    `kinds`, over those kinds only (GENERIC where the two sides share none of them)."""
    p_sets, p_index = _distinct(projects)
    r_sets, r_index = _distinct(providers)
    a, b = _membership(p_sets), _membership(r_sets)  # (sets, nodes) float32
    fits = _NODE_FIT  # (nodes, nodes): node_fit(project node, provider node)
    total = np.zeros((len(p_sets), len(r_sets)), dtype=np.float32)
    shared = np.zeros_like(total)
    for kind, kind_nodes in zip(KINDS, _KIND_NODES, strict=True):
        if kind not in kinds:
            continue
        fk = fits[np.ix_(kind_nodes, kind_nodes)]
        ak, bk = a[:, kind_nodes], b[:, kind_nodes]
        # best[x, y] = max over the project's nodes p and the provider's nodes r of fit(p, r)
        per_node = (fk[:, None, :] * bk[None, :, :]).max(axis=-1)  # (kind nodes, provider sets)
        best = np.empty_like(total)
        for start in range(0, len(p_sets), _CHUNK):  # bounded memory on big catalogues
            rows = slice(start, start + _CHUNK)
            best[rows] = (ak[rows, :, None] * per_node[None, :, :]).max(axis=1)
        has_a, has_b = np.asarray(ak.any(axis=1)), np.asarray(bk.any(axis=1))
        both = (has_a[:, None] & has_b[None, :]).astype(np.float32)
        total += best * both
        shared += both
    table = np.where(shared > 0, total / np.maximum(shared, 1), GENERIC).astype(np.float32)
    return table[np.ix_(p_index, r_index)]


_CHUNK = 256
_KEYS = [n.key for n in NODES]
_POSITION = {key: i for i, key in enumerate(_KEYS)}
_NODE_FIT = np.array([[node_fit(p, r) for r in _KEYS] for p in _KEYS], dtype=np.float32)
_KIND_NODES = [np.array([i for i, n in enumerate(NODES) if n.kind == kind]) for kind in KINDS]


def _membership(sets: Sequence[tuple[str, ...]]) -> np.ndarray:
    out = np.zeros((len(sets), len(_KEYS)), dtype=np.float32)
    for i, keys in enumerate(sets):
        out[i, [_POSITION[k] for k in keys]] = 1.0
    return out


def _distinct(sets: Sequence[Sequence[str]]) -> tuple[list[tuple[str, ...]], np.ndarray]:
    seen: dict[tuple[str, ...], int] = {}
    index = np.array([seen.setdefault(tuple(sorted(s)), len(seen)) for s in sets], dtype=np.int64)
    return list(seen), index
