"""Templates and page responses: Chinese labels for vocabulary keys, security headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from matcher.fusion import MAX_GRADE
from matcher.labels import GRADE_NAMES
from matcher.schema import NEED, REGION, RESOURCE_TYPE, STAGE, TRACK, Vocabulary

from .messages import chinese
from .session import Visitor

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
VOCABULARIES = {
    "track": TRACK,
    "stage": STAGE,
    "need": NEED,
    "type": RESOURCE_TYPE,
    "region": REGION,
}
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",  # personal links carry their token in the URL
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

templates = Jinja2Templates(directory=str(TEMPLATES))


def label(key: str, vocabulary: str) -> str:
    """The Chinese label of a vocabulary key; the key itself if unknown (or empty: —)."""
    vocab: Vocabulary = VOCABULARIES[vocabulary]
    return vocab.labels.get(key, key) if key else "—"


def labels(keys: Any, vocabulary: str, empty: str = "—") -> str:
    keys = list(keys or ())
    return "、".join(label(k, vocabulary) for k in keys) if keys else empty


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def grade(value: float) -> str:
    """A ranker's expected expert grade (0–3), as every page shows it."""
    return f"{value:.2f}"


def plan_grade(value: float) -> str:
    """A plan's meeting score (the planner's grade / 3) on the same 0–3 scale."""
    return grade(value * MAX_GRADE)


templates.env.filters.update(
    label=label, labels=labels, percent=percent, grade=grade, plan_grade=plan_grade, zh=chinese
)
templates.env.globals["vocab"] = VOCABULARIES
templates.env.globals["grade_names"] = GRADE_NAMES  # 不合适 0 … 非常合适 3


def page(
    request: Request, name: str, visitor: Visitor | None, status: int = 200, **context: Any
) -> HTMLResponse:
    """Render `name` with the visitor, its CSRF token and the vocabularies."""
    context.update(
        visitor=visitor,
        csrf=visitor.csrf if visitor else "",
        organiser=bool(visitor and visitor.principal.is_organiser),
    )
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(HEADERS)
    return response


def local_path(value: str | None, default: str = "/") -> str:
    """`value` if it is a path on this site (no open redirects), else `default`."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default
