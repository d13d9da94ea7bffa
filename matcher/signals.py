"""Structured fit between projects and providers, read from columns and from prose.

Every record becomes a profile once (needs, offers, tracks, stages, region, specialties,
exclusions), so a pair's structured features are a few vectorised array operations.
One feature per fact: the track a provider serves is read from its column *and* its prose
into one `track_fit`, so a fused model cannot key on how the fact was written.
Only the provider's explicit exclusions veto a pair (`excluded`, kept out of the fusion).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from . import concepts as C
from . import facets, prose, specialties
from .schema import (
    NEED,
    REGION,
    REGION_MATTERS,
    REGION_WEIGHT,
    RESOURCE_TYPE,
    SPECIALIST_TYPES,
    STAGE,
    TRACK,
    TYPE_OFFERS,
    Project,
    Resource,
)
from .text.fold import Organisations, org_key

NEED_BIT = {key: 1 << i for i, key in enumerate(NEED.keys)}
TRACK_BIT = {key: 1 << i for i, key in enumerate(TRACK.keys)}
STAGE_BIT = {key: 1 << i for i, key in enumerate(STAGE.keys)}
SPECIALIST_KINDS = np.array([RESOURCE_TYPE.keys.index(key) for key in SPECIALIST_TYPES])

# Levels of the graded channels (monotone: more explicit fit, higher value). A sheet column that
# lists only other tracks, or stages two or more steps away, sits as far below "unsaid" as
# "served" sits above it: experts grade such pairs near 0 (1 % of 1,408 judged-train pairs with
# another track in the column are graded 2 or 3) without it being a rule that vetoes.
SERVED, UNSAID, FOCUS_ELSEWHERE, COLUMN_ELSEWHERE = 1.0, 0.6, 0.3, -1.0
STAGE_NEAR, STAGE_FAR = 0.3, -1.0


@dataclass(frozen=True)
class Profiles:
    """What the structured signals need of one side, one entry per record, in record order."""

    needs_field: (
        np.ndarray
    )  # uint16: needs in the sheet (projects) / offers in the sheet or by type
    needs_text: np.ndarray  # uint16: needs stated now in prose / offers named in prose
    tracks: (
        np.ndarray
    )  # uint8: a project's track bit; the tracks a provider's column lists (0 = all)
    track_focus: np.ndarray  # uint8 (providers): tracks its prose names as a focus
    stages: np.ndarray  # uint8: a project's stage bit; the stages a provider serves (0 = all)
    region: np.ndarray  # int8: REGION index, -1 unknown
    facets: np.ndarray  # bool (n, F): what a project is, as facets with ancestors (projects)
    specialties: tuple[tuple[str, ...], ...]  # taxonomy keys: what it is / what it serves
    exclude_any: np.ndarray  # bool (n, F) (providers): excluded if the project has any of these
    only: np.ndarray  # bool (n, rules, F) (providers): excluded unless it has one of each rule
    exclusion_text: tuple[str, ...]  # (providers) the clauses that stated the rules
    role: np.ndarray  # uint16 (providers): the needs its type typically serves
    kind: np.ndarray  # int8 (providers): RESOURCE_TYPE index, -1 for projects
    # int8: the highest device class named (一类 1 … 三类 3; a provider's positive clauses), 0 none
    device_class: np.ndarray
    # a project's institution; the institution whose people alone a provider serves ("" = anyone),
    # both as `org_key`s
    institution: tuple[str, ...]

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
            elif x.ndim == 3:  # "only" rules: pad both to the wider rule table
                width = max(x.shape[1], y.shape[1])
                values[item.name] = np.concatenate([_pad_rules(x, width), _pad_rules(y, width)])
            else:
                values[item.name] = np.concatenate([x, y])
        return Profiles(**values)


def _pad_rules(table: np.ndarray, width: int) -> np.ndarray:
    return np.pad(table, ((0, 0), (0, width - table.shape[1]), (0, 0)))


def bits(keys: Sequence[str], table: dict[str, int]) -> int:
    out = 0
    for key in keys:
        out |= table.get(key, 0)
    return out


def _project_facets(p: Project, found: Sequence[str]) -> np.ndarray:
    names = specialties.closure(found)
    names |= {f"track:{p.track}", f"stage:{p.stage}", f"region:{p.region}"}
    if p.track == "tcm" and prose.names_a_drug(p.text):
        names.add("track:drug")  # a TCM new drug is also a drug to a "不做药品" clause
    if p.track == "drug" and not any(k.startswith("modality:") for k in found):
        names.add(facets.UNSTATED_MODALITY)
    return facets.mask(names)


def _once_per_distinct(
    records: Sequence[Any], key: Callable[[Any], Hashable], build: Callable[[list[Any]], Profiles]
) -> Profiles:
    """`build(records)`, reading each distinct record once: big catalogues repeat texts (one
    achievement listed twice, a provider's several desks) and reading prose is the slow part."""
    first: dict[Hashable, int] = {}
    index = np.array([first.setdefault(key(r), i) for i, r in enumerate(records)], np.int64)
    if len(first) == len(records):
        return build(list(records))
    position = {row: k for k, row in enumerate(first.values())}
    return build([records[i] for i in first.values()]).take(
        np.array([position[i] for i in index], dtype=np.int64)
    )


def project_profiles(projects: Sequence[Project]) -> Profiles:
    """Each project's profile (what `structured_features` and `excluded` read)."""
    return _once_per_distinct(
        projects,
        lambda p: (p.title, p.description, p.track, p.stage, p.needs, p.region, p.institution),
        _project_profiles,
    )


def resource_profiles(resources: Sequence[Resource]) -> Profiles:
    """Each provider's profile (what `structured_features` and `excluded` read)."""
    return _once_per_distinct(
        resources,
        lambda r: (r.name, r.type, r.description, r.offers, r.tracks, r.stages, r.region),
        _resource_profiles,
    )


def _project_profiles(projects: Sequence[Project]) -> Profiles:
    n, width = len(projects), len(facets.FACETS)
    found = [tuple(specialties.of_project(p.text, p.track)) for p in projects]
    return Profiles(
        needs_field=np.array([bits(p.needs, NEED_BIT) for p in projects], dtype=np.uint16),
        needs_text=np.array(
            [bits(sorted(prose.current_needs(p.text)), NEED_BIT) for p in projects],
            dtype=np.uint16,
        ),
        tracks=np.array([TRACK_BIT.get(p.track, 0) for p in projects], dtype=np.uint8),
        track_focus=np.zeros(n, dtype=np.uint8),
        stages=np.array([STAGE_BIT.get(p.stage, 0) for p in projects], dtype=np.uint8),
        region=np.array([_region_index(p.region) for p in projects], dtype=np.int8),
        facets=np.array(
            [_project_facets(p, keys) for p, keys in zip(projects, found, strict=True)],
            dtype=bool,
        ).reshape(n, width),
        specialties=tuple(found),
        exclude_any=np.zeros((n, width), dtype=bool),
        only=np.zeros((n, 1, width), dtype=bool),
        exclusion_text=("",) * n,
        role=np.zeros(n, dtype=np.uint16),
        kind=np.full(n, -1, dtype=np.int8),
        device_class=np.array([prose.device_class(p.text) for p in projects], dtype=np.int8),
        institution=tuple(org_key(p.institution) for p in projects),
    )


def _resource_profiles(resources: Sequence[Resource]) -> Profiles:
    n, width = len(resources), len(facets.FACETS)
    scopes = [prose.provider_scope(r.description, r.region) for r in resources]
    rules = max([1] + [len(scope.only) for scope in scopes])
    only = np.zeros((n, rules, width), dtype=bool)
    for i, scope in enumerate(scopes):
        for k, rule in enumerate(scope.only):
            only[i, k] = facets.mask(rule)
    positive = [prose.positive_text(r.text) for r in resources]
    return Profiles(
        needs_field=np.array(
            [bits(r.offers or TYPE_OFFERS.get(r.type, ()), NEED_BIT) for r in resources],
            dtype=np.uint16,
        ),
        needs_text=np.array(
            [
                bits(sorted(C.keys(prose.offer_text(r.text), C.NEED_CUES)), NEED_BIT)
                for r in resources
            ],
            dtype=np.uint16,
        ),
        tracks=np.array([bits(r.tracks, TRACK_BIT) for r in resources], dtype=np.uint8),
        track_focus=np.array([bits(sorted(s.tracks), TRACK_BIT) for s in scopes], dtype=np.uint8),
        # the sheet wins over prose
        stages=np.array(
            [
                bits(r.stages or sorted(s.stages), STAGE_BIT)
                for r, s in zip(resources, scopes, strict=True)
            ],
            dtype=np.uint8,
        ),
        region=np.array([_region_index(r.region) for r in resources], dtype=np.int8),
        facets=np.zeros((n, width), dtype=bool),
        specialties=tuple(tuple(specialties.find(text)) for text in positive),
        exclude_any=np.array([facets.mask(s.exclude_any) for s in scopes], dtype=bool).reshape(
            n, width
        ),
        only=only,
        exclusion_text=tuple("；".join(s.said) for s in scopes),
        role=np.array([bits(TYPE_OFFERS.get(r.type, ()), NEED_BIT) for r in resources], np.uint16),
        kind=np.array([RESOURCE_TYPE.keys.index(r.type) for r in resources], dtype=np.int8),
        device_class=np.array([prose.device_class(text) for text in positive], dtype=np.int8),
        institution=tuple(
            org_key(prose.institution_of(r.name)) if s.members_only else ""
            for r, s in zip(resources, scopes, strict=True)
        ),
    )


def _region_index(region: str) -> int:
    return REGION.keys.index(region) if region in REGION.keys else -1


def own_institution(
    projects: Sequence[Project], resources: Organisations, members_only: np.ndarray | None = None
) -> np.ndarray:
    """(n_projects, n_resources) bool: the provider is the project's own institution — a weak
    match, unless serving its own people is all the provider does (`members_only`)."""
    out = np.zeros((len(projects), len(resources.keys)), dtype=bool)
    for i, p in enumerate(projects):
        if p.institution:
            out[i, list(resources.same_as(p.institution))] = True
    if members_only is not None:
        out &= ~members_only[None, :]
    return out


def members_only(resources: Profiles) -> np.ndarray:
    """(n_resources,) bool: the provider serves only its own institution's people."""
    return np.array([bool(served) for served in resources.institution], dtype=bool)


def excluded(projects: Profiles, resources: Profiles) -> np.ndarray:
    """(n_projects, n_resources) bool: ruled out by the provider's explicit words."""
    pf = projects.facets.astype(np.float32)
    out = (pf @ resources.exclude_any.T.astype(np.float32)) > 0
    for k in range(resources.only.shape[1]):
        rule = resources.only[:, k, :]
        has_rule = np.asarray(rule.any(axis=1))
        meets = (pf @ rule.T.astype(np.float32)) > 0
        out |= has_rule[None, :] & ~meets
    for j, served in enumerate(resources.institution):  # its own people only
        if served:
            out[:, j] |= [served not in mine for mine in projects.institution]
    return out


NEED_FEATURES = tuple(f"need_{key}" for key in NEED.keys)
# The provider's type as one-hot priors: experts value a CRO and a device maker differently at
# the same text similarity. Priors are not evidence of fit, so the naive sum leaves them out.
TYPE_FEATURES = tuple(f"type_{key}" for key in RESOURCE_TYPE.keys)
STRUCTURED_FEATURES = (
    *NEED_FEATURES,  # one per need: a space need met weighs otherwise than a funding need met
    "role_fit",  # the provider's *kind* serves a need the project has (whatever its sheet says)
    "need_x_specialty",  # a provider offering what is needed *in the project's specialty*
    # (a service provider's need met counts whatever its specialty: see structured_features)
    "need_x_track",
    "track_fit",
    "stage_fit",
    "region_fit",
    "specialty_fit",
    # the project's device class is above every class the provider names (三类 to a consultancy
    # for 二类 filings): experts grade such pairs 0 (42 of 45 judged-train pairs), not a rule
    "device_class_beyond",
    # a provider that develops, makes or tests the product (schema.SPECIALIST_TYPES) whose
    # specialties do not cover the project's: experts grade such pairs 0 (mean grade 0.05 on
    # judged-train where no kind fits, against 0.2 for money, space and services), not a rule
    "specialty_miss",
    "own_institution",
    *TYPE_FEATURES,
)


# The provider fields each structured feature reads (`Profiles` names; "offers" is
# needs_field | needs_text): their distinct values are all a feature's spread over the
# providers depends on (`retrieval`). own_institution and the type priors are not listed.
READS = {
    **{f"need_{key}": (f"offers&{key}",) for key in NEED.keys},  # one need's bit of offers
    "role_fit": ("role",),
    "need_x_specialty": ("offers", "specialties", "kind"),
    "need_x_track": ("offers", "tracks", "track_focus"),
    "track_fit": ("tracks", "track_focus"),
    "stage_fit": ("stages",),
    "region_fit": ("region", "region_weight"),
    "specialty_fit": ("specialties",),
    "device_class_beyond": ("device_class",),
    "specialty_miss": ("specialties", "kind"),
}


def structured_features(
    projects: Profiles,
    resources: Profiles,
    own: np.ndarray,
    region_weight: np.ndarray,
    columns: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Each structured feature as a float32 (n_projects, n_resources) array.

    `region_weight` (n_resources,) says how much region matters for each provider's type.
    With `columns` (n_projects, n_cells) of provider indices, each project is compared with its
    own providers only (a first stage's candidates) and the arrays are (n_projects, n_cells);
    `own` is then given for those cells.
    """

    def side(values: np.ndarray) -> np.ndarray:
        """A provider field laid out against the projects: a row for all, or each one's cells."""
        return values[None, :] if columns is None else values[columns]

    count = np.bitwise_count
    wanted = (projects.needs_field | projects.needs_text)[:, None]
    offers = side(resources.needs_field | resources.needs_text)
    f: dict[str, np.ndarray] = {}
    for key, bit in NEED_BIT.items():
        f[f"need_{key}"] = (wanted & offers & bit) != 0
    need_met = count(wanted & offers) / np.maximum(count(wanted), 1)

    ptrack = projects.tracks[:, None]
    column, focus = side(resources.tracks), side(resources.track_focus)
    served = ((column & ptrack) != 0) | ((focus & ptrack) != 0)
    f["track_fit"] = np.select(
        [served, column != 0, focus != 0],
        [SERVED, COLUMN_ELSEWHERE, FOCUS_ELSEWHERE],
        default=UNSAID,
    )

    distance = stage_distance(projects.stages, resources.stages, columns)
    unsaid = (side(resources.stages) == 0) | (projects.stages[:, None] == 0)
    f["stage_fit"] = np.select(
        [unsaid, distance == 0, distance == 1], [UNSAID, SERVED, STAGE_NEAR], default=STAGE_FAR
    )

    known = (projects.region[:, None] >= 0) & (side(resources.region) >= 0)
    same = known & (projects.region[:, None] == side(resources.region))
    f["region_fit"] = (same.astype(np.float32) - (known & ~same)) * side(region_weight)

    f["specialty_fit"] = _specialty_fit(projects.specialties, resources.specialties, columns)
    provider_class = side(resources.device_class)
    f["device_class_beyond"] = (projects.device_class[:, None] > provider_class) & (
        provider_class > 0
    )
    f["specialty_miss"] = _specialty_miss(
        f["specialty_fit"],
        _specialty_fit(
            projects.specialties, resources.specialties, columns, specialties.PRODUCT_KINDS
        ),
        side(resources.kind),
    )
    f["own_institution"] = own.astype(np.float32)
    f["role_fit"] = (wanted & side(resources.role)) != 0
    for j, key in enumerate(RESOURCE_TYPE.keys):  # the same row for every project: a view
        kind = (resources.kind == j).astype(np.float32)
        f[f"type_{key}"] = (
            np.broadcast_to(kind[None, :], need_met.shape) if columns is None else kind[columns]
        )
    # money, space, policy and services meet a need whatever the product: for them a specialty
    # that does not fit counts as unsaid, as a track or stage would (a bank for a funding need)
    service = ~np.isin(side(resources.kind), SPECIALIST_KINDS)
    specialty_gate = np.where(service, np.maximum(f["specialty_fit"], UNSAID), f["specialty_fit"])
    f["need_x_specialty"] = need_met * specialty_gate
    f["need_x_track"] = need_met * f["track_fit"]
    return {name: np.asarray(f[name], dtype=np.float32) for name in STRUCTURED_FEATURES}


def _specialty_fit(
    projects: Sequence[Sequence[str]],
    providers: Sequence[Sequence[str]],
    columns: np.ndarray | None,
    kinds: Sequence[str] = specialties.KINDS,
) -> np.ndarray:
    """`specialties.fit_matrix`, or with `columns` its cells, from the providers they name."""
    if columns is None:
        return specialties.fit_matrix(projects, providers, kinds)
    named, cells = np.unique(columns, return_inverse=True)
    table = specialties.fit_matrix(projects, [providers[j] for j in named], kinds)
    return np.take_along_axis(table, cells.reshape(columns.shape), axis=1)


def _specialty_miss(fit: np.ndarray, product_fit: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """A specialist provider (`SPECIALIST_TYPES`) covers the project no better than one naming no
    specialty, or names what it makes (modality, product) and none of it is the project's: a
    device maker for endoscopes meets a sleep monitor, a biologics CDMO a small molecule."""
    weak = (fit <= specialties.GENERIC + 1e-6) | (product_fit == 0)
    return np.isin(kind, SPECIALIST_KINDS) & weak


def specialty_missed(project: Sequence[str], provider: Sequence[str], kind: int) -> bool:
    """`specialty_miss` of one pair, from the cached per-pair fits (reasons ask for the listed
    pairs only)."""
    if kind not in SPECIALIST_KINDS:
        return False
    made = [
        score
        for k, (score, _) in specialties.best_fits(project, provider).items()
        if k in specialties.PRODUCT_KINDS
    ]
    return specialties.fit(project, provider) <= specialties.GENERIC + 1e-6 or (
        bool(made) and max(made) == 0
    )


def region_weights(resources: Sequence[Resource]) -> np.ndarray:
    """How much a shared region matters for each provider: by its type (`REGION_WEIGHT`), and
    fully for one whose prose says it serves its own place (主要服务河北本地企业)."""
    return np.array([region_weight(r) for r in resources], dtype=np.float32)


def region_weight(resource: Resource) -> float:
    if prose.serves_locally(resource.description):
        return REGION_MATTERS
    return REGION_WEIGHT.get(resource.type, 0.1)


def stage_distance(
    project_stages: np.ndarray, resource_stages: np.ndarray, columns: np.ndarray | None = None
) -> np.ndarray:
    """Steps between a project's stage and the nearest stage a provider serves (0 when all);
    with `columns`, for those provider cells of each project only."""
    n_stages = len(STAGE.keys)
    p_index = np.array([_first_bit(int(s)) for s in project_stages], dtype=np.int64)
    # distance[stage index, stage mask]: few masks exist, so tabulate them once
    masks, mask_of = np.unique(np.asarray(resource_stages, dtype=np.int64), return_inverse=True)
    table = np.zeros((n_stages + 1, len(masks)), dtype=np.float32)  # last row: stage unknown
    for m, mask in enumerate(masks):
        served = np.array([i for i in range(n_stages) if int(mask) & (1 << i)])
        if len(served):
            table[:n_stages, m] = np.abs(np.arange(n_stages)[:, None] - served[None, :]).min(1)
    per_project = table[np.where(p_index >= 0, p_index, n_stages)]
    if columns is None:
        return per_project[:, mask_of.reshape(-1)]
    return np.take_along_axis(per_project, mask_of.reshape(-1)[columns], axis=1)


def _first_bit(mask: int) -> int:
    return (mask & -mask).bit_length() - 1 if mask else -1
