"""Domain concepts found in free text: needs, tracks and stages (specialties: `taxonomy`).

One regular expression per concept, matched on folded text (`matcher.text.fold`). These cues
are what a technology-transfer expert reads between the lines of a description.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text.fold import fold


@dataclass(frozen=True)
class Concept:
    key: str
    kind: str  # need | track | stage (labels live in schema)
    pattern: re.Pattern[str]


# An ASCII word boundary: Python's \b treats Chinese characters as word characters, so "胸部ct"
# would not match \bct\b while "pct" would match a bare "ct".
_ASCII_BOUNDARY = r"(?:(?<![a-z0-9])(?=[a-z0-9])|(?<=[a-z0-9])(?![a-z0-9]))"


def _c(key: str, kind: str, pattern: str) -> Concept:
    return Concept(key, kind, re.compile(pattern.replace(r"\b", _ASCII_BOUNDARY)))


NEED_CUES = (
    _c(
        "funding",
        "need",
        r"融资|资金|投资|贷|授信|天使|种子轮|\bpre-?(?:a|b|ipo)\b|[a-d]\+?轮|估值|股权|资本|债权|募资|拟融|\bseries\b|\bvc\b|概念验证基金|\bpoc基金|经费|缺口|费用.{0,3}\d",
    ),
    _c(
        "clinical",
        "need",
        r"临床试验|临床研究|临床资源|临床合作|多中心|入组|受试者|[i1ⅰ]{1,3}期|ⅱ期|ⅲ期|\bgcp\b|临床验证|临床评价|伦理|临床基地|研究者|\bpi\b|牵头|\bfih\b|首次人体|\biit\b|真实世界|临床数据|临床证据|循证|病例|合作.{0,3}医院|医院.{0,6}合作|[二三]级医院|研究中心|临床中心|[科室](?:医生|专家|资源)",
    ),
    _c(
        "registration",
        "need",
        r"注册|\bnmpa\b|\bfda\b|\b510\(?k\)?|ce认证|\bce\b|三类证|二类证|[一二三]类器械|\bind\b|\bnda\b|\bpma\b|审评|法规|型检|取证|发补|申报资料|如何申报|怎么申报|分类界定|备案|注册证|合规",
    ),
    _c(
        "manufacturing",
        "need",
        r"中试|量产|规模化生产|生产|\bgmp\b|\bcdmo\b|\bcmo\b|\boem\b|放大|工艺|产线|车间|代工|委托生产|批量|良率|手工|打样|灌装|制备|产能",
    ),
    _c("space", "need", r"场地|孵化|入驻|厂房|办公|实验室空间|工位|空间"),
    _c(
        "ip",
        "need",
        r"专利|知识产权|\bpct\b|商标|侵权|\bfto\b|自由实施|布局|职务发明|成果转化|技术转让|转让|许可|作价入股",
    ),
    _c(
        "rnd",
        "need",
        r"研发平台|技术平台|合作研发|联合研发|(?:联合|合作|共同|一起)开发|开发硬件|工程化|动物实验|动物试验|动物模型|检测平台|共性平台|药效|药理|毒理|\bglp\b|生物相容性|数据标注|共建|联合攻关|技术合作|工艺开发",
    ),
    _c(
        "market",
        "need",
        r"渠道|市场|销售|推广|准入|集采|医保|经销|商业化|客户|挂网|进院|\bkol\b|出海|海外|国际化|\blicense|\bbd\b|收费编码|采购|订单(?!贷)|承接权益",
    ),
    _c("talent", "need", r"人才|招聘|团队建设|引才|博士后|合伙人|工程师|研发总监|技术总监"),
    _c("policy", "need", r"政策|补贴|专项|申报项目|奖励|揭榜|首台套|扶持|资助"),
)

TRACK_CUES = (
    _c(
        "device",
        "track",
        r"医疗器械|器械|耗材|支架|植入|体外诊断|\bivd\b|手术机器人|可穿戴|康复设备|影像设备|导管|监护",
    ),
    _c(
        "drug",
        "track",
        r"创新药|新药|生物药|生物医药|创新医药|生物制品|抗体|单抗|双抗|\badc\b|小分子|细胞治疗|基因治疗|疫苗|\bmrna\b|多肽|\bcar-?t\b|药物",
    ),
    _c(
        "ai",
        "track",
        r"\bai\b|人工智能|算法|数字医疗|数字疗法|互联网医疗|健康管理|大模型|\bsaas\b|软件|深度学习|机器学习",
    ),
    _c(
        "tcm",
        "track",
        r"中医|中药|经典名方|配方颗粒|针灸|道地药材|院内制剂|中成药|汤剂|草本",
    ),
)

STAGE_CUES = (
    _c("concept", "stage", r"概念阶段|机理|早期|种子|基础研究|实验室阶段|\bidea\b"),
    _c("prototype", "stage", r"样机|原型|概念验证|\bpoc\b|\bdemo\b"),
    _c("preclinical", "stage", r"临床前|动物实验|药效学|毒理|ind前"),
    _c("clinical", "stage", r"临床试验|[i1ⅰ]{1,3}期临床|ⅱ期|ⅲ期|入组|多中心"),
    _c("registration", "stage", r"注册申报|取证|\bnda\b|审评|申报注册"),
    _c("market", "stage", r"已上市|产业化|营收|销售收入|已获.{0,4}证|量产|盈利"),
)


def find(text: str, cues: tuple[Concept, ...]) -> list[Concept]:
    """Concepts whose cue appears in the text, in vocabulary order."""
    folded = fold(text)
    return [c for c in cues if c.pattern.search(folded)]


def keys(text: str, cues: tuple[Concept, ...]) -> set[str]:
    return {c.key for c in find(text, cues)}
