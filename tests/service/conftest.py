"""The real app on a real SQLite file in a temp folder, with a fake encoder and z-score fusion."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_helpers import ADMIN_KEY, bearer, fake_models, settings_for, wait_ready

from service.config import ServiceSettings
from service.main import create_app


@pytest.fixture
def settings(tmp_path: Path) -> ServiceSettings:
    return settings_for(tmp_path)


@pytest.fixture
def client(settings: ServiceSettings, hash_encoder: object) -> Iterator[TestClient]:
    with TestClient(create_app(settings, fake_models(hash_encoder))) as test_client:
        wait_ready(test_client)
        yield test_client


@pytest.fixture
def admin() -> dict[str, str]:
    return bearer(ADMIN_KEY)
