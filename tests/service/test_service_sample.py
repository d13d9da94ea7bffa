"""The sample goes only into `make run`'s default embedded database, or where asked for
explicitly; never into a database named with --db or MATCHER_DB_URL (issue 13, defect 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from service import crud
from service.config import ServiceSettings
from service.db import make_engine
from service.main import bootstrap

KEY = "a-long-enough-organiser-key-for-tests"


def _ids_after_bootstrap(settings: ServiceSettings) -> tuple[list[str], list[str]]:
    bootstrap(settings)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            return crud.record_ids(session)
    finally:
        engine.dispose()


def test_the_default_embedded_database_gets_the_sample(tmp_path):
    settings = ServiceSettings.from_env(
        {"MATCHER_DATA_DIR": str(tmp_path), "MATCHER_ADMIN_KEY": KEY}
    )
    assert settings.sample_to_load is not None
    projects, resources = _ids_after_bootstrap(settings)
    assert projects and resources


@pytest.mark.parametrize("how", ["--db", "MATCHER_DB_URL"])
def test_a_named_database_starts_empty(tmp_path, how):
    url = f"sqlite:///{tmp_path / 'production.db'}"
    environ = {"MATCHER_DATA_DIR": str(tmp_path), "MATCHER_ADMIN_KEY": KEY}
    if how == "MATCHER_DB_URL":
        settings = ServiceSettings.from_env({**environ, "MATCHER_DB_URL": url})
    else:
        settings = ServiceSettings.from_env(environ).with_db(url)
    assert settings.sample_to_load is None
    assert _ids_after_bootstrap(settings) == ([], [])
    assert not (tmp_path / "matcher.db").exists()


def test_asked_explicitly_a_named_database_gets_the_sample(tmp_path):
    settings = ServiceSettings.from_env(
        {
            "MATCHER_ADMIN_KEY": KEY,
            "MATCHER_LOAD_SAMPLE": "1",
            "MATCHER_SAMPLE_DIR": str(Path(__file__).parents[1] / "fixtures"),
        }
    ).with_db(f"sqlite:///{tmp_path / 'demo.db'}")
    assert _ids_after_bootstrap(settings) == (["P1", "P2", "P3"], [f"R{n}" for n in range(1, 7)])


def test_asked_not_to_the_default_database_stays_empty(tmp_path):
    settings = ServiceSettings.from_env(
        {"MATCHER_DATA_DIR": str(tmp_path), "MATCHER_ADMIN_KEY": KEY, "MATCHER_LOAD_SAMPLE": "0"}
    )
    assert _ids_after_bootstrap(settings) == ([], [])
