"""`matcher rank --engine ray` writes the single process's file byte for byte (real models)."""

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
P, R = str(FIXTURES / "projects.csv"), str(FIXTURES / "resources.csv")
pytestmark = pytest.mark.slow
runner = CliRunner()


def rank(out: Path, *options: str) -> str:
    result = runner.invoke(app, ["rank", "-p", P, "-r", R, "-k", "4", "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def single_process(tmp_path_factory) -> bytes:
    out = tmp_path_factory.mktemp("local") / "ranked.csv"
    rank(out)  # first, so the texts' vectors are in the shared cache whichever run encodes them
    return out.read_bytes()


@pytest.mark.parametrize(
    "shards", [["--workers", "2"], ["--workers", "2", "--batch-size", "2"]], ids=["one", "two"]
)
def test_ray_writes_the_single_process_file(tmp_path, single_process, shards):
    import ray

    out = tmp_path / "ranked.csv"
    printed = rank(out, "--engine", "ray", *shards)
    assert out.read_bytes() == single_process
    assert not any(word in printed for word in ("Running Dataset", "INFO", "WARNING"))
    assert not ray.is_initialized()  # the local instance was shut down


def test_an_unreachable_address_exits_2_and_writes_nothing(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "ranked.csv"
    address = ["--engine", "ray", "--address", f"127.0.0.1:{port}"]
    result = runner.invoke(app, ["rank", "-p", P, "-r", R, "--out", str(out), *address])
    assert result.exit_code == 2
    assert f"127.0.0.1:{port}" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_address_without_the_ray_engine_is_a_usage_error(tmp_path):
    result = runner.invoke(
        app, ["rank", "-p", P, "-r", R, "--out", str(tmp_path / "x.csv"), "--address", "h:1"]
    )
    assert result.exit_code == 2 and "--engine ray" in result.output


def test_ray_writes_the_single_process_file_through_the_retrieval_stage(tmp_path, monkeypatch):
    judged = Path(__file__).parents[1] / "data" / "judged"
    monkeypatch.setenv("MATCHER_ANN_ABOVE", "0")  # the first stage, whatever the size
    monkeypatch.setenv("MATCHER_CANDIDATES", "10")  # of 64 providers: most are never scored
    records = ["-p", str(judged / "projects.csv"), "-r", str(judged / "resources.csv")]
    outputs = []
    for engine in ([], ["--engine", "ray", "--workers", "2", "--batch-size", "48"]):
        out = tmp_path / f"ranked{len(outputs)}.csv"
        result = runner.invoke(app, ["rank", *records, "-k", "5", "--out", str(out), *engine])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
