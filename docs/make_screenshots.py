"""Screenshots of the main pages for the docs: `.venv/bin/python docs/make_screenshots.py`.

Starts the app on the shipped sample (405 projects, 121 providers) with the fake encoder of the
tests, plans one event, and saves docs/screenshots/*.png from Debian's chromium.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
sys.path[:0] = [str(ROOT / "tests" / "web"), str(ROOT / "tests" / "service")]

from service_helpers import ADMIN_KEY  # noqa: E402
from web_helpers import CHROMIUM, CHROMIUM_ARGS, PHONE, start_server  # noqa: E402

log = logging.getLogger("screenshots")
DESKTOP = {"width": 1280, "height": 860}


def _stage(api: httpx.Client) -> tuple[int, int, str]:
    """An event for the TCM track with two dozen providers, planned and published."""
    projects = [
        p for p in api.get("/api/projects?limit=1000").json()["data"] if p["track"] == "tcm"
    ]
    resources = [
        r
        for r in api.get("/api/resources?limit=1000").json()["data"]
        if not r["tracks"] or "tcm" in r["tracks"]
    ][:24]
    event = api.post(
        "/api/events",
        json={
            "name": "天津中医药大学复赛",
            "start": "14:00",
            "end": "17:00",
            "minutes": 15,
            "min_meetings": 1,
            "max_meetings": 3,
            "projects": [p["project_id"] for p in projects],
            "resources": [r["resource_id"] for r in resources],
        },
    ).json()
    job = api.post(f"/api/events/{event['id']}/plans", json={}).json()
    while (state := api.get(f"/api/jobs/{job['id']}").json())["status"] not in ("done", "failed"):
        time.sleep(0.2)
    assert state["status"] == "done", state["message"]
    api.post(f"/api/plans/{state['plan_id']}/publish")
    token = api.post("/api/tokens", json={"project_id": projects[0]["project_id"]}).json()["token"]
    return event["id"], state["plan_id"], token


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as folder:
        server, url = start_server(Path(folder), ROOT / "data" / "sample")
        try:
            headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
            with httpx.Client(base_url=url, headers=headers, timeout=120) as api:
                event_id, plan_id, token = _stage(api)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                desk = browser.new_context(base_url=url, viewport=DESKTOP, locale="zh-CN")
                page = desk.new_page()

                def shot(name: str, path: str | None = None, selector: str | None = None) -> None:
                    """The viewport (at `selector` if given) of `path` or the current page."""
                    if path:
                        page.goto(path)
                    if selector:
                        page.locator(selector).evaluate("e => e.scrollIntoView()")
                    page.screenshot(path=str(OUT / f"{name}.png"))
                    log.info("%s: %d KB", name, (OUT / f"{name}.png").stat().st_size // 1024)

                shot("login", "/login")
                page.fill("input[name=key]", ADMIN_KEY)
                page.click("form[action='/login'] button[type=submit]")
                page.wait_for_url("**/projects")
                shot("projects", "/projects?track=tcm&need=manufacturing")
                page.goto(f"/projects/P001?event={event_id}")
                page.locator("#matches tbody tr").first.locator("button[value=pin]").click()
                shot("project")
                page.goto("/import")
                page.set_input_files(
                    "input[name=file]", str(ROOT / "tests" / "fixtures" / "projects_bad.csv")
                )
                page.click("#import-form button[type=submit]")
                shot("import-errors", selector="#import-errors")
                shot("plan", f"/plans/{plan_id}")
                page.goto(f"/links?event={event_id}")
                page.click("#bulk-form button[type=submit]")
                shot("links")
                shot("dashboard", f"/dashboard?event={event_id}")
                shot("dashboard-heatmap", selector="#heatmap")
                phone = browser.new_context(
                    base_url=url, viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN"
                )
                page = phone.new_page()
                page.goto(f"/me?token={token}")
                page.wait_for_url("**/projects/*")
                shot("personal-phone")
                page.locator("h2", has_text="我的会面日程").scroll_into_view_if_needed()
                shot("personal-phone-agenda")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    main()
