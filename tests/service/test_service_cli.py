import os
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


def test_several_workers_on_sqlite_are_refused_with_a_clear_message(tmp_path):
    environment = {"MATCHER_DATA_DIR": str(tmp_path), "MATCHER_ADMIN_KEY": "a-long-organiser-key"}
    result = CliRunner().invoke(app, ["serve", "--workers", "2"], env=environment)
    assert result.exit_code == 2
    assert "--workers 2 needs PostgreSQL" in result.output
    assert not (tmp_path / "matcher.db").exists()  # refused before anything was created


def test_several_workers_run_the_app_factory_in_that_many_processes(tmp_path, monkeypatch):
    import uvicorn

    import service.main

    calls: list[tuple[object, dict]] = []
    monkeypatch.setattr(service.main, "bootstrap", lambda settings: None)
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    monkeypatch.setenv("MATCHER_DB_URL", "")
    url = "postgresql+psycopg://postgres@127.0.0.1:1/event"
    environment = {"MATCHER_DATA_DIR": str(tmp_path), "MATCHER_ADMIN_KEY": "a-long-organiser-key"}
    result = CliRunner().invoke(app, ["serve", "--db", url, "--workers", "3"], env=environment)
    assert result.exit_code == 0, result.output
    assert calls == [
        (
            "service.main:create_worker_app",  # accepts connections once loaded
            {
                "factory": True,
                "workers": 3,
                "host": "127.0.0.1",
                "port": 8000,
                "log_level": "info",
                "access_log": False,
                "timeout_graceful_shutdown": 5,
            },
        )
    ]
    assert os.environ["MATCHER_DB_URL"] == url  # the workers read the same database
    assert "workers: 3 processes" in result.output
    assert "sign in" not in result.output  # sign-ins live in the database: no caveat
