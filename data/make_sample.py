"""Generate the shipped sample data and its graded development qrels (seeded, deterministic).

    .venv/bin/python data/make_sample.py [--out DIR] [--seed N]

Writes DIR/sample/projects.csv, DIR/sample/resources.csv, DIR/sample/resources.xlsx and
DIR/dev/qrels.csv (DIR defaults to this file's folder). Each project and provider has a latent
profile; the texts and the spreadsheet columns are noisy views of it, and the judge grades every
pair from the latent profiles (see data/README.md for the rubric).
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sample_phrases as ph
from sample_catalogue import (
    COMPANY_CITIES,
    COMPANY_NAMES,
    COMPANY_SUFFIX,
    INSTITUTIONS,
    MODALITIES,
    MODALITY_WEIGHTS,
    NEED_WEIGHTS,
    NEEDS,
    PROVIDERS,
    REGION_MATTERS,
    STAGE_WEIGHTS,
    STAGES,
    TA_DISEASES,
    TA_FIELDS,
    TRACK_COUNTS,
    TRACKS,
    Provider,
)

from matcher.ingest import PROJECT_COLUMNS, RESOURCE_COLUMNS
from matcher.schema import NEED, REGION, RESOURCE_TYPE, STAGE, TRACK

SEED = 2025
NOISE_RATE = 0.05  # share of judged (grade >= 1) pairs an expert would grade one step apart
NOISE_ZERO_RATE = 0.002  # share of plausible zero pairs an expert would still call partly useful

# The Chinese labels and headers of the sheets are the library's (one home: matcher.schema for
# vocabularies, matcher.ingest for columns), so the sample is always in the format it reads.
TRACK_LABEL = dict(TRACK.labels)
STAGE_LABEL = dict(STAGE.labels)
NEED_LABEL = dict(NEED.labels)
TYPE_LABEL = dict(RESOURCE_TYPE.labels)
REGION_LABEL = dict(REGION.labels)
PROJECT_HEADERS = [spellings[1] for spellings in PROJECT_COLUMNS.values()]
RESOURCE_HEADERS = [spellings[1] for spellings in RESOURCE_COLUMNS.values()]
RESOURCE_KEYS = list(RESOURCE_COLUMNS)
# Fixed timestamps keep the .xlsx byte-identical between runs.
XLSX_TIME = (2025, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ProjectProfile:
    """What the project really is and needs; the spreadsheet row is a noisy view of it."""

    project_id: str
    track: str
    modality: str
    ta: str
    stage: str
    needs: tuple[str, ...]  # true current needs, most pressing first
    region: str
    institution: str
    group: str


class Draw:
    """Seeded choices with the small helpers the generator needs."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def one(self, items):  # type: ignore[no-untyped-def]
        return items[int(self.rng.integers(len(items)))]

    def weighted(self, weights: dict[str, float]) -> str:
        keys = list(weights)
        p = np.array([weights[k] for k in keys], dtype=float)
        return keys[int(self.rng.choice(len(keys), p=p / p.sum()))]

    def some(self, items: list[str], k: int) -> list[str]:
        idx = self.rng.choice(len(items), size=min(k, len(items)), replace=False)
        return [items[int(i)] for i in idx]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def shuffle(self, items: list) -> list:  # type: ignore[type-arg]
        order = self.rng.permutation(len(items))
        return [items[int(i)] for i in order]


# ------------------------------------------------------------------ projects
def _institution_pool(d: Draw) -> dict[str, list[tuple[str, str, str]]]:
    """Per track: (name, region, group) of possible applicants; companies get their own group."""
    pool: dict[str, list[tuple[str, str, str]]] = {t: [] for t in TRACKS}
    for inst in INSTITUTIONS:
        for t in inst.tracks:
            pool[t].append((inst.name, inst.region, inst.group))
    return pool


def _company(d: Draw, track: str, used: dict[str, tuple[str, str, str]]) -> tuple[str, str, str]:
    region = d.weighted({"beijing": 45, "tianjin": 22, "hebei": 23, "other": 10})
    base = d.one(COMPANY_NAMES)
    name = d.one(COMPANY_CITIES[region]) + base + d.one(COMPANY_SUFFIX[track])
    key = base + track
    if key in used and d.chance(0.6):  # the same start-up often files a second project
        return used[key]
    used[key] = (name, region, "co:" + key)
    return used[key]


def _true_needs(d: Draw, track: str, modality: str, stage: str) -> tuple[str, ...]:
    weights = dict(NEED_WEIGHTS[stage])
    if track == "ai":
        weights = {k: v * (0.3 if k == "manufacturing" else 1) for k, v in weights.items()}
    if modality in ("authentic_herbs", "health_saas", "granules"):
        weights = {k: v * (0.2 if k == "clinical" else 1) for k, v in weights.items()}
    k = int(d.rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))
    needs: list[str] = []
    while len(needs) < k:
        n = d.weighted({key: w for key, w in weights.items() if key not in needs})
        needs.append(n)
    return tuple(needs)


def make_profiles(d: Draw) -> list[ProjectProfile]:
    pool = _institution_pool(d)
    companies: dict[str, tuple[str, str, str]] = {}
    profiles: list[ProjectProfile] = []
    tracks = [t for t in TRACKS for _ in range(TRACK_COUNTS[t])]
    for i, track in enumerate(d.shuffle(tracks), start=1):
        modality = d.weighted(MODALITY_WEIGHTS[track])
        ta = d.one(MODALITIES[modality].tas)
        stage = STAGES[int(d.rng.choice(6, p=np.array(STAGE_WEIGHTS[track]) / 100))]
        if d.chance(0.45):
            name, region, group = _company(d, track, companies)
        else:
            name, region, group = d.one(pool[track])
        for _ in range(20):  # organisers only admit projects someone in the pool can help
            p = ProjectProfile(
                f"P{i:03d}",
                track,
                modality,
                ta,
                stage,
                _true_needs(d, track, modality, stage),
                region,
                name,
                group,
            )
            # drawn against the strict rules, so the sample stays the same world
            if max(judge(p, r, soft=False) for r in PROVIDERS) >= 2:
                break
        profiles.append(p)
    return profiles


def _stated_needs(d: Draw, p: ProjectProfile) -> tuple[list[str], list[str]]:
    """(needs in the 需求 column, true needs said only in the description)."""
    column = [n for n in p.needs if d.chance(0.62)]
    if "funding" not in column and d.chance(0.3):
        column.append("funding")  # forms default to 融资 whether or not it is current
    if d.chance(0.08):
        column.append(d.one([n for n in NEEDS if n not in column]))
    if not column:
        column = ["funding"] if d.chance(0.5) else [p.needs[0]]
    prose_only = [n for n in p.needs if n not in column]
    return column, prose_only


def _kind(p: ProjectProfile) -> str:
    """Which wording family fits the product: device, drug, tcm (medicines), soft, herb."""
    if p.track == "tcm":
        if p.modality == "authentic_herbs":
            return "herb"
        return "device" if MODALITIES[p.modality].alt_track == "device" else "tcm"
    return {"device": "device", "drug": "drug", "ai": "soft"}[p.track]


def _need_sentence(d: Draw, need: str, p: ProjectProfile) -> str:
    specific = ph.NEED_TEXT_KIND.get((_kind(p), need), [])
    text = d.one(specific * 2 + ph.NEED_TEXT[need] if specific else ph.NEED_TEXT[need])
    text = text.format(amount=d.one(ph.AMOUNTS), field=d.one(TA_FIELDS[p.ta]))
    return d.one(ph.NEED_LEAD) + text


def _product(d: Draw, modality: str, ta: str) -> str:
    """A product of the sub-area that fits the therapeutic area (tagged 'name@ta ta')."""
    names = []
    for raw in MODALITIES[modality].products:
        name, _, tags = raw.partition("@")
        if not tags or ta in tags.split():
            names.append(name)
    return d.one(names or [raw.partition("@")[0] for raw in MODALITIES[modality].products])


def project_row(d: Draw, p: ProjectProfile) -> dict[str, str]:
    m = MODALITIES[p.modality]
    product = _product(d, p.modality, p.ta)
    named = [x for x in TA_DISEASES[p.ta] if x in product]  # e.g. 法布雷病酶替代疗法
    disease = named[0] if named else d.one(TA_DISEASES[p.ta])
    kind = _kind(p)
    title = d.one(ph.TITLE).format(
        product=product, disease=disease, label=m.label, q=d.one(ph.QUALIFIER[kind])
    )
    column, prose_only = _stated_needs(d, p)
    style = d.weighted({"formal": 5, "casual": 2.5, "bullet": 2.5})
    intro = d.one(ph.INTRO[style]).format(product=product, disease=disease)
    said = [_need_sentence(d, n, p) for n in prose_only]
    said += [_need_sentence(d, n, p) for n in column if n in p.needs and d.chance(0.85)]
    core = [d.one(ph.STAGE_TEXT[kind][p.stage]), *said]
    optional = [t + "。" for t in d.some(list(m.tech), int(d.rng.integers(1, 4)))]
    if d.chance(0.5):
        optional.insert(int(d.rng.integers(0, 3)), d.one(ph.REGION_SAY[p.region]))
    if d.chance(0.7):
        domain = d.one(ph.DOMAIN_TEXT[kind]).format(field=d.one(TA_FIELDS[p.ta]))
        optional.insert(int(d.rng.integers(0, 2)), domain)
    team = ph.TEAM + ph.TEAM_INST * (1 if p.group.startswith("co:") else 3)
    optional.insert(int(d.rng.integers(0, 3)), d.one(team).format(inst=p.institution))
    extras = ph.EXTRA + ph.EXTRA_KIND[kind]
    optional += [e.format(n=int(d.rng.integers(2, 12))) for e in d.some(extras, 4)]
    target = int(d.rng.integers(60, 245))
    chosen: list[str] = []
    size = len(intro) + sum(map(len, core))
    for extra in optional:
        if size >= target or size + len(extra) > 245:
            break
        chosen.append(extra)
        size += len(extra)
    if d.chance(0.5):
        body = d.shuffle(core + chosen)
    else:  # what it is, then the evidence, then what it needs
        body = chosen[:2] + core[:1] + chosen[2:] + core[1:]
    parts = [intro, *body] if d.chance(0.8) else [*body[:1], intro, *body[1:]]
    if d.chance(0.35):  # many applicants end with a summary copied from the form
        words = "、".join(d.one(ph.NEED_WORD[n]) for n in d.shuffle(list(column)))
        summary = d.one(ph.NEED_SUMMARY).format(w=words)
        if sum(map(len, parts)) + len(summary) <= 248:
            parts.append(summary)
    if style == "bullet":
        text = "；".join(s.rstrip("。；") for s in parts) + "。"
    else:
        text = "".join(parts)
    while len(text) < 60:
        text += d.one(ph.EXTRA).format(n=3)
    stage = p.stage
    if d.chance(0.07):  # the form's stage disagrees with the description (description wins)
        i = STAGES.index(stage) + d.one([-1, 1])
        stage = STAGES[min(max(i, 0), 5)]
    return {
        "项目编号": p.project_id,
        "项目名称": title,
        "项目简介": text,
        "赛道": TRACK_LABEL[p.track],
        "阶段": STAGE_LABEL[stage],
        "需求": ";".join(NEED_LABEL[n] for n in column),
        "地区": REGION_LABEL[p.region],
        "申报单位": p.institution,
    }


# ------------------------------------------------------------------ providers
def _list_prose(d: Draw, keys: tuple[str, ...], names: dict[str, list[str]]) -> str:
    return "、".join(d.one(names[k]) for k in keys)


def _spec_sentence(d: Draw, type_: str, tag: str) -> str:
    """Funders state a focus, service firms state experience, the rest state capability."""
    if type_ in ("bank", "investor", "government", "exchange", "park", "ip_service", "regulatory"):
        x = ph.MOD_SHORT[tag][0] if tag in ph.MOD_SHORT else d.one(TA_FIELDS[tag])
        bank = ph.SERVE_TEXT if type_ in ("ip_service", "regulatory") else ph.FOCUS_TEXT
        if d.chance(0.7):
            return d.one(bank).format(x=x)
    return d.one(ph.SPEC_TEXT[tag])


def _spec_examples(d: Draw, tag: str) -> str:
    """Diseases or products a specialist names as examples of what it has done."""
    if tag in TA_DISEASES:
        return d.one(ph.SPEC_DISEASE).format(x="、".join(d.some(TA_DISEASES[tag], 2)))
    names = [raw.partition("@")[0] for raw in MODALITIES[tag].products]
    return d.one(ph.SPEC_PRODUCT).format(x="、".join(d.some(names, 2)))


def _exclusion_sentence(d: Draw, r: Provider) -> list[str]:
    out: list[str] = []
    mods = [v for k, v in r.excl if k == "mod"]
    if len(mods) >= 3:
        out.append(d.one(ph.EXCL_TEXT["mod_many"]))
    else:
        out += [d.one(ph.EXCL_TEXT["mod"]).format(label=d.one(ph.MOD_SHORT[m])) for m in mods]
    for kind, value in r.excl:
        if kind == "track":
            label = d.one(ph.TRACK_NAME[value])
            options = ph.EXCL_TEXT["track_funder" if r.type == "investor" else "track"]
            out.append(d.one(options).format(label=label))
        elif kind == "below":
            options = ph.EXCL_TEXT["below"][value]
            if value == "market" and "device" not in (r.tracks or ("device",)):
                options = options[1:]  # 三类证 is a device word
            out.append(d.one(options))
        elif kind == "above":
            out.append(d.one(ph.EXCL_TEXT["above"]))
        elif kind == "outside":
            out.append(d.one(ph.EXCL_TEXT["outside"]))
    return out


def resource_row(d: Draw, i: int, r: Provider) -> tuple[dict[str, str], dict[str, str]]:
    """The Chinese-header CSV row and the English-key Excel row of one provider."""
    intro = d.one(ph.TYPE_INTRO[r.type]).format(name=r.name)
    offers = []
    for o in r.offers:
        options = ph.OFFER_TYPE_TEXT.get((r.type, o), []) * 2 + ph.OFFER_TEXT[o]
        offers.append(d.one(options).format(amount=d.one(ph.AMOUNTS)))
        if d.chance(0.6):
            offers.append(d.one(ph.OFFER_PLAIN).format(w=d.one(ph.OFFER_WORD[o])))
    spec = [_spec_sentence(d, r.type, t) for t in r.spec[:3]]
    for tag in r.spec[:3]:
        if d.chance(0.6):
            spec.append(_spec_examples(d, tag))
    blurb = [d.one(ph.BLURB).format(b=b) for b in r.blurb]
    tracks_col, stages_col = list(r.tracks), list(r.stages)
    scope: list[str] = []
    if not r.tracks and d.chance(0.5):
        scope.append(d.one(ph.TRACK_ALL))
    if not r.stages and d.chance(0.3):
        scope.append(d.one(ph.STAGE_ALL))
    if r.tracks and d.chance(0.85):
        scope.append(d.one(ph.TRACK_PROSE).format(tracks=_list_prose(d, r.tracks, ph.TRACK_NAME)))
        if d.chance(0.35):
            tracks_col = []  # restriction stated only in prose
    if r.stages and d.chance(0.85):
        names = {s: [ph.STAGE_NAME[s]] for s in STAGES}
        rng = (
            ph.STAGE_NAME[r.stages[0]] + "至" + ph.STAGE_NAME[r.stages[-1]]
            if len(r.stages) > 1
            else ph.STAGE_NAME[r.stages[0]]
        )
        scope.append(
            d.one(ph.STAGE_PROSE).format(stages=d.one([rng, _list_prose(d, r.stages, names)]))
        )
        if d.chance(0.35):
            stages_col = []
    if r.type in REGION_MATTERS:
        regions = r.regions or (r.region,)
        key = regions[0] if len(regions) == 1 else "multi"
        if len(regions) < 4:
            scope.append(d.one(ph.REGION_PROSE[key]))
    if d.chance(0.4):
        offers.append(
            d.one(ph.OFFER_SUMMARY).format(w="、".join(d.one(ph.OFFER_WORD[o]) for o in r.offers))
        )
    excl = _exclusion_sentence(d, r)
    middle = d.shuffle(offers + spec + blurb)
    tail = d.shuffle(scope + excl)
    parts = [intro, *middle, *tail, d.one(ph.CLOSING)]
    if d.chance(0.3):
        parts = [*middle[:1], intro, *middle[1:], *tail]
    text = "".join(parts)
    for extra in d.shuffle(ph.PROVIDER_EXTRA):
        if len(text) >= 60:
            break
        text += extra
    offer_col = list(r.offers)
    if len(offer_col) > 1 and d.chance(0.15):
        offer_col.pop()  # said in prose, missing from the column
    rid = f"R{i:03d}"
    capacity = int(d.rng.integers(3, 16))
    zh = {
        "资源方编号": rid,
        "名称": r.name,
        "类型": TYPE_LABEL[r.type],
        "简介": text,
        "可提供资源": ";".join(NEED_LABEL[o] for o in offer_col),
        "服务赛道": ";".join(TRACK_LABEL[t] for t in tracks_col),
        "服务阶段": ";".join(STAGE_LABEL[s] for s in stages_col),
        "地区": REGION_LABEL[r.region],
        "接洽名额": str(capacity),
    }
    en = {
        "resource_id": rid,
        "name": r.name,
        "type": r.type,
        "description": text,
        "offers": ";".join(offer_col),
        "tracks": ";".join(tracks_col),
        "stages": ";".join(stages_col),
        "region": r.region,
        "capacity": str(capacity),
    }
    return zh, en


# ------------------------------------------------------------------ judge
def _excluded(p: ProjectProfile, r: Provider) -> bool:
    for kind, value in r.excl:
        if kind == "mod" and p.modality == value:
            return True
        if kind == "track" and p.track == value:
            return True
        if kind == "below" and STAGES.index(p.stage) < STAGES.index(value):
            return True
        if kind == "above" and STAGES.index(p.stage) > STAGES.index(value):
            return True
        if kind == "outside" and p.region != value:
            return True
    return False


def _fit(value: str, served: tuple[str, ...], near: bool) -> int:
    """2 = served (empty means all), 1 = only loosely, 0 = not at all."""
    if not served or value in served:
        return 2
    return 1 if near else 0


def judge(p: ProjectProfile, r: Provider, soft: bool = True) -> int:
    """Graded relevance 0–3 of provider r for project p, from the latent profiles; `soft=False`
    is the earlier rule set, which made "nothing needed now" a near-veto."""
    if _excluded(p, r):
        return 0
    track_fit = _fit(p.track, r.tracks, MODALITIES[p.modality].alt_track in r.tracks)
    i = STAGES.index(p.stage)
    stage_fit = _fit(p.stage, r.stages, any(abs(i - STAGES.index(s)) == 1 for s in r.stages))
    if not track_fit or not stage_fit:
        return 0
    specific = bool(set(r.spec) & {p.modality, p.ta})
    if r.spec and not specific and r.strict:
        return 0
    region_ok = r.type not in REGION_MATTERS or p.region in (r.regions or (r.region,))
    useful = [n for n in p.needs if n in r.offers]
    if not useful:
        # Nothing it offers is needed now. Experts still value a service the project will need
        # at its next stage (the rubric's "will need soon without having asked"), so this is no
        # longer a near-veto: a specialist for that is good (2), a generalist marginal (1).
        soon = _soon(p) & set(r.offers)
        if soft and soon and track_fit == 2 and region_ok:
            return 2 if specific else 1
        return int(specific and track_fit == 2 and stage_fit == 2 and region_ok)
    # a specialty match serving the most pressing need is the best there is; a provider with a
    # stated focus that does not cover this project is only a loose fit
    grade = (3 if p.needs[0] in useful else 2) if specific else (1 if r.spec else 2)
    if track_fit == 1 or stage_fit == 1 or not region_ok or (r.group and r.group == p.group):
        grade = min(grade, 1)
    return grade


def _soon(p: ProjectProfile) -> set[str]:
    """The needs typical of the stage after the project's (its most pressing ones)."""
    i = STAGES.index(p.stage)
    if i + 1 >= len(STAGES):
        return set()
    weights = NEED_WEIGHTS[STAGES[i + 1]]
    top = max(weights.values())
    return {need for need, weight in weights.items() if weight == top}


def judge_all(d: Draw, profiles: list[ProjectProfile], providers: list[Provider]) -> np.ndarray:
    grades = np.array([[judge(p, r) for r in providers] for p in profiles], dtype=int)
    noise = d.rng.random(grades.shape)
    step = np.where(d.rng.random(grades.shape) < 0.5, -1, 1)
    plausible = np.array(
        [
            [_fit(p.track, r.tracks, False) > 0 and not _excluded(p, r) for r in providers]
            for p in profiles
        ]
    )
    flip = (grades > 0) & (noise < NOISE_RATE)
    lift = (grades == 0) & plausible & (noise < NOISE_ZERO_RATE)
    out = grades.copy()
    out[flip] = np.clip(grades[flip] + step[flip], 0, 3)
    out[lift] = 1
    lost = (out >= 2).sum(axis=1) == 0  # noise never takes away a project's only good match
    out[lost] = grades[lost]
    return out


# ------------------------------------------------------------------ writing
def _csv_bytes(headers: list[str], rows: list[dict[str, str]], bom: bool) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=headers, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8-sig" if bom else "utf-8")


def _xlsx_bytes(rows: list[dict[str, str]]) -> bytes:
    """An .xlsx with English headers, re-zipped with fixed timestamps so runs are identical."""
    from datetime import datetime

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "resources"
    ws.append(RESOURCE_KEYS)
    for row in rows:
        ws.append([int(row[k]) if k == "capacity" else row[k] for k in RESOURCE_KEYS])
    wb.properties.creator = "data/make_sample.py"
    wb.properties.created = wb.properties.modified = datetime(*XLSX_TIME)
    raw = io.BytesIO()
    wb.save(raw)
    fixed = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in sorted(src.namelist()):
            info = zipfile.ZipInfo(name, date_time=XLSX_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(name)
            if name == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2025-01-01T00:00:00Z", data
                )
            dst.writestr(info, data)
    return fixed.getvalue()


def _safe(rows: list[dict[str, str]]) -> None:
    for row in rows:
        for value in row.values():
            if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                raise ValueError(f"cell would read as a formula: {value[:20]!r}")


@dataclass
class Sample:
    """Everything one run makes: latent profiles, spreadsheet rows and the judged grades."""

    profiles: list[ProjectProfile]
    providers: list[Provider]
    projects: list[dict[str, str]]
    resources: list[dict[str, str]]  # Chinese headers and labels
    resources_en: list[dict[str, str]]  # English keys
    grades: np.ndarray  # projects x providers, 0..3


def build(seed: int = SEED) -> Sample:
    d = Draw(seed)
    profiles = make_profiles(d)
    projects = [project_row(d, p) for p in profiles]
    providers = d.shuffle(PROVIDERS)  # real lists are not grouped by type
    rows = [resource_row(d, i, r) for i, r in enumerate(providers, start=1)]
    sample = Sample(
        profiles,
        providers,
        projects,
        [zh for zh, _ in rows],
        [en for _, en in rows],
        judge_all(d, profiles, providers),
    )
    for table in (sample.projects, sample.resources, sample.resources_en):
        _safe(table)
    return sample


def generate(seed: int = SEED) -> dict[str, bytes]:
    """All output files (relative path -> bytes) plus the statistics report under 'report'."""
    s = build(seed)
    ids = [row["资源方编号"] for row in s.resources]
    qrels = [
        {"project_id": p.project_id, "resource_id": ids[j], "grade": str(s.grades[i, j])}
        for i, p in enumerate(s.profiles)
        for j in range(len(ids))
        if s.grades[i, j] > 0
    ]
    return {
        "sample/projects.csv": _csv_bytes(PROJECT_HEADERS, s.projects, bom=True),
        "sample/resources.csv": _csv_bytes(RESOURCE_HEADERS, s.resources, bom=True),
        "sample/resources.xlsx": _xlsx_bytes(s.resources_en),
        "dev/qrels.csv": _csv_bytes(["project_id", "resource_id", "grade"], qrels, bom=False),
        "report": report(s).encode(),
    }


def report(s: Sample) -> str:
    profiles, projects, grades = s.profiles, s.projects, s.grades
    lines = [f"projects {len(profiles)}, resources {len(s.providers)}"]
    lines.append(
        "tracks: " + ", ".join(f"{t} {c}" for t, c in Counter(p.track for p in profiles).items())
    )
    lines.append(
        "stages: " + ", ".join(f"{st} {sum(p.stage == st for p in profiles)}" for st in STAGES)
    )
    lines.append(
        "types: " + ", ".join(f"{t} {c}" for t, c in Counter(r.type for r in PROVIDERS).items())
    )
    lines.append("grades: " + ", ".join(f"{g}: {int((grades == g).sum())}" for g in range(4)))
    ge2 = (grades >= 2).sum(axis=1)
    ge1 = (grades >= 1).sum(axis=1)
    lines.append(
        f"per project grade>=2: min {ge2.min()}, median {np.median(ge2):.0f}, "
        f"mean {ge2.mean():.1f}, max {ge2.max()}; in 3..15: {((ge2 >= 3) & (ge2 <= 15)).mean():.0%}"
    )
    lines.append(
        f"per project grade>=1: mean {ge1.mean():.1f}; "
        f"with a grade-3 pair: {(grades == 3).any(axis=1).mean():.0%}; "
        f"with no grade>=2 pair: {int((ge2 == 0).sum())}"
    )
    true_total = sum(len(p.needs) for p in profiles)
    prose_only = sum(
        n not in row["需求"]
        for p, row in zip(profiles, projects, strict=True)
        for n in [NEED_LABEL[k] for k in p.needs]
    )
    lines.append(f"true needs only in the description: {prose_only / true_total:.0%}")
    stage_off = sum(
        row["阶段"] != STAGE_LABEL[p.stage] for p, row in zip(profiles, projects, strict=True)
    )
    false_need = sum(
        any(NEED_LABEL[n] in row["需求"].split(";") for n in NEEDS if n not in p.needs)
        for p, row in zip(profiles, projects, strict=True)
    )
    lines.append(
        f"阶段 column differs from the true stage: {stage_off}; "
        f"需求 column lists a need that is not current: {false_need}"
    )
    lines.append(
        f"providers with exclusions in prose: {sum(bool(r.excl) for r in s.providers)}; "
        f"服务赛道 empty: {sum(not row['服务赛道'] for row in s.resources)}; "
        f"服务阶段 empty: {sum(not row['服务阶段'] for row in s.resources)}"
    )
    lengths = [len(row["项目简介"]) for row in projects]
    lines.append(
        f"description length: min {min(lengths)}, max {max(lengths)}, "
        f"distinct {len(set(row['项目简介'] for row in projects))}/{len(projects)}"
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    files = generate(args.seed)
    for rel, data in files.items():
        if rel == "report":
            continue
        path = args.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    sys.stdout.write(files["report"].decode())


if __name__ == "__main__":
    main()
