"""Structured fit between projects and providers, read from fields and from prose.

Every record becomes a profile of bit masks once (needs, offers, tracks, stages, facets,
exclusions), so a pair's structured features are a few vectorised bit operations: this
scales to tens of thousands of projects against thousands of providers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from . import concepts as C
from . import prose
from .schema import NEED, REGION, STAGE, STAGE_ORDER, TRACK, Project, Resource
from .text.lexical import normalise

NEED_BIT = {key: 1 << i for i, key in enumerate(NEED.keys)}
TRACK_BIT = {key: 1 << i for i, key in enumerate(TRACK.keys)}
STAGE_BIT = {key: 1 << i for i, key in enumerate(STAGE.keys)}

# Facets: what an exclusion or an "only" clause can talk about, one bit each.
FACETS: tuple[str, ...] = (
    *(f"track:{k}" for k in TRACK.keys),
    *(f"stage:{k}" for k in STAGE.keys),
    *(f"region:{k}" for k in REGION.keys),
    *(f"spec:{c.key}" for c in C.SPECIALTIES),
)
FACET_BIT = {name: 1 << i for i, name in enumerate(FACETS)}
assert len(FACETS) <= 64, "facets must fit one uint64"

# How much a shared region matters, by provider type (DOMAIN: space, policy, banks; not investors).
REGION_WEIGHT = {
    "bank": 1.0,
    "park": 1.0,
    "government": 1.0,
    "hospital": 0.5,
    "exchange": 0.5,
    "university": 0.3,
    "pharma": 0.2,
    "device_maker": 0.2,
}

# What each provider type typically offers when its sheet says nothing.
TYPE_OFFERS = {
    "bank": ("funding",),
    "investor": ("funding",),
    "pharma": ("market", "rnd", "funding"),
    "device_maker": ("manufacturing", "market"),
    "park": ("space", "policy"),
    "hospital": ("clinical", "rnd"),
    "university": ("rnd", "talent", "ip"),
    "cro": ("clinical", "registration", "rnd"),
    "cdmo": ("manufacturing",),
    "ip_service": ("ip",),
    "regulatory": ("registration",),
    "government": ("policy", "funding"),
    "exchange": ("funding", "market"),
}


@dataclass(frozen=True)
class Profiles:
    """Bit-mask profiles of one side, one entry per record, aligned with the record list."""

    needs_field: np.ndarray  # uint16: needs stated in the sheet (projects) / offers (resources)
    needs_text: np.ndarray  # uint16: needs stated now in prose / offers named in prose
    tracks: np.ndarray  # uint8: a project's track bit; a provider's served tracks (0 = all)
    track_focus: np.ndarray  # uint8: tracks named as a focus in prose
    stages: np.ndarray  # uint8: a project's stage bit; a provider's served stages (0 = all)
    region: np.ndarray  # int8: REGION index, -1 unknown
    facets: np.ndarray  # uint64: what a project is (projects) / its specialties (providers)
    specialty: np.ndarray  # uint64: modality and therapeutic-area facets named in text
    exclude_any: np.ndarray  # uint64 (providers): excluded if a project has any of these
    only: np.ndarray  # uint64 (providers, n_rules): excluded unless a project has one of each
    exclusion_text: tuple[str, ...]  # (providers) the clauses that stated the exclusions

    def take(self, index: np.ndarray) -> Profiles:
        """The profiles of the records at `index`, in that order."""
        values: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            values[item.name] = (
                tuple(value[i] for i in index) if isinstance(value, tuple) else value[index]
            )
        return Profiles(**values)

    def concat(self, other: Profiles) -> Profiles:
        """These profiles followed by `other`'s."""
        values: dict[str, Any] = {}
        for item in fields(self):
            x, y = getattr(self, item.name), getattr(other, item.name)
            if isinstance(x, tuple):
                values[item.name] = x + y
            elif x.ndim == 2:  # "only" rules: pad both to the wider rule table
                width = max(x.shape[1], y.shape[1])
                values[item.name] = np.concatenate([_pad_columns(x, width), _pad_columns(y, width)])
            else:
                values[item.name] = np.concatenate([x, y])
        return Profiles(**values)


def _pad_columns(table: np.ndarray, width: int) -> np.ndarray:
    return np.pad(table, ((0, 0), (0, width - table.shape[1])))


def bits(keys: Sequence[str], table: dict[str, int]) -> int:
    out = 0
    for key in keys:
        out |= table.get(key, 0)
    return out


def _facets_of(text: str, *, track: str = "", stage: str = "", region: str = "") -> int:
    found = {f"spec:{c.key}" for c in C.find(text, C.SPECIALTIES)}
    if track:
        found.add(f"track:{track}")
    if stage:
        found.add(f"stage:{stage}")
    if region:
        found.add(f"region:{region}")
    return bits(sorted(found), FACET_BIT)


def project_profiles(projects: Sequence[Project]) -> Profiles:
    n = len(projects)
    needs_field = np.array([bits(p.needs, NEED_BIT) for p in projects], dtype=np.uint16)
    needs_text = np.array(
        [bits(sorted(prose.current_needs(p.text)), NEED_BIT) for p in projects], dtype=np.uint16
    )
    facets = []
    for p in projects:
        mask = _facets_of(p.text, track=p.track, stage=p.stage, region=p.region)
        if p.track == "tcm" and prose.names_a_drug(p.text):
            mask |= FACET_BIT["track:drug"]  # a TCM new drug is also a drug to a "不做药品" clause
        facets.append(mask)
    specialty = [_facets_of(p.text) for p in projects]
    return Profiles(
        needs_field=needs_field,
        needs_text=needs_text,
        tracks=np.array([TRACK_BIT.get(p.track, 0) for p in projects], dtype=np.uint8),
        track_focus=np.zeros(n, dtype=np.uint8),
        stages=np.array([STAGE_BIT.get(p.stage, 0) for p in projects], dtype=np.uint8),
        region=np.array([_region_index(p.region) for p in projects], dtype=np.int8),
        facets=np.array(facets, dtype=np.uint64),
        specialty=np.array(specialty, dtype=np.uint64),
        exclude_any=np.zeros(n, dtype=np.uint64),
        only=np.zeros((n, 1), dtype=np.uint64),
        exclusion_text=("",) * n,
    )


def resource_profiles(resources: Sequence[Resource]) -> Profiles:
    n = len(resources)
    scopes = [prose.provider_scope(r.description, r.region) for r in resources]
    width = max([1] + [len(scope.only) for scope in scopes])
    only = np.zeros((n, width), dtype=np.uint64)
    for i, scope in enumerate(scopes):
        only[i, : len(scope.only)] = scope.only
    offers_field, offers_text, stages = [], [], []
    for r, scope in zip(resources, scopes, strict=True):
        offers_field.append(bits(r.offers or TYPE_OFFERS.get(r.type, ()), NEED_BIT))
        offers_text.append(
            bits(sorted(C.keys(prose.positive_text(r.description), C.NEED_CUES)), NEED_BIT)
        )
        stages.append(
            bits(r.stages or sorted(scope.stages), STAGE_BIT)
        )  # the sheet wins over prose
    return Profiles(
        needs_field=np.array(offers_field, dtype=np.uint16),
        needs_text=np.array(offers_text, dtype=np.uint16),
        tracks=np.array([bits(r.tracks, TRACK_BIT) for r in resources], dtype=np.uint8),
        track_focus=np.array([bits(sorted(s.tracks), TRACK_BIT) for s in scopes], dtype=np.uint8),
        stages=np.array(stages, dtype=np.uint8),
        region=np.array([_region_index(r.region) for r in resources], dtype=np.int8),
        facets=np.zeros(n, dtype=np.uint64),
        specialty=np.array(
            [_facets_of(prose.positive_text(r.text)) for r in resources], dtype=np.uint64
        ),
        exclude_any=np.array([s.exclude_any for s in scopes], dtype=np.uint64),
        only=only,
        exclusion_text=tuple("；".join(s.said) for s in scopes),
    )


def _region_index(region: str) -> int:
    return REGION.keys.index(region) if region in REGION.keys else -1


def own_institution(projects: Sequence[Project], resources: Sequence[Resource]) -> np.ndarray:
    """(n_projects, n_resources) bool: the provider is the project's own institution."""
    out = np.zeros((len(projects), len(resources)), dtype=bool)
    names = [org_key(r.name) for r in resources]
    by_institution: dict[str, list[int]] = {}
    for i, p in enumerate(projects):
        if p.institution:
            by_institution.setdefault(org_key(p.institution), []).append(i)
    for institution, rows in by_institution.items():
        if len(institution) < 2:
            continue
        hits = [
            j
            for j, name in enumerate(names)
            if len(name) >= 2 and (institution in name or name in institution)
        ]
        if hits:
            out[np.ix_(rows, hits)] = True
    return out


def org_key(name: str) -> str:
    return re.sub(r"[\s()（）·]", "", normalise(name))


STRUCTURED_FEATURES = (
    "need_field",
    "need_text",
    "need_any",
    "offer_prose",
    "track_fit",
    "track_specific",
    "track_focus",
    "focus_miss",
    "stage_fit",
    "stage_distance",
    "region_same",
    "region_miss",
    "excluded",
    "own_institution",
    "specialty_overlap",
    "specialty_share",
    "generic",
)


def structured_features(
    projects: Profiles, resources: Profiles, own: np.ndarray, region_weight: np.ndarray
) -> dict[str, np.ndarray]:
    """Each structured feature as a float32 (n_projects, n_resources) array.

    `region_weight` (n_resources,) says how much region matters for each provider's type.
    """
    pf, pt = projects.needs_field[:, None], projects.needs_text[:, None]
    offers = resources.needs_field[None, :]
    prose = resources.needs_text[None, :]
    wanted = pf | pt
    count = np.bitwise_count
    f: dict[str, np.ndarray] = {}
    f["need_field"] = count(pf & offers) / np.maximum(count(pf), 1)
    f["need_text"] = count(pt & offers) / np.maximum(count(pt), 1)
    f["need_any"] = (count(wanted & (offers | prose)) > 0).astype(np.float32)
    f["offer_prose"] = count(wanted & prose) / np.maximum(count(wanted), 1)

    rt, ptrack = resources.tracks[None, :], projects.tracks[:, None]
    f["track_fit"] = ((rt == 0) | ((rt & ptrack) != 0)).astype(np.float32)
    f["track_specific"] = ((rt != 0) & ((rt & ptrack) != 0)).astype(np.float32)
    focus = resources.track_focus[None, :]
    f["track_focus"] = ((focus & ptrack) != 0).astype(np.float32)
    f["focus_miss"] = ((focus != 0) & ((focus & ptrack) == 0)).astype(np.float32)

    rs, ps = resources.stages[None, :], projects.stages[:, None]
    f["stage_fit"] = ((rs == 0) | ((rs & ps) != 0)).astype(np.float32)
    f["stage_distance"] = _stage_distance(projects.stages, resources.stages)

    known = (projects.region[:, None] >= 0) & (resources.region[None, :] >= 0)
    same = known & (projects.region[:, None] == resources.region[None, :])
    f["region_same"] = same * region_weight[None, :]
    f["region_miss"] = (known & ~same) * region_weight[None, :]

    facets = projects.facets[:, None]
    excluded = (facets & resources.exclude_any[None, :]) != 0
    for j in range(resources.only.shape[1]):
        rule = resources.only[None, :, j]
        excluded |= (rule != 0) & ((facets & rule) == 0)
    f["excluded"] = excluded.astype(np.float32)
    f["own_institution"] = own.astype(np.float32)

    shared = count(projects.specialty[:, None] & resources.specialty[None, :]).astype(np.float32)
    f["specialty_overlap"] = shared
    f["specialty_share"] = shared / np.maximum(count(projects.specialty)[:, None], 1)
    f["generic"] = np.broadcast_to(
        count(resources.specialty)[None, :].astype(np.float32), shared.shape
    ).copy()
    return {name: np.asarray(f[name], dtype=np.float32) for name in STRUCTURED_FEATURES}


def region_weights(resource_types: Sequence[str]) -> np.ndarray:
    return np.array([REGION_WEIGHT.get(t, 0.1) for t in resource_types], dtype=np.float32)


def _stage_distance(project_stages: np.ndarray, resource_stages: np.ndarray) -> np.ndarray:
    """Steps between a project's stage and the nearest stage a provider serves (0 when all)."""
    n_stages = len(STAGE_ORDER)
    p_index = np.array([_first_bit(int(s)) for s in project_stages])
    out = np.zeros((len(project_stages), len(resource_stages)), dtype=np.float32)
    for j, mask in enumerate(resource_stages):
        served = [i for i in range(n_stages) if int(mask) & (1 << i)]
        if served and (p_index >= 0).any():
            dist = np.min(np.abs(p_index[:, None] - np.array(served)[None, :]), axis=1)
            out[:, j] = np.where(p_index >= 0, dist, 0)
    return out


def _first_bit(mask: int) -> int:
    return (mask & -mask).bit_length() - 1 if mask else -1
