"""The service's errors: raised by the plain functions that routes and pages share.

Each carries its HTTP status, the API's `detail` (English, or a list of issues in FastAPI's
validation shape) and the sentence a page shows (Chinese). `api_error` answers them as JSON
for `/api/...`; the web UI shows `page_message` on its error page.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

__all__ = [
    "Forbidden",
    "Invalid",
    "NotFound",
    "NotReady",
    "ServiceError",
    "TooLarge",
    "api_error",
    "issue",
]

_LABELS = {
    "project": "项目",
    "provider": "资源方",
    "event": "活动",
    "plan": "排期",
    "job": "任务",
    "token": "密钥",
}


class ServiceError(Exception):
    """Base: an answer the caller can act on, never a bug."""

    status = 500
    headers: dict[str, str] | None = None

    def __init__(self, detail: str | list[dict[str, Any]], page_message: str = "") -> None:
        super().__init__(detail if isinstance(detail, str) else f"{len(detail)} problems")
        self.detail = detail
        self.page_message = page_message or (detail if isinstance(detail, str) else "输入有误。")


class NotFound(ServiceError):
    status = 404

    def __init__(self, what: str, key: object) -> None:
        shown = key if isinstance(key, int) else repr(key)
        super().__init__(f"no {what} {shown}", f"没有编号为 {key} 的{_LABELS.get(what, what)}。")
        self.what, self.key = what, key


class Forbidden(ServiceError):
    status = 403


class Invalid(ServiceError):
    """422 with every issue (`loc`, `msg`, `type`, and for sheets `row`/`column`)."""

    status = 422

    def __init__(self, issues: list[dict[str, Any]]) -> None:
        super().__init__(issues, "；".join(str(i.get("msg", "")) for i in issues))
        self.issues = issues


class TooLarge(ServiceError):
    status = 413


class NotReady(ServiceError):
    status = 503
    headers = {"Retry-After": "2"}  # noqa: RUF012 (a constant per class)

    def __init__(self) -> None:
        super().__init__(
            "the catalogue is still loading; retry shortly", "匹配数据正在加载，请稍后刷新页面。"
        )


def issue(
    loc: list[str | int], msg: str, kind: str = "value_error", **extra: Any
) -> dict[str, Any]:
    """One problem in FastAPI's validation-error shape (plus any spreadsheet coordinates)."""
    return {"loc": loc, "msg": msg, "type": kind, **extra}


async def api_error(request: Request, exc: Exception) -> Response:
    """The JSON answer: `{"detail": ...}` with the error's status."""
    assert isinstance(exc, ServiceError)
    return JSONResponse({"detail": exc.detail}, exc.status, headers=exc.headers)
