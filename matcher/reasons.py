"""Short Chinese reasons for a match, e.g. `需求匹配：融资、临床；赛道：医疗器械；内容相近：冠脉、介入`."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property

import jieba

from . import specialties, taxonomy
from .features import PairFeaturizer
from .schema import (
    NEED,
    NEED_SHORT,
    REGION,
    REGION_MATTERS,
    STAGE,
    TRACK_SHORT,
    Project,
    Resource,
)
from .signals import NEED_BIT, STAGE_BIT, TRACK_BIT, specialty_missed, stage_distance
from .taxonomy import label
from .text.fold import same_organisation
from .text.lexical import words as content_words

_CLASS_LABEL = {1: "一类", 2: "二类"}

# Words too common in this domain to explain a match ("内容相近：支持、合作" says nothing).
FILLER = frozenset(
    [
        "支持",
        "合作",
        "中心",
        "创新",
        "正在",
        "服务",
        "企业",
        "技术",
        "研发",
        "医疗",
        "医院",
        "产品",
        "平台",
        "临床",
        "发展",
        "提供",
        "资源",
        "需求",
        "阶段",
        "项目",
        "团队",
        "希望",
        "能力",
        "国内",
        "国际",
        "领先",
        "实现",
        "完成",
        "推进",
        "相关",
        "重点",
        "优先",
        "具备",
        "核心",
        "关键",
        "专业",
        "系统",
        "研究",
        "生物",
        "医药",
        "健康",
        "科技",
        "国家",
        "北京",
        "天津",
        "河北",
        "地区",
        "申报",
        "注册",
        "融资",
        "投资",
        "资金",
        "市场",
        "生产",
        "转化",
        "成果",
        "设备",
        "器械",
        "治疗",
        "患者",
        "疾病",
        "诊断",
        "检测",
        "应用",
        "领域",
        "方向",
        "开发",
        "建设",
        "提升",
        "数据",
        "智能",
        "新型",
        "药物",
        "中医药",
        "临床试验",
        "产业化",
        "上市",
        "孵化",
        "园区",
        "基金",
        "银行",
        "贷款",
        "对接",
        "方面",
        "包括",
        "以及",
        "可以",
        "一体化",
        "全国",
        "多家",
        "我们",
        "已经",
        "目前",
        "未来",
        "领先",
        "首个",
        "首款",
        "自主",
        "国产",
        "高端",
        "合作伙伴",
        "全流程",
        "一站式",
        # common in the shipped sample's lists, and as empty
        "机构",
        "处于",
        "聚焦",
        "来自",
        "万元",
        "亿元",
        "特色",
        "单位",
        "解决",
        "问题",
        "熟悉",
    ]
)


# A word this common in general Chinese (jieba's dictionary counts: 一次 19k, 主任 14k, 计划 20k;
# 冠脉 25, 抗体 478, 软件 4.6k) says nothing of a match, however rare it is in a small catalogue,
# unless the taxonomy uses it (细胞, 材料, 分子).
GENERAL_WORD_COUNT = 5000


def is_general_word(word: str) -> bool:
    """A word too common in everyday Chinese to explain a match."""
    jieba.dt.check_initialized()  # loads the dictionary's counts once
    return jieba.dt.FREQ.get(word, 0) >= GENERAL_WORD_COUNT and word not in _taxonomy_words()


@cache
def _taxonomy_words() -> str:
    return " ".join(f"{node.label} {node.cues}" for node in taxonomy.NODES)


@dataclass(frozen=True)
class WordStats:
    """Content words of every record and their idf: what "内容相近" is picked from."""

    project_words: list[set[str]]
    resource_words: list[set[str]]
    idf: dict[str, float]

    @classmethod
    def of_records(
        cls,
        projects: Sequence[Project],
        resources: Sequence[Resource],
        base: WordStats | None = None,
    ) -> WordStats:
        """Words of these records; idf over the providers (or `base`'s providers and idf)."""
        project_words = [set(content_words(p.text)) for p in projects]
        if base is not None:
            return cls(project_words, base.resource_words, base.idf)
        resource_words = [set(content_words(r.text)) for r in resources]
        df = Counter(w for ws in resource_words for w in ws)
        n = len(resource_words)
        return cls(
            project_words, resource_words, {w: math.log((1 + n) / (1 + c)) for w, c in df.items()}
        )


class Explainer:
    """Builds the reason text of any (project index, provider index) of a featurizer."""

    def __init__(
        self,
        featurizer: PairFeaturizer,
        words: WordStats | None = None,
        excluded: Callable[[int, int], bool] | None = None,
    ) -> None:
        """`excluded(i, j)`: the ranker's veto, when it has computed it already."""
        self.f = featurizer
        self._given_words = words
        self._excluded = excluded

    @cached_property
    def words(self) -> WordStats:
        if self._given_words is not None:
            return self._given_words
        return WordStats.of_records(self.f.projects, self.f.resources)

    def matched_needs(self, i: int, j: int) -> list[str]:
        p, r = self.f.project_profiles, self.f.resource_profiles
        wanted = int(p.needs_field[i]) | int(p.needs_text[i])
        offered = int(r.needs_field[j]) | int(r.needs_text[j])
        return [key for key in NEED.keys if wanted & offered & NEED_BIT[key]]

    def excluded_by(self, i: int, j: int) -> str:
        """The provider's clause that excludes this project, or ''."""
        hit = self._excluded(i, j) if self._excluded else bool(self.f.excluded([i])[0, j])
        return self.f.resource_profiles.exclusion_text[j] if hit else ""

    def specialty(self, i: int, j: int) -> str:
        """ "专长匹配：冠脉" when the provider's specialty covers the project's, else ''."""
        fits = specialties.best_fits(
            self.f.project_profiles.specialties[i], self.f.resource_profiles.specialties[j]
        )
        good = [(score, key) for score, key in fits.values() if score >= specialties.SIBLING]
        if not good:
            return ""
        best = max(score for score, _ in good)
        labels = list(dict.fromkeys(label(key) for score, key in good if score == best))
        prefix = "专长匹配：" if best >= specialties.BROADER_PROJECT else "专长相近："
        return prefix + "、".join(labels[:2])

    def scope_notices(self, i: int, j: int) -> list[str]:
        """What the provider serves, when the project is clearly outside it: the facts `track_fit`
        and `stage_fit` weigh at their lowest level (a track column without the project's track
        nor a prose focus on it; stages, column else prose, two or more steps away), and a device
        class above every class the provider names (`device_class_beyond`), and the specialties of
        a specialist that does not cover the project (`specialty_miss`)."""
        project, resource = self.f.projects[i], self.f.resources[j]
        projects, resources = self.f.project_profiles, self.f.resource_profiles
        notices = []
        focus = int(resources.track_focus[j]) & TRACK_BIT.get(project.track, 0)
        if project.track and resource.tracks and project.track not in resource.tracks and not focus:
            notices.append("注意：服务赛道为" + "、".join(TRACK_SHORT[t] for t in resource.tracks))
        steps = stage_distance(projects.stages[i : i + 1], resources.stages[j : j + 1])[0, 0]
        if steps >= 2:
            served = [k for k in STAGE.keys if int(resources.stages[j]) & STAGE_BIT[k]]
            notices.append("注意：服务阶段为" + "、".join(STAGE.label(k) for k in served))
        named = int(resources.device_class[j])
        if 0 < named < int(projects.device_class[i]):
            notices.append(f"注意：资源方只提及{_CLASS_LABEL[named]}及以下器械")
        theirs = resources.specialties[j]
        if theirs and specialty_missed(projects.specialties[i], theirs, int(resources.kind[j])):
            made = [k for k in theirs if k.split(":")[0] in specialties.PRODUCT_KINDS] or theirs
            notices.append("注意：资源方专长为" + "、".join(label(k) for k in made[:3]))
        return notices

    def content_terms(self, i: int, j: int, limit: int = 3) -> list[str]:
        """The rarest content words both texts share, without the domain's filler words and
        words common in everyday Chinese."""
        stats = self.words
        common = sorted(
            stats.project_words[i] & stats.resource_words[j],
            key=lambda w: (-stats.idf.get(w, 0.0), w),
        )
        terms = [
            w
            for w in common
            if len(w) > 1
            and w not in FILLER
            and not (w.isascii() and len(w) < 3)
            and not is_general_word(w)
        ]
        return terms[:limit]

    def __call__(self, i: int, j: int) -> str:
        project, resource = self.f.projects[i], self.f.resources[j]
        parts: list[str] = []
        specialty = self.specialty(i, j)
        if specialty:
            parts.append(specialty)
        needs = self.matched_needs(i, j)
        if needs:
            parts.append("需求匹配：" + "、".join(NEED_SHORT[n] for n in needs))
        if project.stage and resource.serves_stage(project.stage):
            parts.append("阶段：" + STAGE.label(project.stage))
        if project.track and resource.serves_track(project.track):
            focus = int(self.f.resource_profiles.track_focus[j]) & TRACK_BIT[project.track]
            prefix = "赛道：" if resource.tracks or not focus else "赛道（专注）："
            parts.append(prefix + TRACK_SHORT[project.track])
        terms = [t for t in self.content_terms(i, j, limit=4) if t not in specialty]
        terms = terms[: 2 if specialty else 3]
        if terms:
            parts.append("内容相近：" + "、".join(terms))
        regional = self.f.region_weight[j] >= REGION_MATTERS
        if regional and project.region and resource.region:
            if project.region == resource.region:
                parts.append("同在" + REGION.label(project.region))
            else:
                parts.append("注意：地区不同")
        parts += self.scope_notices(i, j)
        clause = self.excluded_by(i, j)
        if clause:
            parts.append(f"注意：资源方说明「{clause}」")
        if project.institution and same_organisation(project.institution, resource.name):
            parts.append("注意：同一单位（弱匹配）")
        return "；".join(parts) or "综合相似度"
