"""Service settings: each field is one `MATCHER_*` variable (table in service/README.md).

`ServiceSettings()` reads `os.environ`; `ServiceSettings.from_env(mapping)` reads only the
mapping (tests pass a dict). Routes get them through the `get_settings` dependency.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from fastapi import Request
from pydantic import Field, field_validator

from matcher.ingest import MAX_TEXT
from matcher.settings import EnvSettings
from matcher.settings import Settings as ModelSettings

from .throttle import PER_CLIENT

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO / "out" / "service"
MAX_K = 100  # the API's ceiling for k; MATCHER_MAX_K may lower it
MIN_ADMIN_KEY = 16  # characters: a guessable organiser key undoes every other protection


def _sample_dir() -> Path:
    """The shipped sample, or the test fixtures while the sample is not generated yet."""
    sample = REPO / "data" / "sample"
    return sample if (sample / "projects.csv").is_file() else REPO / "tests" / "fixtures"


class ServiceSettings(EnvSettings):
    """Everything the service reads from its environment, with the limits it enforces."""

    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="SQLite file and FAISS indexes")
    db_url: str = Field(
        default="", description="SQLAlchemy URL; empty: SQLite matcher.db in data_dir"
    )
    admin_key: str | None = Field(
        default=None, description="organiser key; unset: generated, printed"
    )
    models: ModelSettings = Field(
        default_factory=lambda: ModelSettings(),
        description="MATCHER_MODELS_DIR, _CACHE_DIR, _ENCODERS",
    )
    fusion: Literal["fitted", "zscore"] = Field(
        default="fitted", description="fitted: models/fusion; zscore: the baseline, no fitted model"
    )
    load_sample: bool | None = Field(
        default=None,
        description="unset: sample into an empty default database only; 1: any empty one; 0: never",
    )
    sample_dir: Path | None = Field(default=None, description="what to load; default data/sample")
    max_body_bytes: int = Field(default=256 * 1024, gt=0, description="JSON bodies")
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, gt=0, description="spreadsheet uploads")
    max_import_rows: int = Field(
        default=50_000, ge=1, description="most data rows in one uploaded sheet"
    )
    max_unzipped_bytes: int = Field(
        default=100 * 1024 * 1024, gt=0, description="largest expanded size of an uploaded .xlsx"
    )
    max_text_chars: int = Field(
        default=MAX_TEXT, ge=1, le=MAX_TEXT, description="free-text query length (≤ a sheet cell)"
    )
    max_k: int = Field(
        default=MAX_K, ge=1, le=MAX_K, description="most matches one request may ask for"
    )
    query_batch_ms: float = Field(
        default=0.0, ge=0, description="extra wait for company in a batch"
    )
    query_batch_max: int = Field(
        default=32, ge=1, description="most free-text queries in one batch"
    )
    plan_workers: int = Field(default=1, ge=1, description="plan jobs run at once")
    threads: int = Field(default=1, ge=1, description="threads per model call (torch, USE, BLAS)")
    plan_time_limit: float = Field(
        default=60.0, gt=0, le=600, description="solver seconds per plan job (default and ceiling)"
    )
    query_int8: bool = Field(default=True, description="free text through int8 encoder copies")
    access_log: bool = Field(default=False, description="uvicorn's line per request")
    failures_per_client: int = Field(
        default=PER_CLIENT,
        ge=1,
        description="wrong keys or tokens one client address may send per 5 minutes before it is "
        "refused a while (raise it where many people share one address, e.g. a venue's Wi-Fi)",
    )
    sync_seconds: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="how often a process applies other processes' writes (several workers)",
    )

    @field_validator("admin_key")
    @classmethod
    def _strong_key(cls, key: str | None) -> str | None:
        if key is not None and len(key.strip()) < MIN_ADMIN_KEY:
            raise ValueError(
                f"MATCHER_ADMIN_KEY must be at least {MIN_ADMIN_KEY} characters (unset it to "
                "have a strong key generated and printed once)"
            )
        return key

    @classmethod
    def _nested(cls, environ: Mapping[str, str]) -> dict[str, Any]:
        return {"models": ModelSettings.from_env(environ)}

    def with_db(self, db_url: str | None) -> ServiceSettings:
        return self.model_copy(update={"db_url": db_url}) if db_url else self

    @property
    def sample_to_load(self) -> Path | None:
        """The folder to load into an empty database, or None. Unless asked (`load_sample`),
        only `make run`'s default embedded database gets it: a database named with --db or
        MATCHER_DB_URL may be a real one, where fictional records and their ids would collide."""
        wanted = self.load_sample if self.load_sample is not None else not self.db_url
        return (self.sample_dir or _sample_dir()) if wanted else None

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.data_dir / 'matcher.db'}"


async def get_settings(request: Request) -> ServiceSettings:
    """Dependency: the settings the app was created with (`create_app(settings)`)."""
    settings: ServiceSettings = request.app.state.settings
    return settings
