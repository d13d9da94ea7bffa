"""Reasons an expert would give: specialty, need and stage first; never filler words."""

from __future__ import annotations

import pytest

from matcher.features import PairFeaturizer
from matcher.reasons import FILLER, Explainer, is_general_word
from matcher.schema import Project, Resource


@pytest.fixture
def explain(hash_encoder):
    projects = [
        Project(
            "P1",
            "可降解冠脉支架",
            "已完成动物实验，正在准备多中心临床试验，需要临床资源支持与合作。",
            "device",
            "clinical",
            institution="京北医科大学附属仁和医院",
        )
    ]
    resources = [
        Resource(
            "R1",
            "京北医科大学附属仁和医院心血管临床研究中心",
            "hospital",
            "心血管介入器械临床试验基地，支持与合作各类创新项目，提供临床资源。",
            offers=("clinical",),
        ),
        Resource("R2", "某银行", "bank", "不考虑医疗器械项目。", offers=("funding",)),
    ]
    return Explainer(PairFeaturizer(projects, resources, {"hash": hash_encoder}))


def test_specialty_leads_then_need_and_stage(explain):
    parts = explain(0, 0).split("；")
    assert parts[0].startswith("专长匹配：")
    assert parts[1] == "需求匹配：临床" and parts[2] == "阶段：临床试验"


def test_filler_words_never_explain_a_match(explain):
    shared = explain.content_terms(0, 0, limit=10)
    assert not set(shared) & FILLER
    assert {"支持", "合作", "创新"} <= FILLER


def test_words_common_in_everyday_chinese_never_explain_a_match(hash_encoder):
    project = Project(
        "P1",
        "眼压监测",
        "主任计划一次完成植入式眼压传感器的动物实验，没有时间。",
        "device",
        "preclinical",
    )
    resource = Resource(
        "R1",
        "眼科器械CRO",
        "cro",
        "科室主任带队，计划每年一次培训；没有时间限制，专做眼压传感器验证。",
    )
    explain = Explainer(PairFeaturizer([project], [resource], {"hash": hash_encoder}))
    shared = explain.content_terms(0, 0, limit=10)
    assert "眼压" in shared and "传感器" in shared
    assert not {"主任", "计划", "一次", "没有", "时间"} & set(shared)
    assert is_general_word("计划") and not is_general_word("冠脉")
    assert not is_general_word("细胞")  # common in everyday Chinese, but the taxonomy's word


def test_notices_name_the_own_institution_and_the_providers_rule(explain):
    assert "注意：同一单位（弱匹配）" in explain(0, 0)
    assert "注意：资源方说明「不考虑医疗器械项目」" in explain(0, 1)


def test_notices_say_when_a_project_is_outside_what_the_provider_serves(hash_encoder):
    project = Project("P1", "ECMO系统", "体外膜肺氧合系统，注册申报中。", "device", "registration")
    resources = [
        Resource(
            "R1", "药物CRO", "cro", "临床前药理毒理服务。", tracks=("drug",), stages=("concept",)
        ),
        Resource(
            "R2", "器械CRO", "cro", "器械临床试验服务。", tracks=("device",), stages=("clinical",)
        ),
    ]
    explain = Explainer(PairFeaturizer([project], resources, {"hash": hash_encoder}))
    assert "注意：服务赛道为创新药" in explain(0, 0) and "注意：服务阶段为概念/机理验证" in explain(
        0, 0
    )
    assert "注意：服务" not in explain(0, 1)  # its track, one stage away


def test_notices_say_when_a_device_class_is_above_what_the_provider_names(hash_encoder):
    project = Project("P1", "脊柱螺钉", "已获三类证，需要注册咨询。", "device", "market")
    resources = [
        Resource("R1", "省内注册咨询", "regulatory", "二类医疗器械省局注册与生产许可。"),
        Resource("R2", "器械注册咨询", "regulatory", "二类、三类医疗器械注册申报。"),
    ]
    explain = Explainer(PairFeaturizer([project], resources, {"hash": hash_encoder}))
    assert "注意：资源方只提及二类及以下器械" in explain(0, 0)
    assert "只提及" not in explain(0, 1)  # it names 三类 too


def test_notices_name_a_specialist_s_specialties_when_they_miss_the_project(hash_encoder):
    project = Project("P1", "口服KRAS抑制剂", "小分子靶向药，需要CMC生产。", "drug", "preclinical")
    resources = [
        Resource("R1", "生物药CDMO", "cdmo", "抗体、ADC偶联的工艺开发和GMP生产。"),
        Resource("R2", "化药CDMO", "cdmo", "小分子原料药与制剂的工艺开发和GMP生产。"),
    ]
    explain = Explainer(PairFeaturizer([project], resources, {"hash": hash_encoder}))
    assert "注意：资源方专长为抗体、ADC" in explain(0, 0)
    assert "专长为" not in explain(0, 1)


def test_a_local_consultancy_says_when_the_region_differs(hash_encoder):
    projects = [
        Project(
            "P1", "家用雾化器", "二类产品，准备注册。", "device", "registration", region="hebei"
        ),
        Project(
            "P2", "家用雾化器", "二类产品，准备注册。", "device", "registration", region="tianjin"
        ),
    ]
    resources = [
        Resource(
            "R1",
            "冀药通",
            "regulatory",
            "主要服务河北本地企业：二类医疗器械省局注册。",
            region="hebei",
        ),
        Resource("R2", "注册咨询", "regulatory", "二类医疗器械注册。", region="hebei"),
    ]
    explain = Explainer(PairFeaturizer(projects, resources, {"hash": hash_encoder}))
    assert "同在河北" in explain(0, 0) and "注意：地区不同" in explain(1, 0)
    assert "河北" not in explain(0, 1) and "地区" not in explain(1, 1)  # region matters little
