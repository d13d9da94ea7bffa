"""Settings from the environment: every field is one documented MATCHER_* variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from matcher.settings import Settings as ModelSettings
from service.config import ServiceSettings

README = Path(__file__).resolve().parents[2] / "service" / "README.md"


def test_defaults_serve_int8_queries_without_an_access_log():
    settings = ServiceSettings.from_env({"MATCHER_DATA_DIR": "/tmp/x"})
    assert settings.query_int8 and not settings.access_log and settings.query_batch_ms == 0
    assert settings.data_dir == Path("/tmp/x") and settings.max_k == 100


@pytest.mark.parametrize("off", ["0", "false", "No", "OFF"])
def test_switches_turn_off_and_on(off):
    settings = ServiceSettings.from_env(
        {"MATCHER_QUERY_INT8": off, "MATCHER_ACCESS_LOG": "1", "MATCHER_LOAD_SAMPLE": off}
    )
    assert not settings.query_int8 and settings.access_log and settings.sample_to_load is None


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        ("MATCHER_MAX_K", "20", "max_k", 20),
        ("MATCHER_MAX_TEXT_CHARS", "300", "max_text_chars", 300),
        ("MATCHER_PLAN_TIME_LIMIT", "5", "plan_time_limit", 5.0),
        # these two were fields that no variable reached before
        ("MATCHER_QUERY_BATCH_MS", "3.5", "query_batch_ms", 3.5),
        ("MATCHER_QUERY_BATCH_MAX", "8", "query_batch_max", 8),
    ],
)
def test_every_limit_is_read_from_its_variable(variable, value, field, expected):
    assert getattr(ServiceSettings.from_env({variable: value}), field) == expected


def test_empty_variables_count_as_unset_and_bad_values_are_refused():
    assert ServiceSettings.from_env({"MATCHER_MAX_K": ""}).max_k == 100
    with pytest.raises(ValidationError):
        ServiceSettings.from_env({"MATCHER_FUSION": "fited"})
    with pytest.raises(ValidationError):
        ServiceSettings.from_env({"MATCHER_MAX_K": "500"})  # above what the API allows


def test_the_library_settings_come_from_the_same_mapping():
    settings = ServiceSettings.from_env(
        {"MATCHER_MODELS_DIR": "/m", "MATCHER_ENCODERS": "e5-small, hash"}
    ).models
    assert settings == ModelSettings.from_env(
        {"MATCHER_MODELS_DIR": "/m", "MATCHER_ENCODERS": "e5-small,hash"}
    )
    assert settings.cache_dir == Path("/m/cache") and settings.encoders == ("e5-small", "hash")
    assert settings.fusion_dir == Path("/m/fusion")


def test_values_override_the_mapping():
    settings = ServiceSettings.from_env({"MATCHER_MAX_K": "20"}, max_k=30)
    assert settings.max_k == 30


def test_every_variable_is_documented_in_the_service_readme():
    table = {m for m in re.findall(r"^\| `(MATCHER_\w+)`", README.read_text(), re.MULTILINE)}
    variables = set(ServiceSettings.variables().values()) | set(ModelSettings.variables().values())
    assert variables == table
