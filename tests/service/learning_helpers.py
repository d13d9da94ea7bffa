"""A small catalogue for the learning tests (12 projects × 10 providers: a refit takes seconds),
and grades for it (a uniquely named module, like service_helpers)."""

from __future__ import annotations

import csv
from pathlib import Path

TRACKS = ("医疗器械与智能制造", "创新医药与生物制品", "中医药传承创新")
STAGES = ("临床前", "临床试验", "注册申报")
NEEDS = ("融资", "临床资源/临床试验", "生产制造/中试", "注册申报", "研发/技术平台")
PROJECTS = [
    ("可降解冠脉支架", "冠脉介入器械，需要多中心临床试验与融资"),
    ("ADC 抗肿瘤新药", "抗体偶联药物，急需 CDMO 中试放大与 GMP 生产"),
    ("经典名方颗粒剂", "中药配方颗粒，需要中药提取生产与注册申报"),
    ("手术机器人", "骨科手术机器人，准备注册检验，需要医院临床验证"),
    ("mRNA 疫苗", "mRNA 平台，需要工艺开发和融资"),
    ("针灸智能设备", "中医针灸电刺激设备，需要临床试验资源"),
    ("AI 影像诊断", "肺结节 AI 辅助诊断软件，需要三类证注册申报"),
    ("小分子靶向药", "激酶抑制剂，临床前药效完成，需要融资"),
    ("中药注射剂再评价", "中药注射剂安全性再评价，需要临床研究中心"),
    ("可穿戴心电贴", "长程心电监测贴片，需要生产制造与融资"),
    ("细胞治疗", "CAR-T 细胞治疗，需要 GMP 车间与临床资源"),
    ("中药新药研发", "复方中药新药，需要研发平台和人才"),
]
RESOURCES = [
    ("心血管临床研究中心", "医院", "心血管介入多中心临床试验", "临床资源/临床试验"),
    ("生物药 CDMO", "CDMO/CMO", "ADC 与单抗 GMP 生产，中试放大。不考虑中药。", "生产制造/中试"),
    ("中药提取 CDMO", "CDMO/CMO", "中药提取、配方颗粒生产", "生产制造/中试"),
    ("医疗健康基金", "投资机构", "关注医疗器械与创新药；不投中医药。", "融资"),
    ("科技银行", "银行", "科技贷、知识产权质押融资", "融资"),
    ("医科大学转化平台", "高校/科研院所", "医学研究与成果转化平台、人才", "研发/技术平台;人才"),
    ("注册咨询公司", "注册法规咨询", "医疗器械与药品注册申报咨询", "注册申报"),
    ("中医院临床基地", "医院", "中医药临床研究与针灸临床试验", "临床资源/临床试验"),
    ("影像 AI 实验室", "高校/科研院所", "医学影像人工智能研发平台", "研发/技术平台"),
    ("细胞治疗 GMP 平台", "CDMO/CMO", "细胞与基因治疗 GMP 车间", "生产制造/中试"),
]


def write_catalogue(folder: Path) -> Path:
    """projects.csv and resources.csv (Chinese headers) in `folder`; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "projects.csv", "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["项目编号", "项目名称", "项目简介", "赛道", "阶段", "需求", "地区"])
        for i, (title, text) in enumerate(PROJECTS):
            need = ";".join(n for n in NEEDS if n.split("/")[0] in text) or "融资"
            out.writerow([f"P{i:02d}", title, text, TRACKS[i % 3], STAGES[i % 3], need, "北京"])
    with open(folder / "resources.csv", "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["资源方编号", "名称", "类型", "简介", "可提供资源", "地区", "接洽名额"])
        for j, (name, kind, text, offers) in enumerate(RESOURCES):
            out.writerow([f"R{j:02d}", name, kind, text, offers, "北京", 4])
    return folder


def grades(projects: int = 11) -> list[dict[str, object]]:
    """Every provider of the first `projects` projects graded 0–3 (a fixed pattern)."""
    return [
        {"project_id": f"P{i:02d}", "resource_id": f"R{j:02d}", "grade": (i * 7 + j * 3) % 4}
        for i in range(projects)
        for j in range(len(RESOURCES))
    ]
