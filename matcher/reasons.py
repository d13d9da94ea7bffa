"""Short Chinese reasons for a match, e.g. `需求匹配：融资、临床；赛道：医疗器械；内容相近：冠脉、介入`."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import concepts as C
from .features import PairFeaturizer
from .schema import NEED, STAGE
from .signals import FACET_BIT, NEED_BIT, TRACK_BIT, org_key
from .text.lexical import words as content_words

NEED_SHORT = {
    "funding": "融资",
    "clinical": "临床",
    "registration": "注册",
    "manufacturing": "生产/中试",
    "space": "场地",
    "ip": "知识产权",
    "rnd": "研发平台",
    "market": "市场渠道",
    "talent": "人才",
    "policy": "政策",
}
TRACK_SHORT = {"device": "医疗器械", "drug": "创新药", "ai": "AI医疗", "tcm": "中医药"}
REGION_LABEL = {"beijing": "北京", "tianjin": "天津", "hebei": "河北", "other": "其他"}


@dataclass(frozen=True)
class WordStats:
    """Content words of every record and their idf: what "内容相近" is picked from."""

    project_words: list[set[str]]
    resource_words: list[set[str]]
    idf: dict[str, float]

    @classmethod
    def of(cls, project_words: list[set[str]], resource_words: list[set[str]]) -> WordStats:
        df = Counter(w for ws in project_words + resource_words for w in ws)
        n = len(project_words) + len(resource_words)
        return cls(
            project_words, resource_words, {w: math.log((1 + n) / (1 + c)) for w, c in df.items()}
        )


class Explainer:
    """Builds the reason text of any (project index, provider index) of a featurizer."""

    def __init__(self, featurizer: PairFeaturizer, words: WordStats | None = None) -> None:
        self.f = featurizer
        self._given_words = words

    @cached_property
    def words(self) -> WordStats:
        if self._given_words is not None:
            return self._given_words
        return WordStats.of(
            [set(content_words(p.text)) for p in self.f.projects],
            [set(content_words(r.text)) for r in self.f.resources],
        )

    def matched_needs(self, i: int, j: int) -> list[str]:
        p, r = self.f.project_profiles, self.f.resource_profiles
        wanted = int(p.needs_field[i]) | int(p.needs_text[i])
        offered = int(r.needs_field[j]) | int(r.needs_text[j])
        return [key for key in NEED.keys if wanted & offered & NEED_BIT[key]]

    def excluded_by(self, i: int, j: int) -> str:
        """The provider's clause that excludes this project, or ''."""
        r = self.f.resource_profiles
        facets = int(self.f.project_profiles.facets[i])
        hit = facets & int(r.exclude_any[j]) or any(
            int(rule) and not facets & int(rule) for rule in r.only[j]
        )
        return r.exclusion_text[j] if hit else ""

    def content_terms(self, i: int, j: int, limit: int = 3) -> list[str]:
        """Specialties both name first (冠脉 → 心血管), then the rarest shared words."""
        p, r = self.f.project_profiles, self.f.resource_profiles
        shared_spec = int(p.specialty[i]) & int(r.specialty[j])
        terms = [c.label for c in C.SPECIALTIES if shared_spec & FACET_BIT[f"spec:{c.key}"]]
        stats = self.words
        common = sorted(
            stats.project_words[i] & stats.resource_words[j],
            key=lambda w: (-stats.idf.get(w, 0.0), w),
        )
        for word in common:
            if len(terms) >= limit:
                break
            if len(word) > 1 and not (word.isascii() and len(word) < 3) and word not in terms:
                terms.append(word)
        return terms[:limit]

    def __call__(self, i: int, j: int) -> str:
        project, resource = self.f.projects[i], self.f.resources[j]
        parts: list[str] = []
        needs = self.matched_needs(i, j)
        if needs:
            parts.append("需求匹配：" + "、".join(NEED_SHORT[n] for n in needs))
        if project.track and resource.serves_track(project.track):
            focus = int(self.f.resource_profiles.track_focus[j]) & TRACK_BIT[project.track]
            prefix = "赛道：" if resource.tracks or not focus else "赛道（专注）："
            parts.append(prefix + TRACK_SHORT[project.track])
        if project.stage and resource.serves_stage(project.stage):
            parts.append("阶段：" + STAGE.label(project.stage))
        terms = self.content_terms(i, j)
        if terms:
            parts.append("内容相近：" + "、".join(terms))
        if (
            project.region
            and project.region == resource.region
            and resource.type in ("bank", "park", "government")
        ):
            parts.append("同在" + REGION_LABEL[project.region])
        if (
            self.f.project_profiles.region[i] >= 0
            and resource.region
            and project.region != resource.region
            and resource.type in ("bank", "park", "government")
        ):
            parts.append("注意：地区不同")
        if (
            bool(np.asarray(self.f.resource_profiles.exclude_any[j]))
            or self.f.resource_profiles.only[j].any()
        ):
            clause = self.excluded_by(i, j)
            if clause:
                parts.append(f"注意：资源方说明「{clause}」")
        if project.institution and _same_org(project.institution, resource.name):
            parts.append("注意：同一单位（弱匹配）")
        return "；".join(parts) or "综合相似度"


def _same_org(a: str, b: str) -> bool:
    x, y = org_key(a), org_key(b)
    return len(x) >= 2 and len(y) >= 2 and (x in y or y in x)
