"""Events, plan jobs (background, with progress), plans and their downloads."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi import Path as PathParam
from sqlalchemy.orm import Session

from matcher.plan import Plan, write_plan

from .. import crud
from ..auth import OrganiserDep
from ..db import EventRow, JobRow, PlanRow
from ..deps import JobsDep, MatchingDep, SessionDep, errors
from ..jobs import event_of
from ..schemas import (
    EventCreate,
    EventPublic,
    EventsPublic,
    JobPublic,
    PlanPublic,
    PlanRequest,
    PlansPublic,
    PlanSummary,
)
from ..uploads import invalid, issue

router = APIRouter(prefix="/api", tags=["events and plans"], responses=errors(401, 403))
Id = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def _event(row: EventRow) -> EventPublic:
    return EventPublic(id=row.id, name=row.name, spec=row.spec, created_at=row.created_at)


def _summary(row: PlanRow) -> PlanSummary:
    body = row.body
    shortfalls = sum(1 for p in body.get("projects", []) if p["meetings"] < p["min_meetings"])
    return PlanSummary(
        id=row.id,
        event_id=row.event_id,
        status=row.status,
        plan_id=str(body.get("plan_id", "")),
        meetings=len(body.get("meetings", [])),
        shortfalls=shortfalls,
        created_at=row.created_at,
    )


def _job(row: JobRow) -> JobPublic:
    return JobPublic(
        id=row.id,
        kind=row.kind,
        event_id=row.event_id,
        status=row.status,  # type: ignore[arg-type]
        progress=row.progress,
        message=row.message,
        plan_id=row.plan_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _get(session: Session, kind: type[Any], key: int, what: str) -> Any:
    row = session.get(kind, key)
    if row is None:
        raise HTTPException(404, f"no {what} {key}")
    return row


@router.post("/events", response_model=EventPublic, status_code=201, responses=errors(413))
def create_event(body: EventCreate, _: OrganiserDep, session: SessionDep) -> EventPublic:
    """An event: slots, tables, meetings per project, capacities, attendance, pins, wishes."""
    return _event(crud.add_event(session, body.name, event_spec(body)))


@router.put("/events/{event_id}", response_model=EventPublic, responses=errors(404, 413))
def put_event(event_id: Id, body: EventCreate, _: OrganiserDep, session: SessionDep) -> EventPublic:
    """Replace an event's description (pins, blocks, capacities…); the next plan uses it."""
    row = crud.update_event(session, event_id, body.name, event_spec(body))
    if row is None:
        raise HTTPException(404, f"no event {event_id}")
    return _event(row)


def event_spec(body: EventCreate) -> dict[str, Any]:
    """The stored form of an event, checked the way the planner reads it (422 otherwise)."""
    spec = body.model_dump(mode="json")
    try:
        event_of(spec)
    except ValueError as exc:
        raise invalid([issue(["body"], str(exc))]) from exc
    return spec


@router.get("/events", response_model=EventsPublic)
def list_events(_: OrganiserDep, session: SessionDep) -> EventsPublic:
    rows = crud.list_events(session)
    return EventsPublic(data=[_event(r) for r in rows], count=len(rows))


@router.get("/events/{event_id}", response_model=EventPublic, responses=errors(404))
def get_event(event_id: Id, _: OrganiserDep, session: SessionDep) -> EventPublic:
    return _event(_get(session, EventRow, event_id, "event"))


@router.delete("/events/{event_id}", status_code=204, responses=errors(404))
def delete_event(event_id: Id, _: OrganiserDep, session: SessionDep) -> Response:
    """Delete an event and its plans."""
    if not crud.delete_event(session, event_id):
        raise HTTPException(404, f"no event {event_id}")
    return Response(status_code=204)


@router.post(
    "/events/{event_id}/plans",
    response_model=JobPublic,
    status_code=202,
    responses=errors(404, 413, 503),
)
def start_plan(
    event_id: Id,
    body: PlanRequest,
    _: OrganiserDep,
    session: SessionDep,
    jobs: JobsDep,
    matching: MatchingDep,
) -> JobPublic:
    """Plan the event in the background on the current matches; poll the job for progress."""
    _get(session, EventRow, event_id, "event")
    row = crud.add_job(session, "plan", event_id, body.model_dump())
    jobs.submit(row.id)
    return _job(row)


@router.get("/jobs/{job_id}", response_model=JobPublic, responses=errors(404))
def get_job(job_id: Id, _: OrganiserDep, session: SessionDep) -> JobPublic:
    return _job(_get(session, JobRow, job_id, "job"))


@router.get("/plans", response_model=PlansPublic)
def list_plans(
    _: OrganiserDep,
    session: SessionDep,
    event_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> PlansPublic:
    rows = crud.list_plans(session, event_id)
    return PlansPublic(data=[_summary(r) for r in rows], count=len(rows))


@router.get("/plans/{plan_id}", response_model=PlanPublic, responses=errors(404))
def get_plan(plan_id: Id, _: OrganiserDep, session: SessionDep) -> PlanPublic:
    row = _get(session, PlanRow, plan_id, "plan")
    return PlanPublic(**_summary(row).model_dump(), body=row.body)


@router.post("/plans/{plan_id}/publish", response_model=PlanSummary, responses=errors(404))
def publish_plan(plan_id: Id, _: OrganiserDep, session: SessionDep) -> PlanSummary:
    """Publish a plan: its meetings become the agenda projects and providers see."""
    row = _get(session, PlanRow, plan_id, "plan")
    row.status = "published"
    row.body = {**row.body, "status": "published"}
    session.commit()
    return _summary(row)


@router.get(
    "/plans/{plan_id}/download",
    response_class=Response,
    responses={
        **errors(404),
        200: {
            "description": "the plan as xlsx, csv or json",
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in MEDIA.values()
            },
        },
    },
)
def download_plan(
    plan_id: Id,
    _: OrganiserDep,
    session: SessionDep,
    format: Literal["xlsx", "csv", "json"] = "xlsx",
) -> Response:
    """The plan as a file; spreadsheet cells that look like formulas are neutralised."""
    row = _get(session, PlanRow, plan_id, "plan")
    plan = Plan.from_dict(row.body)
    with tempfile.TemporaryDirectory(prefix="matcher-plan-") as folder:
        path = write_plan(plan, Path(folder) / f"plan.{format}")
        data = path.read_bytes()
    filename = f"plan-{row.event_id}-{row.id}.{format}"
    return Response(
        data,
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
