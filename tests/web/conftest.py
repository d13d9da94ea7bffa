"""Browser tests: the real app under uvicorn (fake encoder, temp SQLite) driven by Playwright
in Debian's chromium. Without /usr/bin/chromium they skip on a developer machine and fail in CI."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest
from web_helpers import ADMIN_KEY, CHROMIUM, CHROMIUM_ARGS, sign_in, start_server


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    process, url = start_server(tmp_path_factory.mktemp("web"))
    yield url
    process.terminate()
    process.wait(timeout=10)


# per module: Playwright's sync API keeps an event loop running while it is open, and the
# service tests that call asyncio.run() may come after the browser tests in the same process
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk (.ci/run does)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser, base_url: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser profile (no cookies) per test."""
    ctx = browser.new_context(base_url=base_url, accept_downloads=True, locale="zh-CN")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):  # type: ignore[no-untyped-def]
    return context.new_page()


@pytest.fixture
def organiser(page):  # type: ignore[no-untyped-def]
    sign_in(page)
    page.wait_for_url("**/projects")
    return page


@pytest.fixture
def api(base_url: str) -> Iterator[httpx.Client]:
    """The JSON API as an organiser, for setting the stage quickly."""
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=30
    ) as client:
        yield client


@pytest.fixture(scope="module")
def api_module(base_url: str) -> Iterator[httpx.Client]:
    """The organiser's API client for module-scoped setup."""
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=30
    ) as client:
        yield client
