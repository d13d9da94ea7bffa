"""Projects: CRUD, spreadsheet import, ranked providers, and the event agenda."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from .. import crud, planning, uploads
from ..auth import OrganiserDep, PrincipalDep, allow_project
from ..deps import MatchingDep, RecordId, SessionDep, SettingsDep, TopK, errors
from ..schemas import (
    AgendaPublic,
    ImportResult,
    MatchesPublic,
    ProjectCreate,
    ProjectIn,
    ProjectPublic,
    ProjectsPublic,
    TypeTerm,
)

router = APIRouter(prefix="/api/projects", tags=["projects"], responses=errors(401, 403, 429))


# The hot read path first: routes are tried in order, and this one answers most requests.
@router.get("/{project_id}/matches", response_model=MatchesPublic, responses=errors(404, 503))
async def project_matches(
    project_id: RecordId,
    principal: PrincipalDep,
    matching: MatchingDep,
    k: TopK,
    type: Annotated[
        list[TypeTerm] | None,
        Query(max_length=13, description="only providers of these types (repeatable)"),
    ] = None,
) -> Response:
    """Suggested providers for a project, best first, with reasons (organiser or the project)."""
    allow_project(principal, project_id)
    types = tuple(sorted(set(type or ())))
    body = matching.cached_resources_for(project_id, k, types)
    if body is None:
        answer = await run_in_threadpool(matching.resources_for, project_id, k, types)
        if answer is None:
            raise HTTPException(404, f"no project {project_id!r}")
        body = answer.json
    return Response(body, media_type="application/json")


@router.get("", response_model=ProjectsPublic)
def list_projects(
    _: OrganiserDep,
    session: SessionDep,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ProjectsPublic:
    projects, count = crud.page_projects(session, offset, limit)
    return ProjectsPublic(data=[ProjectPublic.of(p) for p in projects], count=count)


@router.post("", response_model=ProjectPublic, status_code=201, responses=errors(409, 413, 503))
def create_project(
    body: ProjectCreate, _: OrganiserDep, session: SessionDep, matching: MatchingDep
) -> ProjectPublic:
    """Add one project; it is matchable when this returns."""
    if crud.get_project(session, body.project_id) is not None:
        raise HTTPException(409, f"project {body.project_id!r} exists; use PUT to change it")
    project = body.record(body.project_id)
    matching.save_projects([project])
    return ProjectPublic.of(project)


@router.post("/import", response_model=ImportResult, responses=errors(400, 413, 503))
async def import_projects(
    file: UploadFile,
    _: OrganiserDep,
    settings: SettingsDep,
    matching: MatchingDep,
    mode: Annotated[
        Literal["upsert", "replace"],
        Query(description="upsert: add and update; replace: also delete projects not in the file"),
    ] = "upsert",
) -> ImportResult:
    """Upload a projects sheet (csv/xlsx, Chinese or English headers). All or nothing: any bad
    row rejects the whole file with 422, listing every row and column at fault."""
    return await uploads.import_projects(matching, file, settings, mode == "replace")


@router.post("/backups/{number}/restore", response_model=ImportResult, responses=errors(404, 503))
async def restore_projects(
    number: Annotated[int, Path(ge=1, le=10**9)],
    _: OrganiserDep,
    settings: SettingsDep,
    matching: MatchingDep,
) -> ImportResult:
    """Undo a replacing import: every project of backup `number` comes back and the
    others are deleted (today's are backed up first: the answer's `backup` undoes this)."""
    return await uploads.restore(matching, settings, "projects", number)


@router.get("/{project_id}", response_model=ProjectPublic, responses=errors(404))
def get_project(
    project_id: RecordId, principal: PrincipalDep, session: SessionDep
) -> ProjectPublic:
    allow_project(principal, project_id)
    project = crud.get_project(session, project_id)
    if project is None:
        raise HTTPException(404, f"no project {project_id!r}")
    return ProjectPublic.of(project)


@router.put("/{project_id}", response_model=ProjectPublic, responses=errors(413, 503))
def put_project(
    project_id: RecordId, body: ProjectIn, _: OrganiserDep, matching: MatchingDep
) -> ProjectPublic:
    """Create or replace a project; it is matchable when this returns."""
    project = body.record(project_id)
    matching.save_projects([project])
    return ProjectPublic.of(project)


@router.delete("/{project_id}", status_code=204, responses=errors(404, 503))
def delete_project(project_id: RecordId, _: OrganiserDep, matching: MatchingDep) -> Response:
    if not matching.delete_project(project_id):
        raise HTTPException(404, f"no project {project_id!r}")
    return Response(status_code=204)


@router.get("/{project_id}/agenda", response_model=AgendaPublic, responses=errors(404))
def project_agenda(
    project_id: RecordId, principal: PrincipalDep, session: SessionDep
) -> AgendaPublic:
    """The project's meetings in every event's latest published plan."""
    allow_project(principal, project_id)
    if crud.get_project(session, project_id) is None:
        raise HTTPException(404, f"no project {project_id!r}")
    return planning.agenda(session, project_id=project_id)
