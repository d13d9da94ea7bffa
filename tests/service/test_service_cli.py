import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from service.cli import app


def test_matcher_script_has_serve_next_to_the_library_commands():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("rank", "rank-projects", "query", "evaluate", "plan", "serve"):
        assert command in result.output
    assert "MATCHER_ADMIN_KEY" in CliRunner().invoke(app, ["serve", "--help"]).output


def test_the_library_never_imports_the_web_layer():
    code = (
        "import sys, matcher.cli, matcher.engine, matcher.catalogue, matcher.plan;"
        "bad = [m for m in ('fastapi', 'starlette', 'uvicorn', 'service') if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
