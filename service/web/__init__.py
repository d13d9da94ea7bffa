"""The web UI (Chinese, server-rendered): organisers sign in with their key, projects and
providers open personal links. Pages call the same crud, matching and route functions as the
API; `install(app)` adds the pages, the static files and the error pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from ..errors import ServiceError, api_error
from . import (
    dashboard,
    events,
    imports,
    learning,
    links,
    lists,
    messages,
    plan_edits,
    records,
    signin,
    wishes,
)
from .render import STATIC, page
from .session import LoginRequired, PageError, current_visitor

__all__ = ["install"]


def install(app: FastAPI) -> None:
    for module in (
        signin,
        lists,
        records,
        links,
        imports,
        events,
        plan_edits,
        dashboard,
        learning,
        wishes,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(PageError, _error_page)
    app.add_exception_handler(ServiceError, _service_error)
    # pages answer FastAPI's own 404/405/422 in Chinese; /api keeps the handlers it had
    api_http = app.exception_handlers.get(HTTPException, http_exception_handler)
    api_invalid = app.exception_handlers.get(
        RequestValidationError, request_validation_exception_handler
    )
    app.add_exception_handler(HTTPException, _for_pages(api_http, _http_error_page))
    app.add_exception_handler(RequestValidationError, _for_pages(api_invalid, _invalid_page))


HTTP_MESSAGES = {
    404: "没有这个页面。请检查地址，或从上方导航重新进入。",
    405: "该地址不能这样打开。请返回上一页，从页面上的链接或按钮进入。",
}


def _for_pages(api: Any, pages: Any) -> Any:
    """One handler: `api`'s answer under /api (and the probes), `pages`' elsewhere."""

    async def handle(request: Request, exc: Exception) -> Response:
        path = request.url.path
        on_api = path.startswith("/api/") or path in ("/healthz", "/readyz", "/metrics")
        answer: Response = await (api if on_api else pages)(request, exc)
        return answer

    return handle


async def _http_error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = HTTP_MESSAGES.get(exc.status_code, f"请求未能完成（{exc.status_code}）。")
    return await _error_page(request, PageError(exc.status_code, message))


async def _invalid_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = "；".join(messages.validation_error(e) for e in exc.errors())
    return await _error_page(request, PageError(422, f"请求参数有误：{problems}"))


async def _to_login(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/')}", 303)


async def _service_error(request: Request, exc: Exception) -> Response:
    """A shared function's error: JSON for the API, the error page (in Chinese) for a page."""
    assert isinstance(exc, ServiceError)
    if request.url.path.startswith("/api/"):
        return await api_error(request, exc)
    return await _error_page(request, PageError(exc.status, exc.page_message))


async def _error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    visitor = await current_visitor(request)
    return page(request, "error.html", visitor, exc.status, message=exc.message, code=exc.status)
