"""Settings read from `MATCHER_*` variables: every field is one variable (pydantic-settings).

`Settings()` reads `os.environ`; `Settings.from_env(mapping)` reads only that mapping, so tests
never touch the process environment. Empty variables count as unset.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO = Path(__file__).resolve().parents[1]
PREFIX = "MATCHER_"
DEFAULT_ENCODERS = ("e5-small", "use-m3")
FUSION_FOLDER = "fusion"
# Providers per project a fusion of trees scores after the first stage (`rank.score_block`).
DEFAULT_CANDIDATES = 200
# Above this many providers a first stage picks each project's candidates (`retrieval`); at or
# below it every pair is scored. Measured (bench/bench_retrieval.py): the stage costs about what
# scoring every pair costs at 10,000 providers, and is ~2× faster at 20,000.
DEFAULT_ANN_ABOVE = 15_000


class EnvSettings(BaseSettings):
    """Base of the library's and the service's settings: the `MATCHER_` prefix, frozen values."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_ignore_empty=True, frozen=True, extra="ignore"
    )

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Field name → the environment variable it is read from (nested settings excluded)."""
        return {
            name: PREFIX + name.upper()
            for name, info in cls.model_fields.items()
            if not (isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel))
        }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **values: Any) -> Self:
        """Settings from `environ` alone (`os.environ` when None); `values` override both."""
        if environ is None:
            return cls(**values)
        found = {name: environ[var] for name, var in cls.variables().items() if environ.get(var)}
        return cls.model_validate(found | cls._nested(environ) | values)

    @classmethod
    def _nested(cls, environ: Mapping[str, str]) -> dict[str, Any]:
        """Nested settings built from the same mapping (subclasses that hold some override)."""
        return {}


class Settings(EnvSettings):
    """Where the built models and the embedding cache live, and which dense encoders rank."""

    models_dir: Path = Field(
        default=REPO / "models", description="built encoders and the fitted fusion"
    )
    cache_dir: Path = Field(
        default=REPO / "models" / "cache",
        description="embedding cache; default: <models_dir>/cache",
    )
    encoders: Annotated[tuple[str, ...], NoDecode] = Field(
        default=DEFAULT_ENCODERS, description="dense encoders, comma-separated"
    )
    candidates: int = Field(
        default=DEFAULT_CANDIDATES,
        ge=10,
        description="providers per project a tree fusion scores after the first stage, and "
        "each source (dense encoder, BM25) of the retrieval stage contributes",
    )
    ann_above: int = Field(
        default=DEFAULT_ANN_ABOVE,
        ge=0,
        description="above this many providers, rank only each project's retrieved candidates",
    )

    @model_validator(mode="before")
    @classmethod
    def _cache_beside_models(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("models_dir") and not data.get("cache_dir"):
            data = {**data, "cache_dir": Path(data["models_dir"]) / "cache"}
        return data

    @field_validator("encoders", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value

    @property
    def fusion_dir(self) -> Path:
        return self.models_dir / FUSION_FOLDER
