"""Load test of the HTTP service from a second process on loopback (bounded httpx script).

    .venv/bin/python bench/bench_service.py [--requests 400] [--clients 1,8,32] [--url URL --key KEY]

Without --url it starts `python -m service` on a free port with a fresh SQLite database in a
temp folder, the sample data and the built models, and waits for /readyz. Two scenarios, each
at 1, 8 and 32 concurrent clients (a bounded number of requests per level, after a warm-up):

  (a) matches of a known project: GET /api/projects/{id}/matches?k=10, cycling over projects
  (b) free text: POST /api/query {"text": <a sample description>, "k": 5}

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
import secrets
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


def start_server(data_dir: Path, key: str, sample: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "MATCHER_DATA_DIR": str(data_dir), "MATCHER_ADMIN_KEY": key,
           "MATCHER_SAMPLE_DIR": str(sample), "HF_HUB_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}  # fmt: skip
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 -- lives as long as the server
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "--port", str(port)], cwd=REPO, env=env,
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
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
    url: str, headers: dict[str, str], clients: int, total: int,
    request: Callable[[httpx.AsyncClient, int], object],
) -> dict[str, float]:  # fmt: skip
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
    sessions = [httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60)
                for _ in range(clients)]  # fmt: skip
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
    return {"clients": clients, "requests": len(ms), "errors": errors,
            "throughput_rps": round(len(ms) / wall, 1), "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already running service (default: start one)")
    parser.add_argument("--key", help="organiser key for --url")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--requests", type=int, default=400, help="per level, known-project matches")
    parser.add_argument("--query-requests", type=int, default=120, help="per level, free text")
    parser.add_argument("--sample", type=Path, default=REPO / "data" / "sample")
    parser.add_argument("--out", type=Path, default=REPO / "out" / "bench_service.json")
    args = parser.parse_args()
    sample = args.sample if (args.sample / "projects.csv").is_file() else REPO / "tests" / "fixtures"
    with open(sample / "projects.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))[1:]
    project_ids = [row[0] for row in rows]
    texts = [row[2] or row[1] for row in rows]

    process = None
    key = args.key or secrets.token_urlsafe(24)
    url = args.url
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="bench-service-"))
        started = time.perf_counter()
        process, url = start_server(folder, key, sample)
        sys.stderr.write(f"server ready in {time.perf_counter() - started:.1f}s at {url}\n")
    headers = {"Authorization": f"Bearer {key}"}

    def known(client: httpx.AsyncClient, i: int) -> object:
        return client.get(f"/api/projects/{project_ids[i % len(project_ids)]}/matches?k=10")

    def free_text(client: httpx.AsyncClient, i: int) -> object:
        return client.post("/api/query", json={"text": texts[i % len(texts)], "k": 5})

    results: dict[str, list[dict[str, float]]] = {"known_project": [], "free_text": []}
    scenarios = {"known_project": (known, args.requests, "/api/projects/{project_id}/matches"),
                 "free_text": (free_text, args.query_requests, "/api/query")}  # fmt: skip
    try:
        for clients in (int(c) for c in args.clients.split(",")):
            for name, (request, total, route) in scenarios.items():
                before = server_buckets(url, route)
                level = asyncio.run(run_level(url, headers, clients, total, request))
                after = server_buckets(url, route)
                level["server_p50_ms_le"] = bucket_percentile(before, after, 50)
                level["server_p99_ms_le"] = bucket_percentile(before, after, 99)
                results[name].append(level)
    finally:
        if process is not None:
            process.kill()
            process.wait()

    command = " ".join(["python", *sys.argv])
    lines = [f"`{command}` — {platform.node()}, {os.cpu_count()} cores, load avg "
             f"{os.getloadavg()[0]:.1f}, {len(project_ids)} projects from {sample}", "",
             "| scenario | clients | requests | errors | req/s | p50 ms | p99 ms "
             "| server p50 ≤ ms | server p99 ≤ ms |", "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for scenario, levels in results.items():
        for r in levels:
            lines.append(f"| {scenario} | {r['clients']} | {r['requests']} | {r['errors']} | "
                         f"{r['throughput_rps']} | {r['p50_ms']} | {r['p99_ms']} | "
                         f"{r['server_p50_ms_le']:g} | {r['server_p99_ms_le']:g} |")  # fmt: skip
    sys.stdout.write("\n".join(lines) + "\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"command": command, "results": results}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
