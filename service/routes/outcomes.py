"""Meeting outcomes (met / follow-up / signed), kept for later learning."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from .. import crud
from ..auth import OrganiserDep
from ..db import EventRow, OutcomeRow
from ..deps import OptionalId, SessionDep, errors
from ..schemas import OutcomeCreate, OutcomePublic, OutcomesPublic

router = APIRouter(prefix="/api/outcomes", tags=["outcomes"], responses=errors(401, 403, 429))


def _public(row: OutcomeRow) -> OutcomePublic:
    return OutcomePublic(
        id=row.id,
        project_id=row.project_id,
        resource_id=row.resource_id,
        outcome=row.outcome,
        event_id=row.event_id,
        note=row.note,
        recorded_at=row.recorded_at,
    )


@router.post("", response_model=OutcomePublic, status_code=201, responses=errors(404, 413))
def record_outcome(body: OutcomeCreate, _: OrganiserDep, session: SessionDep) -> OutcomePublic:
    if crud.get_project(session, body.project_id) is None:
        raise HTTPException(404, f"no project {body.project_id!r}")
    if crud.get_resource(session, body.resource_id) is None:
        raise HTTPException(404, f"no provider {body.resource_id!r}")
    if body.event_id is not None and session.get(EventRow, body.event_id) is None:
        raise HTTPException(404, f"no event {body.event_id}")
    row = crud.add_outcome(session, **body.model_dump())
    return _public(row)


@router.get("", response_model=OutcomesPublic)
def list_outcomes(
    _: OrganiserDep,
    session: SessionDep,
    project_id: Annotated[OptionalId, Query(max_length=128)] = None,
    resource_id: Annotated[OptionalId, Query(max_length=128)] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> OutcomesPublic:
    rows, count = crud.list_outcomes(session, project_id, resource_id, offset, limit)
    return OutcomesPublic(data=[_public(r) for r in rows], count=count)
