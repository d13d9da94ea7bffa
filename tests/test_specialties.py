"""Specialties: found in text, matched graded along the taxonomy, and measured on labelled texts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from matcher import prose, specialties, taxonomy
from matcher.ingest import read_projects, read_resources

DATA = Path(__file__).resolve().parents[1] / "data"


def test_every_node_has_a_known_parent_and_compiling_cues():
    keys = [n.key for n in taxonomy.NODES]
    assert len(keys) == len(set(keys))
    for node in taxonomy.NODES:
        assert node.kind in taxonomy.KINDS
        assert node.parent is None or node.parent in taxonomy.BY_KEY
        re.compile(node.cues)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("可降解冠脉支架，已完成动物实验", {"area:cardio.coronary", "product:implant.vascular"}),
        ("ADC与双抗CDMO平台", {"modality:biologic.adc"}),  # "ADC" names an antibody: one finding
        ("溶瘤病毒治疗肝癌", {"area:oncology.digestive", "modality:cgt.viral"}),
        ("口腔种植体导航机器人", {"area:dental", "product:surgical.robot"}),  # 种植体 is no herb
        ("肺结节CT影像AI辅助诊断软件", {"area:oncology.lung", "product:software.ai_imaging"}),
        ("面向银行客户的流动资金贷款", set()),
    ],
)
def test_find_keeps_the_most_specific_findings(text, found):
    assert set(specialties.find(text)) >= found
    assert not set(specialties.find(text)) & {a for k in found for a in taxonomy.ancestors(k)}


def test_a_preclinical_efficacy_study_names_no_prodrug():
    assert "modality:small_molecule" not in specialties.find("现处于临床前药效与初步毒理阶段")
    assert "modality:small_molecule" in specialties.find("雷公藤甲素低毒前药")


def test_a_trial_follow_up_is_no_follow_up_product():
    assert "product:software.health" not in specialties.find("预计明年完成随访后提交三类证注册")
    assert "product:software.health" in specialties.find("县域高血压糖尿病智能随访管理平台")


@pytest.mark.parametrize(
    ("text", "track", "kept", "dropped"),
    [
        # the antibody of an IVD kit is a reagent; the device is what the project is
        (
            "化学发光POCT心肌标志物试剂盒，抗体原料依赖进口",
            "device",
            "product:ivd",
            "modality:biologic.antibody",
        ),
        # an implant's control software is a part of it
        (
            "闭环脊髓电刺激系统：植入式脉冲发生器和医生程控软件",
            "device",
            "product:implant.neuromod",
            "product:software",
        ),
        # a drug's modality stays: it is what the project develops
        ("抗体偶联药物，需要CDMO", "drug", "modality:biologic.adc", None),
        # a TCM device keeps its TCM words
        ("经皮穴位电刺激仪，配合中药熏蒸", "device", "product:tcm_device", None),
    ],
)
def test_a_project_is_its_product_not_its_parts(text, track, kept, dropped):
    found = specialties.of_project(text, track)
    assert kept in found
    if dropped:
        assert dropped in specialties.find(text) and dropped not in found
    else:
        assert set(found) == set(specialties.find(text))


@pytest.mark.parametrize(
    ("project", "provider", "fit"),
    [
        (["area:cardio.coronary"], ["area:cardio.coronary"], specialties.EXACT),
        (["area:cardio.coronary"], ["area:cardio"], specialties.BROADER_PROVIDER),
        (["area:cardio"], ["area:cardio.coronary"], specialties.BROADER_PROJECT),
        (["area:cardio.coronary"], ["area:cardio.vascular"], specialties.SIBLING),
        (["area:cardio.coronary"], ["area:ortho"], 0.0),
        (["area:cardio.coronary"], [], specialties.GENERIC),  # a generalist: neither fit nor miss
        (["area:cardio.coronary"], ["modality:small_molecule"], specialties.GENERIC),  # other kind
    ],
)
def test_fit_is_graded_along_the_tree(project, provider, fit):
    assert specialties.fit(project, provider) == pytest.approx(fit)


def test_a_specific_fit_beats_a_generalist_beats_a_specialist_elsewhere():
    stent = specialties.find("冠脉药物洗脱支架")
    cardiology = specialties.find("心血管介入器械临床试验基地")
    bank = specialties.find("科技支行流动资金贷款")
    orthopaedics = specialties.find("骨科植入物代工")
    fits = [specialties.fit(stent, p) for p in (cardiology, bank, orthopaedics)]
    assert fits == sorted(fits, reverse=True) and fits[0] > fits[1] > fits[2]


def test_fit_matrix_equals_pairwise_fit():
    sets = [specialties.find(t) for t in ("冠脉支架", "ADC", "骨科植入", "中药配方颗粒", "")]
    matrix = specialties.fit_matrix(sets, sets[::-1])
    for i, a in enumerate(sets):
        for j, b in enumerate(sets[::-1]):
            assert matrix[i, j] == pytest.approx(specialties.fit(a, b))


def test_extraction_accuracy_on_the_labelled_texts():
    """220 texts labelled independently of the cues (data/judged/facet_labels.jsonl). Floors sit
    below the figures in the README so that a real regression, not noise, fails."""
    texts = {}
    projects = {}
    for p in read_projects(DATA / "judged/projects.csv") + read_projects(
        DATA / "sample/projects.csv"
    ):
        texts[p.project_id], projects[p.project_id] = p.text, p
    for r in read_resources(DATA / "judged/resources.csv") + read_resources(
        DATA / "sample/resources.csv"
    ):
        texts[r.resource_id] = prose.positive_text(r.text)
    tp = fp = fn = 0
    lines = (DATA / "judged/facet_labels.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 200
    for line in lines:
        item = json.loads(line)
        project = projects.get(item["id"])
        text = texts[item["id"]]
        found = set(
            specialties.of_project(text, project.track) if project else specialties.find(text)
        )
        gold = set(item["facets"])
        tp, fp, fn = tp + len(found & gold), fp + len(found - gold), fn + len(gold - found)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.65 and recall >= 0.75, (precision, recall)
