"""Structured fit between projects and providers, read from fields and from prose.

Every record becomes a profile of bit masks once (needs, offers, tracks, stages, facets,
exclusions), so a pair's structured features are a few vectorised bit operations: this
scales to tens of thousands of projects against thousands of providers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import concepts as C
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

_CLAUSE = re.compile(r"[，。；;！!？?\n、,]|(?<![0-9])\.(?![0-9])")
_NEED_VERB = re.compile(
    r"需|急|亟|寻求|希望|缺|寻找|拟|计划|期待|诉求|对接|正在|欠缺|短板|瓶颈|求|想|待|准备"
)
_NEGATION = re.compile(
    r"不考虑|不投资?|不接受|不接收|暂不|不做|不授信|不涉及|谢绝|不支持|不参与|排除|不服务|不承接|"
    r"不受理|不覆盖|无法承接|不予|不适合|不合作|不看"
)
_ONLY = re.compile(r"仅|只|限于|专门服务|专门面向")
_FOCUS = re.compile(r"专注|聚焦|重点关注|主要投资|深耕|专门|专业从事|主攻")

# Stage groups people name in prose ("研发期", "早期", "已获证") → stage keys.
_STAGE_WORDS = (
    (
        re.compile(r"研发期|未上市|无收入|尚无收入|未盈利|在研|研发阶段"),
        ("concept", "prototype", "preclinical", "clinical", "registration"),
    ),
    (re.compile(r"早期|种子|天使|初创"), ("concept", "prototype")),
    (re.compile(r"概念|机理"), ("concept",)),
    (re.compile(r"原型|样机"), ("prototype",)),
    (re.compile(r"临床前"), ("preclinical",)),
    (re.compile(r"(?<!临床前)临床(阶段|期|试验)"), ("clinical",)),
    (re.compile(r"已上市|已获.{0,4}证|获证|产业化|营收|有收入|收入|盈利|上市后"), ("market",)),
)
_REGION_WORDS = (
    (re.compile(r"京外|北京以外|外地|非北京|北京市外"), ("tianjin", "hebei", "other")),
    (re.compile(r"津外|天津以外|非天津"), ("beijing", "hebei", "other")),
    (re.compile(r"冀外|河北以外|非河北"), ("beijing", "tianjin", "other")),
    (re.compile(r"京津冀以外|京津冀外|区域外"), ("other",)),
)
_DRUG_PRODUCT = re.compile(r"药品|药物|新药")


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


def _bits(keys: Sequence[str], table: dict[str, int]) -> int:
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
    return _bits(sorted(found), FACET_BIT)


def clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE.split(normalise(text)) if c.strip()]


def current_needs(text: str) -> set[str]:
    """Needs a description states as current ("正在准备III期临床，需要大额融资")."""
    needs: set[str] = set()
    for clause in clauses(text):
        if _NEED_VERB.search(clause):
            needs |= C.keys(clause, C.NEED_CUES)
    return needs


def target_facets(phrase: str) -> int:
    """Facets named by the object of an exclusion or "only" clause."""
    names: set[str] = {f"spec:{c.key}" for c in C.find(phrase, C.MODALITY_CUES)}
    if not names:  # "不考虑小分子" is about a modality, not the whole drug track
        names = {f"track:{c.key}" for c in C.find(phrase, C.TRACK_CUES)}
        if _DRUG_PRODUCT.search(phrase):
            names.add("track:drug")
    for pattern, stages in _STAGE_WORDS:
        if pattern.search(phrase):
            names |= {f"stage:{s}" for s in stages}
            break
    for pattern, regions in _REGION_WORDS:
        if pattern.search(phrase):
            names |= {f"region:{r}" for r in regions}
    return _bits(sorted(names), FACET_BIT)


def exclusions(text: str) -> tuple[int, list[int], list[str]]:
    """(exclude-any mask, only masks, the clauses) read from a provider's prose."""
    any_mask, only_masks, said = 0, [], []
    for clause in clauses(text):
        negation = _NEGATION.search(clause)
        if negation and "不限" not in clause:
            mask = target_facets(clause[negation.end() :])
            if mask:
                any_mask |= mask
                said.append(clause)
            continue
        only = _ONLY.search(clause)
        if only and "不仅" not in clause:
            mask = target_facets(clause[only.end() :])
            if mask:
                only_masks.append(mask)
                said.append(clause)
    return any_mask, only_masks, said


def project_profiles(projects: Sequence[Project]) -> Profiles:
    n = len(projects)
    needs_field = np.array([_bits(p.needs, NEED_BIT) for p in projects], dtype=np.uint16)
    needs_text = np.array(
        [_bits(sorted(current_needs(p.text)), NEED_BIT) for p in projects], dtype=np.uint16
    )
    facets = []
    for p in projects:
        mask = _facets_of(p.text, track=p.track, stage=p.stage, region=p.region)
        if p.track == "tcm" and _DRUG_PRODUCT.search(p.text):
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
    rules = [exclusions(r.description) for r in resources]
    width = max([1] + [len(only) for _, only, _ in rules])
    only = np.zeros((n, width), dtype=np.uint64)
    for i, (_, masks, _) in enumerate(rules):
        only[i, : len(masks)] = masks
    offers_field, offers_text, focus = [], [], []
    for r in resources:
        stated = r.offers or TYPE_OFFERS.get(r.type, ())
        offers_field.append(_bits(stated, NEED_BIT))
        positive = " ".join(c for c in clauses(r.description) if not _NEGATION.search(c))
        offers_text.append(_bits(sorted(C.keys(positive, C.NEED_CUES)), NEED_BIT))
        focus.append(_bits(sorted(_focus_tracks(r.description)), TRACK_BIT))
    return Profiles(
        needs_field=np.array(offers_field, dtype=np.uint16),
        needs_text=np.array(offers_text, dtype=np.uint16),
        tracks=np.array([_bits(r.tracks, TRACK_BIT) for r in resources], dtype=np.uint8),
        track_focus=np.array(focus, dtype=np.uint8),
        stages=np.array([_bits(r.stages, STAGE_BIT) for r in resources], dtype=np.uint8),
        region=np.array([_region_index(r.region) for r in resources], dtype=np.int8),
        facets=np.zeros(n, dtype=np.uint64),
        specialty=np.array(
            [_facets_of(_positive_text(r.text)) for r in resources], dtype=np.uint64
        ),
        exclude_any=np.array([a for a, _, _ in rules], dtype=np.uint64),
        only=only,
        exclusion_text=tuple("；".join(said) for _, _, said in rules),
    )


def _positive_text(text: str) -> str:
    return " ".join(c for c in clauses(text) if not _NEGATION.search(c))


def _focus_tracks(text: str) -> set[str]:
    tracks: set[str] = set()
    for clause in clauses(text):
        focus = _FOCUS.search(clause)
        if focus and not _NEGATION.search(clause):
            tracks |= C.keys(clause[focus.end() :], C.TRACK_CUES)
    return tracks


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
    f["track_focus"] = ((resources.track_focus[None, :] & ptrack) != 0).astype(np.float32)

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
