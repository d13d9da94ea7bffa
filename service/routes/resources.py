"""Providers (resource side): CRUD, spreadsheet import, ranked projects, and the event agenda."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from .. import crud, planning, uploads
from ..auth import OrganiserDep, PrincipalDep, allow_resource
from ..deps import MatchingDep, RecordId, SessionDep, SettingsDep, TopK, errors
from ..schemas import (
    AgendaPublic,
    ImportResult,
    MatchesPublic,
    ResourceCreate,
    ResourceIn,
    ResourcePublic,
    ResourcesPublic,
)

router = APIRouter(prefix="/api/resources", tags=["resources"], responses=errors(401, 403, 429))


# The hot read path first: routes are tried in order, and this one answers most requests.
@router.get("/{resource_id}/matches", response_model=MatchesPublic, responses=errors(404, 503))
async def resource_matches(
    resource_id: RecordId,
    principal: PrincipalDep,
    matching: MatchingDep,
    k: TopK,
) -> Response:
    """Suggested projects for a provider, best first, with reasons (organiser or the provider)."""
    allow_resource(principal, resource_id)
    body = matching.cached_projects_for(resource_id, k)
    if body is None:
        answer = await run_in_threadpool(matching.projects_for, resource_id, k)
        if answer is None:
            raise HTTPException(404, f"no provider {resource_id!r}")
        body = answer.json
    return Response(body, media_type="application/json")


@router.get("", response_model=ResourcesPublic)
def list_resources(
    _: OrganiserDep,
    session: SessionDep,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ResourcesPublic:
    resources, count = crud.page_resources(session, offset, limit)
    return ResourcesPublic(data=[ResourcePublic.of(r) for r in resources], count=count)


@router.post("", response_model=ResourcePublic, status_code=201, responses=errors(409, 413, 503))
def create_resource(
    body: ResourceCreate, _: OrganiserDep, session: SessionDep, matching: MatchingDep
) -> ResourcePublic:
    """Add one provider; it is matchable when this returns (every project's row is re-scored)."""
    if crud.get_resource(session, body.resource_id) is not None:
        raise HTTPException(409, f"provider {body.resource_id!r} exists; use PUT to change it")
    resource = body.record(body.resource_id)
    matching.save_resources([resource])
    return ResourcePublic.of(resource)


@router.post("/import", response_model=ImportResult, responses=errors(400, 413, 503))
async def import_resources(
    file: UploadFile,
    _: OrganiserDep,
    settings: SettingsDep,
    matching: MatchingDep,
    mode: Annotated[
        Literal["upsert", "replace"],
        Query(description="upsert: add and update; replace: also delete providers not in the file"),
    ] = "upsert",
) -> ImportResult:
    """Upload a providers sheet (csv/xlsx). All or nothing: any bad row rejects the whole file
    with 422, listing every row and column at fault."""
    return await uploads.import_resources(matching, file, settings, mode == "replace")


@router.post("/backups/{number}/restore", response_model=ImportResult, responses=errors(404, 503))
async def restore_resources(
    number: Annotated[int, Path(ge=1, le=10**9)],
    _: OrganiserDep,
    settings: SettingsDep,
    matching: MatchingDep,
) -> ImportResult:
    """Undo a replacing import: every provider of backup `number` comes back and the
    others are deleted (today's are backed up first: the answer's `backup` undoes this)."""
    return await uploads.restore(matching, settings, "resources", number)


@router.get("/{resource_id}", response_model=ResourcePublic, responses=errors(404))
def get_resource(
    resource_id: RecordId, principal: PrincipalDep, session: SessionDep
) -> ResourcePublic:
    allow_resource(principal, resource_id)
    resource = crud.get_resource(session, resource_id)
    if resource is None:
        raise HTTPException(404, f"no provider {resource_id!r}")
    return ResourcePublic.of(resource)


@router.put("/{resource_id}", response_model=ResourcePublic, responses=errors(413, 503))
def put_resource(
    resource_id: RecordId, body: ResourceIn, _: OrganiserDep, matching: MatchingDep
) -> ResourcePublic:
    """Create or replace a provider; it is matchable when this returns."""
    resource = body.record(resource_id)
    matching.save_resources([resource])
    return ResourcePublic.of(resource)


@router.delete("/{resource_id}", status_code=204, responses=errors(404, 503))
def delete_resource(resource_id: RecordId, _: OrganiserDep, matching: MatchingDep) -> Response:
    if not matching.delete_resource(resource_id):
        raise HTTPException(404, f"no provider {resource_id!r}")
    return Response(status_code=204)


@router.get("/{resource_id}/agenda", response_model=AgendaPublic, responses=errors(404))
def resource_agenda(
    resource_id: RecordId, principal: PrincipalDep, session: SessionDep
) -> AgendaPublic:
    """The provider's meetings in every event's latest published plan."""
    allow_resource(principal, resource_id)
    if crud.get_resource(session, resource_id) is None:
        raise HTTPException(404, f"no provider {resource_id!r}")
    return planning.agenda(session, resource_id=resource_id)
