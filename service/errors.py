"""The service's errors: raised by the plain functions that routes and pages share.

Each carries its HTTP status, the API's `detail` (English, or a list of issues in FastAPI's
validation shape) and the sentence a page shows (Chinese). `api_error` answers them as JSON
for `/api/...`; the web UI shows `page_message` on its error page.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

__all__ = [
    "Forbidden",
    "Invalid",
    "NotFound",
    "NotReady",
    "ServiceError",
    "TooLarge",
    "TooManyAttempts",
    "api_error",
    "issue",
    "safe",
    "validation_error",
]
ECHO_CHARS = 200  # longest piece of the caller's input an error answer repeats
MESSAGE_CHARS = 1000  # longest message (it may list the allowed values)
MAX_ISSUES = 100  # most problems one answer lists

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


class Conflict(ServiceError):
    """409: the request contradicts the current state (e.g. deleting a published plan)."""

    status = 409


class TooLarge(ServiceError):
    status = 413


class TooManyAttempts(ServiceError):
    """429: too many failed credentials from this client, or for this key (service/throttle.py)."""

    status = 429

    def __init__(self, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(
            f"too many failed attempts; retry in {seconds} s",
            f"失败次数过多，请 {seconds} 秒后再试。",
        )
        self.headers = {"Retry-After": str(seconds)}


class NotReady(ServiceError):
    status = 503
    headers = {"Retry-After": "2"}  # noqa: RUF012 (a constant per class)

    def __init__(self) -> None:
        super().__init__(
            "the catalogue is still loading; retry shortly", "匹配数据正在加载，请稍后刷新页面。"
        )


class NotMatchableYet(ServiceError):
    """503: a project on file whose text is still being encoded (after a restart mid-import)."""

    status = 503
    headers = {"Retry-After": "5"}  # noqa: RUF012 (a constant per class)

    def __init__(self, project_id: str, left: int) -> None:
        super().__init__(
            f"project {project_id!r} is on file but not matchable yet: its text is being encoded "
            f"in the background ({left} projects left); retry shortly",
            f"项目 {project_id} 的文本正在后台编码（还剩 {left} 个项目），稍后即可查看匹配结果。",
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


async def validation_error(request: Request, exc: Exception) -> Response:
    """FastAPI's 422, with what it echoes made encodable and short: the input may hold lone
    surrogates, NaN or infinities (which JSON cannot carry) or megabytes of text."""
    assert isinstance(exc, RequestValidationError)
    issues = [
        {
            key: safe(value, ECHO_CHARS if key == "input" else MESSAGE_CHARS)
            for key, value in found.items()
            if key != "url"
        }
        for found in exc.errors()[:MAX_ISSUES]
    ]
    return JSONResponse({"detail": issues}, 422)


def safe(value: Any, limit: int = ECHO_CHARS) -> Any:
    """`value` as JSON can carry it: text valid UTF-8 and at most `limit` characters, numbers
    finite (else their text), anything else its shortened `str`."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        text = value.encode("utf-8", "backslashreplace").decode("utf-8")
        return text if len(text) <= limit else text[:limit] + f"… ({len(value)} characters)"
    if isinstance(value, dict):
        return {safe(str(k), limit): safe(v, limit) for k, v in list(value.items())[:20]}
    if isinstance(value, list | tuple):
        return [safe(v, limit) for v in value[:20]]
    return safe(str(value), limit)
