"""Shared route dependencies: session, settings, the live catalogue, and OpenAPI error docs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from pydantic import AfterValidator
from sqlalchemy.orm import Session

from .config import MAX_K, ServiceSettings, get_settings
from .db import get_session
from .errors import Invalid, NotReady, issue
from .jobs import PlanJobs
from .matching import Matching
from .refits import RefitJobs
from .schemas import ErrorMessage, clean_text, identifier

SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]


async def get_matching(request: Request) -> Matching:
    """The catalogue, or 503 while it is still loading."""
    matching: Matching = request.app.state.matching
    if not matching.loaded:
        raise NotReady()
    return matching


async def get_jobs(request: Request) -> PlanJobs:
    jobs: PlanJobs = request.app.state.jobs
    return jobs


async def get_refits(request: Request) -> RefitJobs:
    refits: RefitJobs = request.app.state.refits
    return refits


async def top_k(
    settings: SettingsDep,
    k: Annotated[int, Query(ge=1, le=MAX_K, description="how many matches (MATCHER_MAX_K)")] = 10,
) -> int:
    """The `k` query parameter, at most `settings.max_k` (422 above it)."""
    check_k(k, settings, ["query", "k"])
    return k


def check_k(k: int, settings: ServiceSettings, loc: list[str | int]) -> None:
    if k > settings.max_k:
        raise Invalid([issue(loc, f"k must be at most {settings.max_k}", "less_than_equal")])


TopK = Annotated[int, Depends(top_k)]
MatchingDep = Annotated[Matching, Depends(get_matching)]
JobsDep = Annotated[PlanJobs, Depends(get_jobs)]
RefitsDep = Annotated[RefitJobs, Depends(get_refits)]
RecordId = Annotated[str, Path(min_length=1, max_length=128), AfterValidator(identifier)]


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error codes a route can return (422 is FastAPI's own)."""
    text = {
        400: "malformed multipart body",
        401: "missing, unknown or revoked credentials",
        403: "not allowed for this credential",
        404: "not found",
        409: "conflicts with the current state (already exists, published, archived, or refused by a constraint)",
        413: "request body too large",
        429: "too many failed credentials from this client or for this key (Retry-After)",
        503: "the catalogue is still loading",
    }
    return {code: {"model": ErrorMessage, "description": text[code]} for code in codes}


def _optional_clean(value: str | None) -> str | None:
    return None if value is None else clean_text(value)


OptionalId = Annotated[str | None, AfterValidator(_optional_clean)]
