"""Model versions: refit on the organisers' labels (a background job), list, activate or roll back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam

from .. import versions
from ..auth import OrganiserDep
from ..deps import MatchingDep, RefitsDep, SessionDep, errors
from ..schemas import JobPublic, ModelVersionPublic, ModelVersionsPublic

router = APIRouter(prefix="/api/models", tags=["learning"], responses=errors(401, 403, 429))
VersionId = Annotated[int, PathParam(ge=0, le=2**31 - 1)]


@router.get("", response_model=ModelVersionsPublic)
def list_models(_: OrganiserDep, session: SessionDep) -> ModelVersionsPublic:
    """Every model version (0: the shipped model), with its labels and held-out comparison."""
    data = versions.all_public(session)
    active = next(v.id for v in data if v.active)
    return ModelVersionsPublic(data=data, count=len(data), active=active)


@router.post("/refit", response_model=JobPublic, status_code=202, responses=errors(409, 503))
def start_refit(
    _: OrganiserDep, session: SessionDep, refits: RefitsDep, _ready: MatchingDep
) -> JobPublic:
    """Fit a challenger on the labels in the background (poll `/api/jobs/{id}`); it is saved as
    a new version and activated only if it beats the active model on held-out graded projects.
    409 while fewer than 10 projects are graded."""
    return JobPublic.of(refits.start(session))


@router.post(
    "/{version_id}/activate", response_model=ModelVersionPublic, responses=errors(404, 503)
)
def activate_model(
    version_id: VersionId, _: OrganiserDep, session: SessionDep, matching: MatchingDep
) -> ModelVersionPublic:
    """Use this version from now on (an earlier one: a rollback; 0: the shipped model); every
    list is re-scored before this returns."""
    versions.activate(session, matching, version_id)
    return next(v for v in versions.all_public(session) if v.id == version_id)
