"""The web UI (Chinese, server-rendered): organisers sign in with their key, projects and
providers open personal links. Pages call the same crud, matching and route functions as the
API; `install(app)` adds the pages, the static files and the error pages."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from ..errors import ServiceError, api_error
from . import dashboard, events, imports, links, records, signin
from .render import STATIC, page
from .session import LoginRequired, PageError, SessionStore, current_visitor

__all__ = ["install"]


def install(app: FastAPI) -> None:
    app.state.web_sessions = SessionStore()
    for module in (signin, records, links, imports, events, dashboard):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(PageError, _error_page)
    app.add_exception_handler(ServiceError, _service_error)


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
