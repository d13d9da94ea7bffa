"""Service settings from a mapping (tests pass a dict; the server passes `os.environ`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from fastapi import Request

from matcher.engine import Settings as ModelSettings

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO / "out" / "service"


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    value = env.get(key)
    return int(value) if value else default


def _flag(env: Mapping[str, str], key: str, default: bool) -> bool:
    value = env.get(key)
    return default if not value else value.lower() not in ("0", "false", "no", "off")


def _sample_dir() -> Path:
    """The shipped sample, or the test fixtures while the sample is not generated yet."""
    sample = REPO / "data" / "sample"
    return sample if (sample / "projects.csv").is_file() else REPO / "tests" / "fixtures"


@dataclass(frozen=True)
class ServiceSettings:
    """Everything the service reads from its environment, with the limits it enforces."""

    data_dir: Path = DEFAULT_DATA_DIR
    db_url: str = ""  # empty: SQLite file `matcher.db` in data_dir
    admin_key: str | None = None  # MATCHER_ADMIN_KEY; generated and printed once when unset
    models: ModelSettings = field(default_factory=ModelSettings.from_env)
    fusion: str = "fitted"  # "fitted" (models/fusion) or "zscore" (baseline, no fitted model)
    sample_dir: Path | None = None  # loaded into an empty database at start; None: do not
    max_body_bytes: int = 256 * 1024  # JSON bodies
    max_upload_bytes: int = 10 * 1024 * 1024  # spreadsheet uploads
    max_text_chars: int = 5000  # same limit as a spreadsheet cell (matcher.ingest.MAX_TEXT)
    max_k: int = 100
    query_batch_ms: float = 0.0  # extra wait for company; 0: batch whatever queued meanwhile
    query_batch_max: int = 32
    plan_workers: int = 1
    threads: int = 1  # per model call (torch, USE, OpenMP, BLAS); see main.limit_threads
    plan_time_limit: float = 60.0
    query_int8: bool = True  # free text through int8 encoder copies (matcher.text.quantize)
    access_log: bool = False  # uvicorn's line per request; /metrics counts without its cost

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServiceSettings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("MATCHER_DATA_DIR", str(DEFAULT_DATA_DIR)))
        load_sample = _flag(env, "MATCHER_LOAD_SAMPLE", True)
        return cls(
            data_dir=data_dir,
            db_url=env.get("MATCHER_DB_URL", ""),
            admin_key=env.get("MATCHER_ADMIN_KEY") or None,
            models=ModelSettings.from_env(env),
            fusion=env.get("MATCHER_FUSION", "fitted"),
            sample_dir=Path(env["MATCHER_SAMPLE_DIR"])
            if env.get("MATCHER_SAMPLE_DIR")
            else (_sample_dir() if load_sample else None),
            max_body_bytes=_int(env, "MATCHER_MAX_BODY_BYTES", cls.max_body_bytes),
            max_upload_bytes=_int(env, "MATCHER_MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            plan_workers=_int(env, "MATCHER_PLAN_WORKERS", cls.plan_workers),
            threads=_int(env, "MATCHER_THREADS", cls.threads),
            query_int8=_flag(env, "MATCHER_QUERY_INT8", cls.query_int8),
            access_log=_flag(env, "MATCHER_ACCESS_LOG", cls.access_log),
        )

    def with_db(self, db_url: str | None) -> ServiceSettings:
        return replace(self, db_url=db_url) if db_url else self

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.data_dir / 'matcher.db'}"


async def get_settings(request: Request) -> ServiceSettings:
    """Dependency: the settings the app was created with."""
    settings: ServiceSettings = request.app.state.settings
    return settings
