"""Schemathesis against a live server: generated requests for every operation in the OpenAPI
schema never get a 5xx, and every response matches the schema (status, content type, body)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from live_server import start
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from service_helpers import ADMIN_KEY, bearer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# generated cases per operation. The schema checks do not depend on the database, so SQLite
# runs the full count (~40 s here) and PostgreSQL a third of it (~15 s, same cost per case):
# enough to reach its own failure modes (types, constraint errors, transactions) without
# doubling the test's share of CI time
EXAMPLES = {"sqlite": 30, "postgresql": 10}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request, tmp_path_factory) -> Iterator[tuple[str, int]]:
    """A live server on each database, and how many examples to try against it."""
    db = ""
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres")
        db = server.create()
    process, url = start(tmp_path_factory.mktemp("schemathesis"), db=db)
    try:
        yield url, EXAMPLES[request.param]
    finally:
        process.kill()
        process.wait()
        if db:
            server.drop(db)


@pytest.mark.slow
def test_no_server_errors_and_no_schema_violations(live):
    live_url, examples = live
    # schemathesis' pytest plugin (from_fixture) does not run under pytest 9 here, so each
    # operation gets its own hypothesis run; failures are collected and reported together.
    api = schemathesis.openapi.from_url(f"{live_url}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=bearer(ADMIN_KEY), checks=CHECKS, timeout=30)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:
            failures.append(f"{operation.label}: {exc}"[:3000])
    assert operations >= 25
    assert not failures, "\n\n".join(failures)
