"""The real app on a real SQLite file in a temp folder, with a fake encoder and z-score fusion."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from postgres_helpers import Postgres, binaries
from service_helpers import ADMIN_KEY, bearer, fake_models, settings_for, wait_ready

from service.config import ServiceSettings
from service.main import create_app


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A module with `DATABASES = ("sqlite", "postgresql")` runs each test on each database."""
    wanted = getattr(metafunc.module, "DATABASES", None)
    if wanted and "database" in metafunc.fixturenames:
        metafunc.parametrize("database", wanted, indirect=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A throwaway PostgreSQL server for the session. Without PostgreSQL installed the tests
    that need it are skipped, unless CI is set: there a missing PostgreSQL is a failure."""
    found = binaries()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(
                "PostgreSQL is not installed (CI is set, so this is a failure): apt-get install postgresql"
            )
        pytest.skip(
            "PostgreSQL is not installed (apt-get install postgresql); CI is unset, so skipped"
        )
    server = Postgres(found)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def database(request: pytest.FixtureRequest) -> Iterator[str]:
    """The test's database URL: "" for the default SQLite file, or a fresh PostgreSQL database."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield ""
        return
    server: Postgres = request.getfixturevalue("postgres")
    url = server.create()
    try:
        yield url
    finally:
        server.drop(url)


@pytest.fixture
def settings(tmp_path: Path, database: str) -> ServiceSettings:
    return settings_for(tmp_path, **({"db_url": database} if database else {}))


@pytest.fixture
def client(settings: ServiceSettings, hash_encoder: object) -> Iterator[TestClient]:
    with TestClient(create_app(settings, fake_models(hash_encoder))) as test_client:
        wait_ready(test_client)
        yield test_client


@pytest.fixture
def admin() -> dict[str, str]:
    return bearer(ADMIN_KEY)
