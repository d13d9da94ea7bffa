"""Settings from the environment: switches read as people write them."""

from __future__ import annotations

import pytest

from service.config import ServiceSettings


def test_defaults_serve_int8_queries_without_an_access_log():
    settings = ServiceSettings.from_env({"MATCHER_DATA_DIR": "/tmp/x"})
    assert settings.query_int8 and not settings.access_log and settings.query_batch_ms == 0


@pytest.mark.parametrize("off", ["0", "false", "No", "OFF"])
def test_switches_turn_off_and_on(off):
    settings = ServiceSettings.from_env(
        {"MATCHER_QUERY_INT8": off, "MATCHER_ACCESS_LOG": "1", "MATCHER_LOAD_SAMPLE": off}
    )
    assert not settings.query_int8 and settings.access_log and settings.sample_dir is None
