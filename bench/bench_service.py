"""Load test of the HTTP service from a second process on loopback (wrk, or a bounded httpx script).

    .venv/bin/python bench/bench_service.py [--tool wrk|httpx] [--clients 1,8,32] [--url URL --key KEY]

Without --url it starts `python -m service` on a free port with a fresh SQLite database in a
temp folder, the sample data and the built models, and waits for /readyz. It asks for every
project's matches once (answers are then cached, as in steady use; a miss is ranked in a
worker thread, off the event loop), then runs two scenarios at 1, 8 and 32 concurrent
clients, with `--settle` idle seconds before each level so that queued free-text queries of
the previous level do not spill into it:

  (a) matches of a known project: GET /api/projects/{id}/matches?k=10, cycling over projects
  (b) free text: POST /api/query {"text": <a sample description>, "k": 5}

With `--tool wrk` (the default when `wrk` is on PATH) each level runs for `--seconds` with a
Lua script cycling over the sample's project ids and descriptions; wrk is C, so the load
generator takes little of the 2 cores. With `--tool httpx` each level sends a bounded number
of requests from asyncio workers (Python: the client then competes with the server for CPU).

Prints a Markdown table (throughput, client-side p50/p99, and the server's own p50/p99 as
the upper bound of its /metrics histogram bucket, which separates server time from the
client's and the machine's) with the command line, and writes it as JSON to
out/bench_service.json. Targets on a 2-core machine: (a) p99 < 20 ms at 32 clients,
(b) p50 < 50 ms at 1 client.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    data_dir: Path, key: str, sample: Path, db: str | None = None, workers: int = 1
) -> tuple[subprocess.Popen, str]:
    """`python -m service` on a free port, in its own process group (workers included)."""
    port = _free_port()
    env = {
        **os.environ,
        "MATCHER_DATA_DIR": str(data_dir),
        "MATCHER_ADMIN_KEY": key,
        "MATCHER_SAMPLE_DIR": str(sample),
        "MATCHER_LOAD_SAMPLE": "1",  # a database named with --db gets the sample only if asked
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    command = [sys.executable, "-m", "service", "--port", str(port), "--workers", str(workers)]
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 -- lives as long as the server
    process = subprocess.Popen(
        [*command, *(["--db", db] if db else [])],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited; see {data_dir / 'server.log'}")
        try:
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    process.kill()
    raise SystemExit("server did not become ready in 10 minutes")


def server_buckets(url: str, route: str) -> dict[float, float]:
    """Cumulative counts of the service's own latency histogram for one route (from /metrics)."""
    out: dict[float, float] = {}
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith("matcher_http_request_seconds_bucket{") and f'route="{route}"' in line:
            bound = line.split('le="')[1].split('"')[0]
            out[float("inf") if bound == "+Inf" else float(bound)] = float(line.rsplit(" ", 1)[1])
    return out


def bucket_percentile(before: dict[float, float], after: dict[float, float], q: float) -> float:
    """Upper bound (ms) of the histogram bucket holding the q-th percentile of new requests."""
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0.0) for b in bounds]
    total = counts[-1] if counts else 0.0
    for bound, count in zip(bounds, counts, strict=True):
        if total and count >= q / 100 * total:
            return bound * 1000
    return float("nan")


async def run_level(
    url: str,
    headers: dict[str, str],
    clients: int,
    total: int,
    request: Callable[[httpx.AsyncClient, int], object],
) -> dict[str, float]:
    """`total` requests from `clients` concurrent workers; latency of each, wall time overall.

    Each worker is one user with its own connection (its own httpx client): one shared pool
    of 32 connections cost the client more CPU than the server spent answering.
    """
    latencies: list[float] = []
    counter = iter(range(total))
    errors = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for i in counter:
            started = time.perf_counter()
            response = await request(client, i)  # type: ignore[misc]
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                errors += 1

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    sessions = [
        httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60)
        for _ in range(clients)
    ]
    try:
        for i, client in enumerate(sessions):  # warm-up: connections open
            await request(client, i)  # type: ignore[misc]
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for client in sessions))
        wall = time.perf_counter() - started
    finally:
        for client in sessions:
            await client.aclose()
    ms = np.array(latencies) * 1000
    return {
        "clients": clients,
        "requests": len(ms),
        "errors": errors,
        "throughput_rps": round(len(ms) / wall, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
    }


def wrk_script(folder: Path, name: str, method: str, items: list[str]) -> Path:
    """A wrk Lua script sending one request per item, cycling (paths for GET, bodies for POST)."""
    quoted = ",\n".join(f"[==[{item}]==]" for item in items)
    send = (
        'wrk.format("GET", items[i])'
        if method == "GET"
        else 'wrk.format("POST", "/api/query", nil, items[i])'
    )
    path = folder / f"{name}.lua"
    path.write_text(
        f'wrk.headers["Content-Type"] = "application/json"\nlocal items = {{\n{quoted}\n}}\n'
        f"local n = 0\nrequest = function()\n  n = n + 1\n  local i = (n % #items) + 1\n"
        f"  return {send}\nend\n",
        encoding="ascii",
    )
    return path


def run_wrk(url: str, key: str, clients: int, seconds: int, script: Path) -> dict[str, float]:
    """One wrk level: throughput and latency percentiles as wrk reports them."""
    output = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{clients}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            "-H",
            f"Authorization: Bearer {key}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if match is None:
            raise SystemExit(f"unexpected wrk output:\n{output}")
        return float(match[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match[2]]

    total = re.search(r"(\d+) requests in", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    return {
        "clients": clients,
        "requests": int(total[1]) if total else 0,
        "errors": int(errors[1]) if errors else 0,
        "throughput_rps": float(rate[1]) if rate else 0.0,
        "p50_ms": round(latency("50"), 2),
        "p99_ms": round(latency("99"), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already running service (default: start one)")
    parser.add_argument("--key", help="organiser key for --url")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument(
        "--tool", choices=("wrk", "httpx"), default="wrk" if shutil.which("wrk") else "httpx"
    )
    parser.add_argument("--seconds", type=int, default=10, help="per level, with wrk")
    parser.add_argument("--settle", type=float, default=3.0, help="idle seconds before each level")
    parser.add_argument(
        "--requests", type=int, default=400, help="per level, known-project matches"
    )
    parser.add_argument("--query-requests", type=int, default=120, help="per level, free text")
    parser.add_argument("--sample", type=Path, default=REPO / "data" / "sample")
    parser.add_argument("--out", type=Path, default=REPO / "out" / "bench_service.json")
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL)")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="serve from a throwaway PostgreSQL cluster (tests/service/postgres_helpers.py)",
    )
    args = parser.parse_args()
    sample = (
        args.sample if (args.sample / "projects.csv").is_file() else REPO / "tests" / "fixtures"
    )
    with open(sample / "projects.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))[1:]
    project_ids = [row[0] for row in rows]
    texts = [row[2] or row[1] for row in rows]

    process = None
    postgres = None
    key = args.key or secrets.token_urlsafe(24)
    url = args.url
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="bench-service-"))
        started = time.perf_counter()
        db = None
        if args.postgres:
            sys.path.insert(0, str(REPO / "tests" / "service"))
            from postgres_helpers import Postgres, binaries

            bin_dir = binaries()
            if bin_dir is None:
                raise SystemExit("--postgres: no PostgreSQL binaries (apt-get install postgresql)")
            postgres = Postgres(bin_dir)
            db = postgres.create()
        process, url = start_server(folder, key, sample, db, args.workers)
        sys.stderr.write(f"server ready in {time.perf_counter() - started:.1f}s at {url}\n")
    headers = {"Authorization": f"Bearer {key}"}

    def known(client: httpx.AsyncClient, i: int) -> object:
        return client.get(f"/api/projects/{project_ids[i % len(project_ids)]}/matches?k=10")

    def free_text(client: httpx.AsyncClient, i: int) -> object:
        return client.post("/api/query", json={"text": texts[i % len(texts)], "k": 5})

    results: dict[str, list[dict[str, float]]] = {"known_project": [], "free_text": []}
    scripts: dict[str, Path] = {}
    if args.tool == "wrk":
        scripts_dir = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
        scripts = {
            "known_project": wrk_script(
                scripts_dir,
                "known",
                "GET",
                [f"/api/projects/{p}/matches?k=10" for p in project_ids],
            ),
            "free_text": wrk_script(
                scripts_dir, "query", "POST", [json.dumps({"text": t, "k": 5}) for t in texts]
            ),
        }
    scenarios = {
        "known_project": (known, args.requests, "/api/projects/{project_id}/matches"),
        "free_text": (free_text, args.query_requests, "/api/query"),
    }
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as warm:
            for project_id in project_ids:  # every answer cached once, as in steady use
                warm.get(f"/api/projects/{project_id}/matches?k=10").raise_for_status()
        for clients in (int(c) for c in args.clients.split(",")):
            for name, (request, total, route) in scenarios.items():
                time.sleep(args.settle)  # let the last level's queued queries drain
                before = server_buckets(url, route)
                if args.tool == "wrk":
                    level = run_wrk(url, key, clients, args.seconds, scripts[name])
                else:
                    level = asyncio.run(run_level(url, headers, clients, total, request))
                after = server_buckets(url, route)
                level["server_p50_ms_le"] = bucket_percentile(before, after, 50)
                level["server_p99_ms_le"] = bucket_percentile(before, after, 99)
                results[name].append(level)
    finally:
        if process is not None:
            os.killpg(process.pid, signal.SIGKILL)  # the server and its worker processes
            process.wait()
        if postgres is not None:
            postgres.stop()

    command = " ".join(["python", *sys.argv])
    where = f"PostgreSQL, {args.workers} worker(s)" if args.postgres else "SQLite, 1 worker"
    where = "the service at --url" if args.url else where
    lines = [
        f"`{command}` ({args.tool}) — {platform.node()}, {os.cpu_count()} cores, load avg "
        f"{os.getloadavg()[0]:.1f}, {len(project_ids)} projects from {sample}; {where} "
        "(server percentiles come from one process's /metrics)",
        "",
        "| scenario | clients | requests | errors | req/s | p50 ms | p99 ms "
        "| server p50 ≤ ms | server p99 ≤ ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario, levels in results.items():
        for r in levels:
            lines.append(
                f"| {scenario} | {r['clients']} | {r['requests']} | {r['errors']} | "
                f"{r['throughput_rps']} | {r['p50_ms']} | {r['p99_ms']} | "
                f"{r['server_p50_ms_le']:g} | {r['server_p99_ms_le']:g} |"
            )
    sys.stdout.write("\n".join(lines) + "\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"command": command, "results": results}, indent=2), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
