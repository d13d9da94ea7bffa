"""`matcher serve` / `python -m service`: bootstrap the database, print URL and key, run uvicorn."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

# One thread per model call, set before numpy/sklearn/torch load their thread pools: the
# OpenMP setting is per thread, so setting it later reaches only the thread that sets it.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, os.environ.get("MATCHER_THREADS", "1"))

from typing import Annotated  # noqa: E402

import typer  # noqa: E402

from matcher.cli import app  # noqa: E402  (the library's commands; `serve` is added below)


def serve(
    db: str | None = None, host: str = "127.0.0.1", port: int = 8000, workers: int = 1
) -> None:
    """Run the service. The organiser key comes from MATCHER_ADMIN_KEY, or is generated and
    printed once when unset. The default embedded database gets the sample data when empty; a
    database named with --db or MATCHER_DB_URL does not (MATCHER_LOAD_SAMPLE=1 or 0 decides).
    `workers` > 1 runs that many server processes on one PostgreSQL database."""
    import uvicorn
    from pydantic import ValidationError
    from sqlalchemy.engine import make_url

    from .config import ServiceSettings  # the web layer loads only when serving
    from .main import bootstrap, create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = ServiceSettings.from_env().with_db(db)
    except ValidationError as exc:  # a bad MATCHER_* variable: say which, not a traceback
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        sys.stderr.write(f"cannot start: {problems}\n")
        raise SystemExit(2) from None
    if workers > 1 and make_url(settings.database_url).get_backend_name() != "postgresql":
        sys.stderr.write(
            f"cannot start: --workers {workers} needs PostgreSQL (--db or MATCHER_DB_URL="
            "postgresql+psycopg://user@host:port/db); the embedded SQLite database serves one "
            "process\n"
        )
        raise SystemExit(2)
    new_key = bootstrap(settings)
    url = f"http://{host}:{port}"
    lines = [
        f"医疗创新匹配 service: {url}  (API docs: {url}/docs)",
        f"database: {settings.database_url}",
    ]
    if new_key:
        lines.append(f"organiser key (shown once, store it now): {new_key}")
    elif settings.admin_key:
        lines.append("organiser key: from MATCHER_ADMIN_KEY")
    else:
        lines.append("organiser key: created on first start (set MATCHER_ADMIN_KEY to add one)")
    if workers > 1:  # each worker builds its app from the environment: the same settings
        os.environ["MATCHER_DB_URL"] = settings.database_url
        lines.append(
            f"workers: {workers} processes (each loads the models and its catalogue, and accepts "
            "connections once it has)"
        )
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    uvicorn.run(
        create_app(settings) if workers == 1 else "service.main:create_worker_app",
        factory=workers > 1,
        workers=workers if workers > 1 else None,
        host=host,
        port=port,
        log_level="info",
        access_log=settings.access_log,
        timeout_graceful_shutdown=5,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m service", description=serve.__doc__)
    parser.add_argument("--db", help="SQLAlchemy URL (default: SQLite in $MATCHER_DATA_DIR)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL)")
    args = parser.parse_args(argv)
    serve(args.db, args.host, args.port, args.workers)


@app.command("serve")
def serve_command(
    db: Annotated[
        str | None, typer.Option(help="数据库 SQLAlchemy URL (default: SQLite in out/service)")
    ] = None,
    host: Annotated[str, typer.Option(help="监听地址 host")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="端口 port")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="服务进程数 server processes (needs PostgreSQL)")
    ] = 1,
) -> None:
    """启动匹配服务 — run the HTTP service and web UI; organiser key from MATCHER_ADMIN_KEY or printed once."""
    serve(db, host, port, workers)
