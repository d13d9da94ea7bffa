"""Records and vocabularies: the language of the domain (English keys ↔ Chinese labels)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text.fold import fold_key


@dataclass(frozen=True)
class Vocabulary:
    """A closed set of keys, each with a Chinese label and extra spellings people use."""

    name: str
    labels: dict[str, str]  # key -> Chinese label, in a meaningful order
    aliases: dict[str, str] = field(default_factory=dict)  # spelling -> key

    def parse(self, value: str) -> str | None:
        """The key for a key, label or alias (case- and width-insensitive), else None."""
        text = fold_key(value)
        if not text:
            return None
        for key, label in self.labels.items():
            if text in (fold_key(key), fold_key(label)):
                return key
        return self.aliases.get(text)

    def label(self, key: str) -> str:
        return self.labels[key]

    def allowed(self) -> str:
        """Allowed values as an error message shows them."""
        return "、".join(f"{k} {v}" for k, v in self.labels.items())

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.labels)


def _aliases(pairs: dict[str, str]) -> dict[str, str]:
    return {fold_key(k): v for k, v in pairs.items()}


TRACK = Vocabulary(
    "track",
    {
        "device": "医疗器械与智能制造",
        "drug": "创新医药与生物制品",
        "ai": "AI医疗与健康管理",
        "tcm": "中医药传承创新",
    },
    _aliases(
        {
            "医疗器械": "device",
            "器械": "device",
            "智能制造": "device",
            "创新医药": "drug",
            "生物制品": "drug",
            "医药": "drug",
            "创新药": "drug",
            "ai医疗": "ai",
            "健康管理": "ai",
            "人工智能": "ai",
            "数字医疗": "ai",
            "中医药": "tcm",
            "中医": "tcm",
            "中药": "tcm",
        }
    ),
)

STAGE = Vocabulary(
    "stage",
    {
        "concept": "概念/机理验证",
        "prototype": "原型/概念验证",
        "preclinical": "临床前",
        "clinical": "临床试验",
        "registration": "注册申报",
        "market": "上市/产业化",
    },
    _aliases(
        {
            "概念": "concept",
            "机理验证": "concept",
            "概念验证阶段": "prototype",
            "原型": "prototype",
            "样机": "prototype",
            "概念验证": "prototype",
            "临床": "clinical",
            "临床阶段": "clinical",
            "注册": "registration",
            "申报": "registration",
            "上市": "market",
            "产业化": "market",
            "已上市": "market",
        }
    ),
)

NEED = Vocabulary(
    "need",
    {
        "funding": "融资",
        "clinical": "临床资源/临床试验",
        "registration": "注册申报",
        "manufacturing": "生产制造/中试",
        "space": "场地/孵化空间",
        "ip": "知识产权",
        "rnd": "研发/技术平台",
        "market": "市场渠道",
        "talent": "人才",
        "policy": "政策申报",
    },
    _aliases(
        {
            "资金": "funding",
            "投资": "funding",
            "贷款": "funding",
            "授信": "funding",
            "临床资源": "clinical",
            "临床试验": "clinical",
            "临床": "clinical",
            "注册": "registration",
            "法规": "registration",
            "生产制造": "manufacturing",
            "中试": "manufacturing",
            "生产": "manufacturing",
            "场地": "space",
            "孵化空间": "space",
            "孵化": "space",
            "专利": "ip",
            "ip": "ip",
            "研发": "rnd",
            "技术平台": "rnd",
            "研发平台": "rnd",
            "市场": "market",
            "渠道": "market",
            "销售渠道": "market",
            "政策": "policy",
        }
    ),
)

RESOURCE_TYPE = Vocabulary(
    "type",
    {
        "bank": "银行",
        "investor": "投资机构",
        "pharma": "药企",
        "device_maker": "器械企业",
        "park": "产业园/孵化器",
        "hospital": "医院",
        "university": "高校/科研院所",
        "cro": "CRO",
        "cdmo": "CDMO/CMO",
        "ip_service": "知识产权服务",
        "regulatory": "注册法规咨询",
        "government": "政府/政策基金",
        "exchange": "股权交易市场",
    },
    _aliases(
        {
            "投资": "investor",
            "基金": "investor",
            "vc": "investor",
            "器械企业": "device_maker",
            "医疗器械企业": "device_maker",
            "device maker": "device_maker",
            "产业园": "park",
            "孵化器": "park",
            "园区": "park",
            "高校": "university",
            "科研院所": "university",
            "大学": "university",
            "cdmo": "cdmo",
            "cmo": "cdmo",
            "知识产权": "ip_service",
            "注册法规": "regulatory",
            "法规咨询": "regulatory",
            "政府": "government",
            "政策基金": "government",
            "股权交易": "exchange",
            "交易所": "exchange",
        }
    ),
)

REGION = Vocabulary(
    "region",
    {"beijing": "北京", "tianjin": "天津", "hebei": "河北", "other": "其他"},
    _aliases({"北京市": "beijing", "天津市": "tianjin", "河北省": "hebei"}),
)

# The order of stages matters: providers serve ranges of them.
STAGE_ORDER = {key: i for i, key in enumerate(STAGE.keys)}

# Short labels for reasons, where the vocabulary's label is too long for one line.
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

# How much a shared region matters, by provider type (space, local policy and banks; not investors).
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
REGION_MATTERS = 1.0  # types with this weight: reasons say "同在…" or "注意：地区不同"

# Providers that develop, make or test the product itself (a biologics CDMO, a device maker, a
# cardiology centre, a research institute): a project outside their specialty is rarely of use to
# them. Money, space, policy and services (banks, investors, parks, CROs, consultancies) are not.
SPECIALIST_TYPES = ("pharma", "device_maker", "cdmo", "hospital", "university")

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

LIST_SEPARATORS = re.compile(r"[;；、,，]")


@dataclass(frozen=True)
class Project:
    """A research project looking for partners."""

    project_id: str
    title: str
    description: str = ""
    track: str = ""  # TRACK key
    stage: str = ""  # STAGE key
    needs: tuple[str, ...] = ()  # NEED keys
    region: str = ""  # REGION key, "" when unknown
    institution: str = ""

    @property
    def text(self) -> str:
        """What the text signals read."""
        return f"{self.title}。{self.description}".strip("。")


@dataclass(frozen=True)
class Resource:
    """A resource provider; empty `tracks` / `stages` mean it serves all of them."""

    resource_id: str
    name: str
    type: str  # RESOURCE_TYPE key
    description: str = ""
    offers: tuple[str, ...] = ()  # NEED keys
    tracks: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    region: str = ""
    capacity: int = 8  # meetings it can take at one event

    @property
    def text(self) -> str:
        return f"{self.name}。{self.description}".strip("。")

    def serves_track(self, track: str) -> bool:
        return not self.tracks or track in self.tracks

    def serves_stage(self, stage: str) -> bool:
        return not self.stages or stage in self.stages
