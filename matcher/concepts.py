"""Domain concepts found in free text: needs, tracks, stages, modalities, regions.

One regular expression per concept, matched on NFKC-normalised lower-case text. These cues
are what a technology-transfer expert reads between the lines of a description.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text.lexical import normalise


@dataclass(frozen=True)
class Concept:
    key: str
    kind: str  # need | track | stage | modality | area | region
    label: str  # short Chinese label for reasons
    pattern: re.Pattern[str]


# An ASCII word boundary: Python's \b treats Chinese characters as word characters, so "胸部ct"
# would not match \bct\b while "pct" would match a bare "ct".
_ASCII_BOUNDARY = r"(?:(?<![a-z0-9])(?=[a-z0-9])|(?<=[a-z0-9])(?![a-z0-9]))"


def _c(key: str, kind: str, label: str, pattern: str) -> Concept:
    return Concept(key, kind, label, re.compile(pattern.replace(r"\b", _ASCII_BOUNDARY)))


NEED_CUES = (
    _c(
        "funding",
        "need",
        "融资",
        r"融资|资金|投资|贷款|授信|天使轮|\bpre-?a\b|a\+?轮|b轮|估值|股权|资本|科技贷|债权|投贷",
    ),
    _c(
        "clinical",
        "need",
        "临床",
        r"临床试验|临床研究|临床资源|临床合作|多中心|入组|受试者|[i1ⅰ]{1,3}期|ⅱ期|ⅲ期|\bgcp\b|临床验证|临床评价|伦理|临床基地|研究者|\bpi\b|牵头",
    ),
    _c(
        "registration",
        "need",
        "注册申报",
        r"注册|\bnmpa\b|\bfda\b|\b510\(?k\)?|ce认证|\bce\b|三类证|二类证|\bind\b|\bnda\b|审评|法规|型检|取证|发补|申报资料",
    ),
    _c(
        "manufacturing",
        "need",
        "生产/中试",
        r"中试|量产|规模化生产|生产|\bgmp\b|\bcdmo\b|\bcmo\b|放大|工艺|产线|车间|代工|委托生产|批量",
    ),
    _c("space", "need", "场地", r"场地|孵化|入驻|厂房|办公|实验室空间|工位|空间"),
    _c("ip", "need", "知识产权", r"专利|知识产权|\bpct\b|商标|侵权|\bfto\b|自由实施|布局"),
    _c(
        "rnd",
        "need",
        "研发平台",
        r"研发平台|技术平台|合作研发|联合研发|动物实验|检测平台|共性平台|药效|药理|毒理|数据标注|共建|联合攻关|技术合作",
    ),
    _c(
        "market",
        "need",
        "市场渠道",
        r"渠道|市场|销售|推广|准入|集采|医保|经销|商业化|客户|挂网|进院",
    ),
    _c("talent", "need", "人才", r"人才|招聘|团队建设|引才|博士后|合伙人"),
    _c("policy", "need", "政策", r"政策|补贴|专项|申报项目|奖励|揭榜|首台套|扶持|资助"),
)

TRACK_CUES = (
    _c(
        "device",
        "track",
        "医疗器械",
        r"医疗器械|器械|耗材|支架|植入|体外诊断|\bivd\b|手术机器人|可穿戴|康复设备|影像设备|导管|监护",
    ),
    _c(
        "drug",
        "track",
        "创新药",
        r"创新药|新药|生物药|生物医药|创新医药|生物制品|抗体|单抗|双抗|\badc\b|小分子|细胞治疗|基因治疗|疫苗|\bmrna\b|多肽|\bcar-?t\b|药物",
    ),
    _c(
        "ai",
        "track",
        "AI医疗",
        r"\bai\b|人工智能|算法|数字医疗|数字疗法|互联网医疗|健康管理|大模型|\bsaas\b|软件|深度学习|机器学习",
    ),
    _c(
        "tcm",
        "track",
        "中医药",
        r"中医|中药|经典名方|配方颗粒|针灸|道地药材|院内制剂|中成药|汤剂|草本",
    ),
)

STAGE_CUES = (
    _c("concept", "stage", "概念验证", r"概念阶段|机理|早期|种子|基础研究|实验室阶段|\bidea\b"),
    _c("prototype", "stage", "原型", r"样机|原型|概念验证|\bpoc\b|\bdemo\b"),
    _c("preclinical", "stage", "临床前", r"临床前|动物实验|药效学|毒理|ind前"),
    _c("clinical", "stage", "临床", r"临床试验|[i1ⅰ]{1,3}期临床|ⅱ期|ⅲ期|入组|多中心"),
    _c("registration", "stage", "注册", r"注册申报|取证|\bnda\b|审评|申报注册"),
    _c("market", "stage", "上市", r"已上市|产业化|营收|销售收入|已获.{0,4}证|量产|盈利"),
)

MODALITY_CUES = (
    _c("small_molecule", "modality", "小分子", r"小分子"),
    _c("antibody", "modality", "抗体", r"单抗|双抗|抗体|大分子|生物药"),
    _c("adc", "modality", "ADC", r"\badc\b|偶联"),
    _c(
        "cell_therapy",
        "modality",
        "细胞治疗",
        r"细胞治疗|\bcar-?t\b|\bcar-?nk\b|干细胞|nk细胞|免疫细胞|细胞(与|和|及)?基因|\bcgt\b|细胞疗法|细胞产品",
    ),
    _c(
        "gene_therapy",
        "modality",
        "基因治疗",
        r"基因治疗|\baav\b|基因编辑|\bcrispr\b|细胞(与|和|及)?基因|\bcgt\b|碱基编辑",
    ),
    _c("nucleic_acid", "modality", "核酸", r"\bmrna\b|\bsirna\b|核酸|寡核苷酸"),
    _c("vaccine", "modality", "疫苗", r"疫苗"),
    _c("peptide", "modality", "多肽", r"多肽|肽类"),
    _c("ivd", "modality", "体外诊断", r"体外诊断|\bivd\b|试剂盒|检测试剂|\bpoct\b"),
    _c("implant", "modality", "植入", r"植入|支架|假体|人工关节|骨钉"),
    _c("robot", "modality", "机器人", r"机器人"),
    _c("imaging", "modality", "影像", r"影像|\bct\b|\bmri\b|超声|内镜|x光|造影"),
    _c("wearable", "modality", "可穿戴", r"可穿戴|手环|贴片|远程监测"),
    _c("tcm_formula", "modality", "经典名方", r"经典名方|复方|汤剂|院内制剂|中成药"),
    _c("tcm_granule", "modality", "配方颗粒", r"配方颗粒|颗粒剂|饮片"),
    _c("tcm_device", "modality", "中医设备", r"针灸|艾灸|脉诊|舌诊|诊疗设备|推拿|穴位"),
    _c("herb", "modality", "药材", r"道地药材|种植|药材"),
    _c("software", "modality", "软件", r"\bsaas\b|软件|平台系统|\bapp\b|小程序|云平台"),
)

AREA_CUES = (
    _c("cardio", "area", "心血管", r"心血管|冠脉|冠心病|心脏|心衰|心律|房颤|高血压|血管|介入"),
    _c("oncology", "area", "肿瘤", r"肿瘤|癌|实体瘤|淋巴瘤|白血病|抗肿瘤"),
    _c("ortho", "area", "骨科", r"骨科|骨折|关节|脊柱|骨质疏松|运动医学"),
    _c("neuro", "area", "神经", r"神经|脑卒中|卒中|帕金森|阿尔茨海默|癫痫|脑"),
    _c("ophthalmo", "area", "眼科", r"眼科|眼底|视网膜|青光眼|近视|白内障"),
    _c("metabolic", "area", "代谢", r"糖尿病|代谢|血糖|肥胖|减重"),
    _c("respiratory", "area", "呼吸", r"呼吸|肺|哮喘|慢阻肺|\bcopd\b"),
    _c("rehab", "area", "康复", r"康复|养老|老年"),
    _c("women_child", "area", "妇儿", r"妇科|产科|儿童|儿科|新生儿|妇儿"),
    _c("infection", "area", "感染", r"感染|抗菌|病毒|抗感染"),
    _c("digestive", "area", "消化", r"消化|胃|肠|肝"),
    _c("rare", "area", "罕见病", r"罕见病|孤儿药"),
)

SPECIALTIES = MODALITY_CUES + AREA_CUES


def find(text: str, cues: tuple[Concept, ...]) -> list[Concept]:
    """Concepts whose cue appears in the text, in vocabulary order."""
    folded = normalise(text)
    return [c for c in cues if c.pattern.search(folded)]


def keys(text: str, cues: tuple[Concept, ...]) -> set[str]:
    return {c.key for c in find(text, cues)}


LABELS = {c.key: c.label for c in SPECIALTIES}
