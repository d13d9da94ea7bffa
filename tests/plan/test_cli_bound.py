"""`matcher plan --bound`: the exact LP bound and its gap, printed and stored with the plan."""

import json
from pathlib import Path

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
