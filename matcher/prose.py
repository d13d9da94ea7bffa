"""What free text says about scope: a project's current needs, a provider's exclusions,
the stages and tracks it serves. Rules read the way a technology-transfer expert reads.

Facets (`matcher.facets`) are names like `track:tcm`, `stage:concept`, `region:hebei`,
`modality:small_molecule`; an exclusion is "excluded if the project has any of these facets", an
"only" rule is "excluded unless the project has one of these facets".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import concepts as C
from . import facets, specialties
from .schema import REGION, STAGE, STAGE_ORDER, TRACK, Project
from .text.fold import fold

STAGES = STAGE.keys  # in order, concept → market

_CLAUSE = re.compile(r"[，。；;！!？?\n,]|(?<![0-9])\.(?![0-9])")  # not 、: it joins list items
# A sentence ends at a full stop or a line; a bracketed heading (【需求】) starts a new one.
_SENTENCE = re.compile(r"[。！!？?\n]|(?<![0-9])\.(?![0-9])|(?=【)")
_NEED_VERB = re.compile(
    r"需|急|亟|寻求|希望|缺|寻找|拟|计划|期待|诉求|对接|正在|欠缺|短板|瓶颈|求|想|待|准备|"
    r"不清楚|不知|如何|怎么|困难|难题|痛点|下一步|接下来|卡在|找|倾向|关注|欢迎|接触|争取|咨询|"
    r"\bnext\b|本轮|新一轮|融资进行中"
)
_NEGATION = re.compile(
    r"不考虑|不投资?|请勿|不接受|不接收|暂不(?!满足|符合|达到)|不做|不授信|不涉及|谢绝|不支持|"
    r"不参与|排除|不服务|不承接|不受理|不覆盖|无法承接|不予|不适合|不合作|不看|不对接|不在.{0,6}范围|"
    r"不属于|除外|不含(?![^，。；]{0,12}(?:费|税))|"  # "暂不满足上市条件的企业", "不含临床试验费用"
    r"不接(?!触|地|近|壤|轨)"  # "明确不接：细胞治疗" (不接触, 不接地 are no rules)
)
_NOT_A_LIMIT = re.compile(r"不限|不仅|不断|不同|不少|不错|均可")
# "要求" only where it states a condition on the project: "产品技术要求" is a document, not a rule
_ONLY = re.compile(
    r"仅|只(?!是|要|有一)|限于|限定|必须|须为|须已|需为|须在|需在|"
    r"要求(?=为|是|已|具备|在|企业|项目|注册|落地|取得|获得)|专门服务|专门面向|适用对象"
)
_FOCUS = re.compile(
    r"专注|聚焦|重点关注|主要投资|深耕|专门|专业从事|主攻|主要服务|服务范围|偏好|看好"
)
# A provider that serves its own place (主要服务河北本地企业, 面向区内企业): region then matters
# as it does for banks and parks. A soft reading; a rule (须在本区注册) is an "only" facet.
_LOCAL = re.compile(
    r"(?:服务|面向|扶持|支持|投资于)[^，。；：]{0,4}(?:本地|本省|省内|本市|市内|本区|区内|当地|属地)"
)
_ALL_TRACKS = re.compile(r"不限赛道|各赛道|全领域|各类医疗健康|全赛道|均可对接")
_ALL_STAGES = re.compile(r"不限.{0,2}阶段|各阶段|全阶段|早期到上市|全生命周期|均可服务")
_STAGE_CONTEXT = re.compile(r"阶段|期项目|项目阶段|企业$|产品")

# Stage groups named in prose → stage keys (checked before single stages).
_STAGE_GROUPS = (
    (re.compile(r"研发期|未上市|无收入|尚无收入|未盈利|在研|研发阶段"), STAGES[:5]),
    (re.compile(r"早期|种子|天使|初创|尚无样机"), STAGES[:2]),
    (re.compile(r"稳定经营收入|有收入|销售收入|营收|盈利|已获.{0,4}证|获证"), STAGES[5:]),
)
# Single stages as people write them; the official labels first ("原型/概念验证" is prototype).
_STAGE_MENTIONS = (
    (re.compile(r"原型/概念验证|样机|原型"), "prototype"),
    (re.compile(r"概念/机理验证|概念|机理"), "concept"),
    (re.compile(r"临床前"), "preclinical"),
    (re.compile(r"临床(?!前)|[i1ⅰⅱⅲ]{1,3}期"), "clinical"),
    # "注册" is a stage only where it reads as one: not in 注册地 / 注册企业 / 医疗器械注册 (a service)
    (
        re.compile(r"注册申报|注册阶段|注册审评|进入注册|注册(?=或|、|至|到)|申报阶段|审评"),
        "registration",
    ),
    (re.compile(r"上市|产业化|商业化|量产"), "market"),
)
_NOT_YET = re.compile(r"未(?:进入|开展|开始|启动|达到|完成)?|之前|以前")
_RANGE = re.compile(r"至|到|~|－|—")
_REGION_WORDS = (
    (re.compile(r"京外|北京以外|外地|非北京|北京市外"), ("tianjin", "hebei", "other")),
    (re.compile(r"津外|天津以外|非天津"), ("beijing", "hebei", "other")),
    (re.compile(r"冀外|河北以外|非河北"), ("beijing", "tianjin", "other")),
    (re.compile(r"京津冀以外|京津冀外|区域外"), ("other",)),
)
# Regions named plainly, read only in a requirement ("企业须在天津市注册", "仅限河北省内注册企业").
_REGION_NAMES = (
    (re.compile(r"京津冀"), ("beijing", "tianjin", "hebei")),
    (re.compile(r"北京|在京|京内"), ("beijing",)),
    (re.compile(r"天津|在津|津内"), ("tianjin",)),
    (re.compile(r"河北|在冀|冀内"), ("hebei",)),
)
# A requirement to hold a product licence is one to be on the market ("须已取得至少一项产品注册证").
_LICENSED = re.compile(r"(?:取得|获得|持有).{0,10}(?:注册证|批件|批准文号|生产许可)")
# Where a company is registered is not a stage: "在北京市注册、主营医疗器械" names no 注册申报.
_COMPANY_REGISTERED = re.compile(
    r"(?:在|于)[\u4e00-\u9fff]{1,6}注册|^[\u4e00-\u9fff]{1,5}(?:区|县|市|省)注册(?![申阶审证])"
)  # the second when a rule's cue took the 在: "须在|沽北区注册"
# A phase names part of the clinical stage: "暂不承接I期" does not exclude every clinical project.
_PHASE = re.compile(r"[i1ⅰⅱⅲ]{1,3}期")
# A software prototype is a stage ("须已具备样机或软件原型"), not a software product.
_PROTOTYPE_OF = re.compile(r"(?:软件|硬件)(?=原型|样机|demo)")
# Items of an excluded list: "中药和医疗器械项目暂不承接" names two things.
_LIST_JOIN = re.compile(r"[和及与、或/]|以及")
# Drug modalities broad enough that a drug naming no modality may well be one of them.
_BROAD_MODALITIES = {"modality:small_molecule", "modality:biologic"}
_OWN_REGION = re.compile(
    r"本市|本地|本省|本区|注册地在本|在京|京内|北京地区|在津|天津地区|河北地区|"
    r"[\u4e00-\u9fff]{1,5}(?:区|县)内?(?:注册|落地|落户)"  # 须在昌平区注册: a district of its own
)
# A list under a rule heading ("不看：" then "1. 创新药、细胞治疗" on its own line): each item is
# read as if the heading's rule word stood before it.
_ITEM = re.compile(
    r"^\s*(?:\d{1,2}\s*[.、．)）]|[（(]\d{1,2}[)）]|[①-⑳]|[一二三四五六七八九十][、.．]|"
    r"[-–•·▪■◆●►▶✗✘×❌])\s*"
)
_HEADING_END = re.compile(r"[:：]\s*$")
_ITEM_PUNCTUATION = " ；;。.，,：:"
_BARE_NAME = 6  # characters: 创新药, 医疗器械, 中药饮片
# A provider that serves only its own institution's people: "项目负责人须为本校或附属医院在编人员",
# "硬门槛：创始团队里至少有一位潞河医科大学校友", "只投有潞河师生或校友作为核心成员的项目". A rule
# on one service ("IIT须由本院在职人员担任负责人") is not: its cue is 须由, not 须为.
_MEMBERS = re.compile(r"校友|教职工|在职人员|在编人员|师生|本校|我院|本院")
_MEMBERS_RULE = re.compile(r"硬门槛|须为|只投|只服务|仅限|仅面向|至少有")
# An institution at the head of a provider's name: "潞河医科大学" of "潞河医科大学校友天使基金".
_INSTITUTION = re.compile(r"^.+?(?:大学|学院|医院|研究院|研究所)")
# A clause that sets a condition on the projects a provider takes, not something it offers.
_CONDITION = re.compile(
    r"须|要求|原则上|偏好|仅限|限于|主要服务处于|申报条件|准入|门槛|不低于|至少|适用对象|优先支持"
)
_HOLDING = re.compile(r"(?:持有|拥有|已有|取得|获得)[^，。；]{0,12}?(?:注册证|证书|许可证|批件)")
_DRUG_PRODUCT = re.compile(r"药品|药物|新药|生物医药|医药(?!.{0,2}器械)")


# Device classes (一类/二类/三类 as NMPA names them; Ⅲ folds to "iii"). Drug classes are written
# "1类"/"2类" or followed by 新药, and are not device classes; nor is a count ("分为三类").
_DEVICE_CLASSES = (
    (3, re.compile(r"(?:第三|(?<![为这那几共分])三|(?<![a-z])iii)类(?!新药|创新药|改良|药)")),
    (2, re.compile(r"(?:第二|(?<![为这那几共分])二|(?<![a-z])ii)类(?!新药|创新药|改良|药)")),
    (1, re.compile(r"(?:第一|(?<![同这那某每另任第a-z])一|(?<![a-z])i)类(?!新药|创新药|改良|药)")),
)


def device_class(text: str) -> int:
    """The highest device class a text names (3 for "三类证", "按Ⅲ类申报"), 0 when none."""
    folded = fold(text)
    return next((level for level, pattern in _DEVICE_CLASSES if pattern.search(folded)), 0)


def clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE.split(fold(text)) if c.strip()]


def need_clauses(text: str) -> list[str]:
    """The clauses that ask for something: from a need word ("希望", "急需", "下一步") to the end
    of its sentence, so the items that follow it count too ("正在寻找：①眼科；②新一轮融资").
    A clause that declines something ("暂不考虑注册") asks for nothing."""
    out: list[str] = []
    for sentence in _SENTENCE.split(fold(text)):
        asking = False
        for clause in (c.strip() for c in _CLAUSE.split(sentence)):
            asking = asking or bool(_NEED_VERB.search(clause))
            if clause and asking and not _NEGATION.search(clause):
                out.append(clause)
    return out


def current_needs(text: str) -> set[str]:
    """Needs a description states as current ("正在准备III期临床，需要大额融资")."""
    return {key for clause in need_clauses(text) for key in C.keys(clause, C.NEED_CUES)}


def need_text(text: str) -> str:
    """The clauses that say what the project needs now; the whole text when none does."""
    return "，".join(need_clauses(text)) or text


def positive_text(text: str) -> str:
    """The clauses that say what a provider does, without those that say what it does not."""
    return " ".join(c for c in clauses(text) if not _NEGATION.search(c) or _NOT_A_LIMIT.search(c))


def offer_text(text: str) -> str:
    """What a provider offers: its positive clauses without the conditions it sets on projects
    ("委托方须持有三类注册证", "原则上须已进入注册性临床") and without what it merely holds
    ("持有三类注册证40余张"), which name needs it does not serve."""
    kept = (
        _HOLDING.sub("", c)
        for c in clauses(text)
        if (not _NEGATION.search(c) or _NOT_A_LIMIT.search(c)) and not _CONDITION.search(c)
    )
    return " ".join(kept)


def names_a_drug(text: str) -> bool:
    return bool(_DRUG_PRODUCT.search(fold(text)))


def stage_mentions(phrase: str) -> list[str]:
    """Stages a phrase names, in order; "临床前至注册申报" names the whole range."""
    for pattern, group in _STAGE_GROUPS:
        if pattern.search(phrase):
            return list(group)
    found: list[tuple[int, str]] = []
    rest = phrase
    for pattern, key in _STAGE_MENTIONS:
        for m in pattern.finditer(rest):
            found.append((m.start(), key))
        rest = pattern.sub(lambda m: "＿" * len(m.group()), rest)  # keep offsets, avoid re-matching
    keys = [k for _, k in sorted(found)]
    if len(keys) >= 2 and _RANGE.search(phrase):
        lo, hi = sorted((STAGES.index(keys[0]), STAGES.index(keys[-1])))
        return list(STAGES[lo : hi + 1])
    return list(dict.fromkeys(keys))


def _stage_facets(phrase: str, rule: str) -> set[str]:
    """Stage facets of an exclusion ("不接受临床前项目" → that stage and earlier) or a requirement."""
    if rule == "exclude":
        phrase = _PHASE.sub("", phrase)
    stages = stage_mentions(_COMPANY_REGISTERED.sub("", phrase))
    if rule == "only" and _LICENSED.search(phrase):
        stages = ["market"]
    if not stages:
        return set()
    grouped = any(p.search(phrase) for p, _ in _STAGE_GROUPS)
    if not grouped and len(stages) == 1:
        index = STAGES.index(stages[0])
        if _NOT_YET.search(phrase):  # "尚未进入临床的项目" names the stages before clinical
            stages = list(STAGES[:index]) if rule == "exclude" else list(STAGES[index:])
        elif rule == "exclude" and stages[0] != "market":
            # not taking preclinical means not taking concept either
            stages = list(STAGES[: index + 1])
        elif rule == "only" and re.search(r"至少|已进入|已有|已完成|以上|及以后|具备|达到", phrase):
            stages = list(STAGES[index:])
    return {f"stage:{s}" for s in stages}


def target_facets(
    phrase: str, rule: str = "exclude", own_region: str = "", what_only: bool = False
) -> list[set[str]]:
    """Facets named by the object of an exclusion or "only" clause: one set per kind
    (what, stage, region), so an "only" clause can require each kind separately; with
    `what_only`, the first kind alone."""
    phrase = _PROTOTYPE_OF.sub("", phrase)
    named = specialties.find(phrase)
    what = {k for k in named if not k.startswith("area:")}
    if rule == "only":  # "仅限心血管领域（含AI软件）": any field it names lets a project in
        what = set(named) | _also_admitted(named, phrase)
    elif not what:  # "不做骨科耗材" is about orthopaedics, not every device
        what = {k for k in named if k.startswith("area:")}
    if rule == "exclude":  # "中药和医疗器械项目暂不承接": each item of the list on its own
        for item in _LIST_JOIN.split(phrase):
            # a listed item names a track only as a bare name ("创新药"), not inside a
            # qualified phrase ("只改剂型的改良型新药" is not every drug)
            bare = not what_only or len(item.strip(_ITEM_PUNCTUATION)) <= _BARE_NAME
            if bare and not specialties.find(item):
                what |= _named_tracks(item)
    elif not what:  # "不考虑小分子" is about a modality, not the whole drug track
        what = _named_tracks(phrase)
    if what_only:
        return [what] if what else []
    # "暂不承接放射性药物的临床试验": what it excludes, not the clinical stage
    stage = set() if rule == "exclude" and what else _stage_facets(phrase, rule)
    region = {
        f"region:{r}"
        for pattern, regions in _REGION_WORDS
        if pattern.search(phrase)
        for r in regions
    }
    if rule == "only" and not region:
        region = {f"region:{r}" for p, rs in _REGION_NAMES if p.search(phrase) for r in rs}
    if rule == "only" and own_region and _OWN_REGION.search(phrase):
        region.add(f"region:{own_region}")
    return [kind for kind in (what, stage, region) if kind]


def _also_admitted(named: list[str], phrase: str) -> set[str]:
    """What else a requirement naming these facets lets in. Without a disease area named: AI
    software admits the AI track, TCM the TCM track. 生物制品 (in Chinese regulation) admits cell
    and gene therapy; a rule on the broad drug modalities admits a drug that names none."""
    out = set()
    if not any(k.startswith("area:") for k in named):
        if any(k.startswith("product:software") for k in named):
            out.add("track:ai")
        if any(k.startswith("modality:tcm") for k in named):
            out.add("track:tcm")
    if "生物制品" in phrase:
        out.add("modality:cgt")
    if named and set(named) <= _BROAD_MODALITIES:
        out.add(facets.UNSTATED_MODALITY)
    return out


def _named_tracks(phrase: str) -> set[str]:
    tracks = {f"track:{c.key}" for c in C.find(phrase, C.TRACK_CUES)}
    if _DRUG_PRODUCT.search(phrase) and "中医药" not in phrase:
        tracks.add("track:drug")
    return tracks


@dataclass
class Scope:
    """What a provider's prose says about whom it serves."""

    exclude_any: set[str] = field(default_factory=set)
    only: list[set[str]] = field(default_factory=list)
    said: list[str] = field(default_factory=list)  # the clauses behind the rules, for reasons
    stages: set[str] = field(default_factory=set)  # stages named as served ({} = not said)
    tracks: set[str] = field(default_factory=set)  # tracks named as a focus ({} = not said)
    members_only: bool = False  # serves only its own institution's people


def listed_rules(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The items of lists under a rule heading ("不看：" then "1. 创新药、细胞治疗" on its own
    line), as (rule, item) with rule "exclude" or "only", and the text without them."""
    kept: list[str] = []
    items: list[tuple[str, str]] = []
    rule = ""
    for line in text.splitlines():
        item = _ITEM.match(line)
        if rule and item:
            items.append((rule, line[item.end() :]))
            continue
        kept.append(line)
        rule = ""
        if _HEADING_END.search(line):
            negation = _NEGATION.search(line)
            cue = negation or _ONLY.search(line)
            rest = line[cue.end() :] if cue else ""
            if cue and not specialties.find(rest) and not _named_tracks(rest):
                rule = "exclude" if negation else "only"
    return "\n".join(kept), items


def provider_scope(text: str, region: str = "") -> Scope:
    """Read exclusions, requirements, served stages and focus tracks from a provider's prose."""
    scope = Scope()
    own_region = region if region in REGION.keys and region != "other" else ""
    text, items = listed_rules(text)
    listed_only: set[str] = set()
    for rule, item in items:  # what each item names; its stage words are too loose to veto on
        what = target_facets(item, rule, what_only=True)
        if rule == "only":
            listed_only |= set().union(*what)  # any item of an "only" list lets a project in
        elif what:
            scope.exclude_any |= what[0]
        if what:
            scope.said.append(item)
    if listed_only:
        scope.only.append(listed_only)
    for clause in clauses(text):
        if _MEMBERS.search(clause) and _MEMBERS_RULE.search(clause):
            scope.members_only = True
            scope.said.append(clause)
            continue
        if _NOT_A_LIMIT.search(clause):
            continue
        negation = _NEGATION.search(clause)
        if negation:
            after, before = clause[negation.end() :], clause[: negation.start()]
            if _PHASE.search(after):  # "药物临床试验暂不承接I期": part of a stage, no rule
                continue
            masks = target_facets(after, "exclude") or target_facets(before, "exclude")
            for mask in masks:
                scope.exclude_any |= mask
            if masks:
                scope.said.append(clause)
            continue
        only = _ONLY.search(clause)
        if only:
            masks = target_facets(clause[only.end() :], "only", own_region)
            scope.only.extend(masks)  # each kind is required: 只做器械 + 已上市 means both
            if masks:
                scope.said.append(clause)
            continue
        if _STAGE_CONTEXT.search(clause):
            scope.stages |= set(stage_mentions(clause))
        focus = _FOCUS.search(clause)
        if focus and not _ALL_TRACKS.search(clause):
            scope.tracks |= C.keys(clause[focus.end() :], C.TRACK_CUES)
    if _ALL_STAGES.search(fold(text)):
        scope.stages = set()
    scope.only = _one_rule_per_kind(scope.only)
    return scope


def _one_rule_per_kind(required: list[set[str]]) -> list[set[str]]:
    """Requirements of one kind from several clauses, merged: "只做医疗器械" and "只服务二、三类
    产品（含SaMD/AI软件）" restate one scope, and a project meeting either passes. Kinds stay
    separate: 只做器械 + 已上市 requires both."""
    merged: dict[str, set[str]] = {}
    for mask in required:
        kinds = {f.split(":")[0] for f in mask}
        kind = next(iter(kinds)) if kinds <= {"stage"} or kinds <= {"region"} else "what"
        merged.setdefault(kind, set()).update(mask)
    return list(merged.values())


def institution_of(name: str) -> str:
    """The institution heading a provider's name ("潞河医科大学" of "潞河医科大学技术转移中心"),
    or "" when its name starts with none."""
    found = _INSTITUTION.match(fold(name))
    return found.group() if found else ""


def project_from_text(text: str, project_id: str = "query") -> Project:
    """A newcomer's free-text description as a project: track and stage read from the text."""
    tracks = C.find(text, C.TRACK_CUES)
    stages = [c.key for c in C.find(text, C.STAGE_CUES)]
    counts = {c.key: len(c.pattern.findall(fold(text))) for c in tracks}
    track = max(counts, key=lambda k: (counts[k], -TRACK.keys.index(k))) if counts else ""
    stage = max(stages, key=STAGE_ORDER.__getitem__) if stages else ""
    return Project(project_id=project_id, title="", description=text, track=track, stage=stage)


def serves_locally(text: str) -> bool:
    """Whether a provider's prose says it serves its own place (本地、省内、本区 …)."""
    return any(_LOCAL.search(c) and not _NEGATION.search(c) for c in clauses(text))
