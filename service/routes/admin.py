"""Organiser maintenance: rebuild the catalogue from the database."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from ..auth import OrganiserDep
from ..deps import MatchingDep, errors
from ..schemas import Readiness

router = APIRouter(prefix="/api/admin", tags=["admin"], responses=errors(401, 403, 429))


@router.post("/refresh", response_model=Readiness, responses=errors(503))
async def refresh(_: OrganiserDep, matching: MatchingDep) -> Readiness:
    """Rebuild from the database: refit the lexical models, re-score every pair, repair the
    indexes (only missing or changed texts are encoded); reads continue meanwhile."""
    snapshot = await run_in_threadpool(matching.refresh)
    return Readiness(
        status="ready",
        projects=len(snapshot.projects),
        resources=len(snapshot.resources),
        version=snapshot.version,
    )
