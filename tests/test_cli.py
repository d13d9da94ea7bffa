"""The command line end to end: real encoders and the fusion fitted by `make setup`."""

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
P, R, Q = (
    str(FIXTURES / "projects.csv"),
    str(FIXTURES / "resources.csv"),
    str(FIXTURES / "qrels.csv"),
)
pytestmark = pytest.mark.slow
runner = CliRunner()


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_rank_writes_top_k_rows_per_project(tmp_path):
    out = tmp_path / "ranked.csv"
    result = runner.invoke(
        app, ["rank", "--projects", P, "--resources", R, "--top-k", "2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = read(out)
    assert list(rows[0]) == ["project_id", "rank", "resource_id", "score", "reasons"]
    assert [(r["project_id"], r["rank"]) for r in rows] == [
        (p, k) for p in ("P1", "P2", "P3") for k in ("1", "2")
    ]
    first = {r["project_id"]: r["resource_id"] for r in rows if r["rank"] == "1"}
    assert first["P1"] in {"R1", "R4"} and first["P2"] == "R2" and first["P3"] == "R3"
    assert all(r["reasons"] for r in rows)


def test_rank_type_filter(tmp_path):
    out = tmp_path / "ranked.csv"
    result = runner.invoke(
        app, ["rank", "-p", P, "-r", R, "-k", "5", "--type", "银行", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert {r["resource_id"] for r in read(out)} == {"R5"}


def test_rank_projects_is_the_reverse_direction(tmp_path):
    out = tmp_path / "reverse.csv"
    result = runner.invoke(app, ["rank-projects", "-p", P, "-r", R, "-k", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = read(out)
    assert list(rows[0]) == ["resource_id", "rank", "project_id", "score", "reasons"]
    assert {r["resource_id"]: r["project_id"] for r in rows}["R3"] == "P3"


def test_query_free_text_as_json():
    result = runner.invoke(
        app, ["query", "ADC偶联药物临床前研究，需要GMP中试生产", "-r", R, "-k", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    matches = json.loads(result.stdout)
    assert [m["rank"] for m in matches] == [1, 2]
    assert matches[0]["resource_id"] == "R2" and matches[0]["type"] == "cdmo"


def test_evaluate_prints_every_signal_and_fusion(tmp_path):
    chart = tmp_path / "quality.png"
    result = runner.invoke(
        app, ["evaluate", "-p", P, "-r", R, "-q", Q, "--json", "--plot", str(chart)]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["given"]
    names = [r["name"] for r in rows]
    assert (
        "字符n-gram TF-IDF" in names
        and "BM25 (jieba)" in names
        and "字段重叠 field overlap" in names
    )
    assert any(r["kind"] == "fusion" and "models/" in r["name"] for r in rows)
    assert "zsum" in names and "balanced" in names
    assert all(0.0 <= r[m] <= 1.0 for r in rows for m in ("ndcg10", "ndcg10_exp", "recall5"))
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_evaluate_cross_validates_each_learned_fusion_as_named():
    """`--cv` fits every learned candidate out of fold; a pulled linear fusion is pulled."""
    judged = Path(__file__).resolve().parents[1] / "data" / "judged"
    files = [str(judged / f) for f in ("projects.csv", "resources.csv", "qrels.csv")]
    args = ["evaluate", "-p", files[0], "-r", files[1], "-q", files[2], "--json", "--cv", "3"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)["given"]}
    assert "gbdt (3-fold CV)" in rows and "balanced (3-fold CV)" not in rows  # sums learn nothing
    unpulled, pulled = rows["linear (3-fold CV)"], rows["linear → balanced×10 (3-fold CV)"]
    assert (unpulled["ndcg10"], unpulled["recall5"]) != (pulled["ndcg10"], pulled["recall5"])


def test_bad_input_exits_2_names_row_and_column_and_writes_nothing(tmp_path):
    out = tmp_path / "ranked.csv"
    bad = str(FIXTURES / "projects_bad.csv")
    result = runner.invoke(app, ["rank", "-p", bad, "-r", R, "--out", str(out)])
    assert result.exit_code == 2
    assert (
        "projects_bad.csv" in result.output
        and "第 3 行" in result.output
        and "赛道" in result.output
    )
    assert "device 医疗器械与智能制造" in result.output
    assert not out.exists()


def test_unknown_type_is_a_usage_error(tmp_path):
    result = runner.invoke(
        app, ["rank", "-p", P, "-r", R, "--type", "餐厅", "--out", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 2 and "bank 银行" in result.output


@pytest.mark.parametrize(
    ("option", "message"),
    [(["--out", "plan.txt"], "--out"), (["--out", "plan.xlsx", "--solver", "foo"], "--solver")],
)
def test_plan_refuses_unusable_options_before_any_work(tmp_path, option, message):
    missing = str(tmp_path / "no-such-projects.csv")  # never read: the options fail first
    result = runner.invoke(app, ["plan", "-p", missing, "-r", R, *option])
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


def test_the_installed_script_starts_without_the_web_layer_or_the_models():
    import subprocess
    import sys

    probe = "import sys, service.cli; print(sorted(m for m in ('fastapi', 'torch', 'sklearn', 'ray') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_fit_with_organiser_grades_writes_the_held_out_winner(tmp_path):
    judged = Path(__file__).parents[1] / "data" / "judged"
    rows = read(judged / "qrels.csv")
    graded = sorted({r["project_id"] for r in rows})[:12]
    qrels = tmp_path / "grades.csv"
    with open(qrels, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["项目编号", "资源方编号", "评分"])  # Chinese headers are accepted
        writer.writerows(
            (r["project_id"], r["resource_id"], r["grade"])
            for r in rows
            if r["project_id"] in graded
        )
    args = ["fit", "-p", str(judged / "projects.csv"), "-r", str(judged / "resources.csv")]
    refused = runner.invoke(app, [*args, "-q", str(qrels)])
    assert refused.exit_code == 2 and "--out" in refused.output
    result = runner.invoke(app, [*args, "-q", str(qrels), "--out", str(tmp_path / "model")])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "model" / "meta.json").read_text(encoding="utf-8"))
    assert meta["refit"]["projects"] == 12
    assert "held-out graded projects (12)" in result.output
    ranked = tmp_path / "ranked.csv"
    ranked_with = runner.invoke(
        app, ["rank", "-p", P, "-r", R, "-o", str(ranked), "--model", str(tmp_path / "model")]
    )
    assert ranked_with.exit_code == 0, ranked_with.output
    assert read(ranked)


def test_rank_through_the_retrieval_stage_still_gives_k_rows_per_project(tmp_path, monkeypatch):
    judged = Path(__file__).parents[1] / "data" / "judged"
    monkeypatch.setenv("MATCHER_ANN_ABOVE", "0")  # the first stage, whatever the size
    monkeypatch.setenv("MATCHER_CANDIDATES", "10")  # of 64 providers: most are never scored
    out = tmp_path / "ranked.csv"
    result = runner.invoke(
        app,
        [
            "rank",
            "-p",
            str(judged / "projects.csv"),
            "-r",
            str(judged / "resources.csv"),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = read(out)
    projects = {r["project_id"] for r in rows}
    assert len(projects) == 128
    assert all(sum(r["project_id"] == p for r in rows) == 10 for p in projects)
