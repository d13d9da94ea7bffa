import pytest

from matcher import extraction, prose


def names(facets: set[str]) -> set[str]:
    return set(facets)


def test_needs_stated_only_in_the_description_are_found():
    text = "可降解支架已完成动物实验。正在准备III期临床，需要大额融资；样机已完成，急需中试放大和GMP车间"
    assert prose.current_needs(text) == {"clinical", "funding", "manufacturing"}
    assert prose.current_needs("本公司成立于2019年，团队来自清华。") == set()


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        # a need word covers the items that follow it in the sentence
        (
            "我们正在寻找：①愿意合作的三级医院；②县域医共体采购方；③新一轮融资。",
            {"clinical", "market", "funding"},
        ),
        ("希望与药企合作商业化，或引入战略投资建设产线。", {"market", "funding", "manufacturing"}),
        ("【当前需求】Ⅲ期费用约1.2亿元", {"funding", "clinical"}),  # a heading opens a sentence
        ("想找订单贷或知识产权质押贷。", {"funding", "ip"}),
        ("希望与工科院校合作开发硬件。", {"rnd"}),
        # what is declined or already in hand is not a need
        ("暂不考虑医疗器械注册。", set()),
        ("资金方面暂时撑得住。已完成GLP毒理。", set()),
        # the need word ends with its sentence
        ("团队希望扩大销售。已获得二类注册证。", {"market"}),
    ],
)
def test_needs_are_read_from_the_clauses_that_ask(text, needs):
    assert prose.current_needs(text) == needs


def test_offers_leave_out_conditions_on_projects_and_what_a_provider_merely_holds():
    text = "持有脊柱类三类注册证40余张。对外提供OEM代工。委托方须持有或正在申请三类注册证"
    assert "注册" not in prose.offer_text(text)
    assert "oem代工" in prose.offer_text(text)


def test_need_and_offer_reading_holds_on_the_held_out_labelled_texts():
    """252 texts labelled by two annotators (data/judged/need_labels.jsonl). The cues were revised
    on the tune part only; floors sit below the README's held-out figures (projects F1 0.771,
    providers 0.746) and above the reader before the revision (0.688 / 0.718)."""
    labelled = extraction.need_labels()
    held_out = [item for item in labelled if item.part == "held-out"]
    projects = extraction.score(item for item in held_out if item.side == "project")
    providers = extraction.score(item for item in held_out if item.side == "provider")
    assert projects.f1 >= 0.74 and projects.recall >= 0.70, projects
    assert providers.f1 >= 0.72 and providers.precision >= 0.65, providers


@pytest.mark.parametrize(
    ("text", "excluded"),
    [
        ("mRNA方向暂不涉及。", {"modality:nucleic_acid"}),  # the object comes before the negation
        ("骨科耗材方向暂不涉及。", {"product:implant.ortho"}),  # a product type, not every device
        ("暂不考虑临床前项目。", {"stage:concept", "stage:prototype", "stage:preclinical"}),
        ("不接收已上市项目。", {"stage:market"}),
        ("只做小分子，不做生物药。", {"modality:biologic"}),
        (
            "尚未进入临床的项目我们不参与。",
            {"stage:concept", "stage:prototype", "stage:preclinical"},
        ),
        # each item of an excluded list: a modality, and the whole device track
        ("中药和医疗器械项目暂不承接。", {"modality:tcm", "track:device"}),
        ("不做创新医药与生物制品。", {"modality:biologic", "track:drug"}),
        ("不看仿制药。", set()),  # a kind of project, not the small-molecule modality
        ("化药和器械项目请勿投递。", {"modality:small_molecule", "track:device"}),
        ("不限赛道，不限阶段。", set()),
        # the items of a list under a rule heading, each on its own line
        (
            "我们看什么：\n1. 手术机器人\n不看：\n1. 创新药、细胞治疗——不是不好，是我们不懂；\n"
            "2. 估值已经过3亿的。\n投后能帮的：找代工打样",
            {"track:drug", "modality:cgt.cell"},
        ),
        # a track is excluded by its bare name, not inside a qualified phrase; stage words in
        # an item ("进不了临床路径的") are too loose to read as a stage rule
        (
            "不看：\n- 只改剂型的改良型新药\n- 医疗器械\n- 进不了临床路径的项目",
            {"track:device"},
        ),
        # who a provider serves, and a price note, are no rules
        ("医创板面向京津冀地区暂不满足上市条件的医药、医疗器械和数字健康企业。", set()),
        ("三类有源器械注册全流程代理：45万–80万元（不含临床试验费用）", set()),
        ("基地暂不具备无菌注射剂和生物制品原液生产条件。", {"modality:biologic"}),  # a capability
        # what a trial site does not take, not the clinical stage; a phase is part of a stage
        ("暂不承接放射性药物的临床试验。", {"modality:radiopharma"}),
        ("药物临床试验暂不承接I期。", set()),
    ],
)
def test_exclusions(text, excluded):
    assert names(prose.provider_scope(text).exclude_any) == excluded


@pytest.mark.parametrize(
    ("text", "required"),
    [
        ("要求项目已进入临床。", [{"stage:clinical", "stage:registration", "stage:market"}]),
        ("仅面向本市注册企业。", [{"region:tianjin"}]),  # 注册企业 is not the registration stage
        ("只做医疗器械注册。", [{"track:device"}]),  # 注册 here is a service, not a stage
        ("仅投资已上市的医疗器械企业。", [{"track:device"}, {"stage:market"}]),  # both required
        # any field named lets a project in: cardiology, or AI software (for cardiology)
        ("承接范围仅限心血管领域（含心血管相关AI软件）。", [{"area:cardio", "product:software"}]),
        ("请按产品技术要求提交样品。", []),  # a document, not a rule
        # where a company must be registered: a region named plainly, or a district of its own
        ("准入门槛：企业须在天津市注册且纳税满一年。", [{"region:tianjin"}]),
        ("区域上仅限河北省内注册企业。", [{"region:hebei"}]),
        ("须在滨海新区注册。", [{"region:tianjin"}]),
        # 在北京市注册 is where the company is, not the registration stage
        (
            "适用对象：在北京市注册、主营医疗器械或创新药的科技型中小企业。",
            [{"track:device", "track:drug"}, {"region:beijing"}],
        ),
        ("申请企业须已取得至少一项产品注册证。", [{"stage:market"}]),  # a licence: on the market
        ("注：仅考虑诊疗一体化（theranostics）相关项目。", [{"modality:radiopharma"}]),
        # any item of a listed requirement lets a project in: one rule, not one per item
        ("仅受理以下方向：\n1. 医疗器械\n2. 核药", [{"track:device", "modality:radiopharma"}]),
        ("申报单位须在沽北区注册、具有独立法人资格。", [{"region:tianjin"}]),  # no 注册 stage
        # a prototype in hand, software or not: that stage or later, not a software product
        (
            "项目须已具备样机或软件原型。",
            [
                {
                    f"stage:{s}"
                    for s in ("prototype", "preclinical", "clinical", "registration", "market")
                }
            ],
        ),
        # two clauses of one kind restate one scope: a project meeting either passes
        (
            "我们只做医疗器械，且只服务第二类、第三类产品（含有源、无源、SaMD/AI软件）。",
            [{"track:device", "product:software", "track:ai"}],
        ),
    ],
)
def test_requirements_are_separate_rules_per_kind(text, required):
    assert [names(m) for m in prose.provider_scope(text, region="tianjin").only] == required


@pytest.mark.parametrize(
    ("text", "stages", "tracks"),
    [
        (
            "偏好临床前至注册申报阶段项目。服务范围为医疗器械、数字医疗。",
            {"preclinical", "clinical", "registration"},
            {"device", "ai"},
        ),
        ("项目阶段：样机/原型、临床。主要服务中药领域。", {"prototype", "clinical"}, {"tcm"}),
        ("不限项目阶段。覆盖医疗器械、创新药、AI医疗和中医药各赛道。", set(), set()),
    ],
)
def test_served_stages_and_focus_tracks(text, stages, tracks):
    scope = prose.provider_scope(text)
    assert (scope.stages, scope.tracks) == (stages, tracks)
