"""`matcher plan --bound`: the exact LP bound and its gap, printed and stored with the plan."""

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from matcher.cli import app

FIXTURES = Path(__file__).parents[1] / "fixtures"
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("flag", [[], ["--bound"]])  # a small event gets the LP either way
def test_plan_prints_and_stores_the_gap(tmp_path, flag):
    out = tmp_path / "plan.json"
    args = ["plan", "-p", str(FIXTURES / "projects.csv"), "-r", str(FIXTURES / "resources.csv")]
    result = CliRunner().invoke(app, [*args, "--out", str(out), *flag])
    assert result.exit_code == 0, result.output
    stats = json.loads(out.read_text(encoding="utf-8"))["stats"]
    assert stats["bound_kind"] == "lp" and stats["objective"] <= stats["upper_bound"] + 1e-6
    printed = result.output.replace("\n", "")  # rich wraps long lines
    assert "LP 松弛上界" in printed and f"差距 {100 * stats['gap']:.2f}%" in printed


def test_plan_files_show_expected_grades_0_to_3_with_the_legend(tmp_path):
    args = ["plan", "-p", str(FIXTURES / "projects.csv"), "-r", str(FIXTURES / "resources.csv")]
    outs = ["--out", str(tmp_path / "plan.xlsx"), "--out", str(tmp_path / "plan.csv")]
    result = CliRunner().invoke(app, [*args, *outs, "--out", str(tmp_path / "plan.json")])
    assert result.exit_code == 0, result.output
    assert "预计专家评分 0–3：3 理想伙伴" in result.output.replace("\n", "")
    stored = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))["meetings"]
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    sheet = book["项目日程"]
    column = [c.value for c in sheet[1]].index("预计专家评分（0–3）")
    shown = sorted(r[column] for r in sheet.iter_rows(min_row=2, values_only=True))
    assert shown == sorted(round(m["score"] * 3, 2) for m in stored)  # the planner's grade / 3
    assert max(shown) > 1 and "3 理想伙伴" in sheet.oddFooter.center.text
    with open(tmp_path / "plan.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(float(r["预计专家评分（0–3）"]) for r in rows) == shown
    with open(tmp_path / "plan_standby.csv", encoding="utf-8-sig", newline="") as handle:
        standby = list(csv.DictReader(handle))
    assert all(0 <= float(r["预计专家评分（0–3）"]) <= 3 for r in standby)
