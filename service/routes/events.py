"""Events, plan jobs (background, with progress), plans and their downloads."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam

from .. import crud, planning
from ..auth import OrganiserDep
from ..deps import JobsDep, MatchingDep, SessionDep, errors
from ..schemas import (
    EventCreate,
    EventPublic,
    EventsPublic,
    JobPublic,
    MeetingMove,
    MeetingSwap,
    PlanComparison,
    PlanPublic,
    PlanRequest,
    PlansPublic,
    PlanSummary,
)

router = APIRouter(prefix="/api", tags=["events and plans"], responses=errors(401, 403, 429))
Id = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


@router.post("/events", response_model=EventPublic, status_code=201, responses=errors(413))
def create_event(body: EventCreate, _: OrganiserDep, session: SessionDep) -> EventPublic:
    """An event: slots, tables, meetings per project, capacities, attendance, pins, wishes."""
    return EventPublic.of(planning.create_event(session, body))


@router.put("/events/{event_id}", response_model=EventPublic, responses=errors(404, 409, 413))
def put_event(event_id: Id, body: EventCreate, _: OrganiserDep, session: SessionDep) -> EventPublic:
    """Replace an event's description (pins, blocks, capacities…); the next plan uses it."""
    return EventPublic.of(planning.replace_event(session, event_id, body))


Archived = Annotated[bool, Query(description="true: only the archived ones (已归档)")]


@router.get("/events", response_model=EventsPublic)
def list_events(_: OrganiserDep, session: SessionDep, archived: Archived = False) -> EventsPublic:
    """The current events, or with `archived=true` the archived ones."""
    rows = crud.list_events(session, archived)
    return EventsPublic(data=[EventPublic.of(r) for r in rows], count=len(rows))


@router.get("/events/{event_id}", response_model=EventPublic, responses=errors(404))
def get_event(event_id: Id, _: OrganiserDep, session: SessionDep) -> EventPublic:
    return EventPublic.of(planning.get_event(session, event_id))


@router.delete("/events/{event_id}", status_code=204, responses=errors(404, 409))
def delete_event(event_id: Id, _: OrganiserDep, session: SessionDep) -> Response:
    """Delete an event and its plans (409 while archived: restore it first)."""
    planning.delete_event(session, event_id)
    return Response(status_code=204)


@router.post("/events/{event_id}/archive", response_model=EventPublic, responses=errors(404, 409))
def archive_event(event_id: Id, _: OrganiserDep, session: SessionDep) -> EventPublic:
    """Archive an event: hidden from default lists, it and its plans read-only (409 while it
    has a published plan)."""
    return EventPublic.of(planning.archive_event(session, event_id))


@router.post("/events/{event_id}/restore", response_model=EventPublic, responses=errors(404))
def restore_event(event_id: Id, _: OrganiserDep, session: SessionDep) -> EventPublic:
    """Bring an archived event back."""
    return EventPublic.of(planning.restore_event(session, event_id))


@router.post(
    "/events/{event_id}/plans",
    response_model=JobPublic,
    status_code=202,
    responses=errors(404, 409, 413, 503),
)
def start_plan(
    event_id: Id,
    body: PlanRequest,
    _: OrganiserDep,
    session: SessionDep,
    jobs: JobsDep,
    _ready: MatchingDep,  # 503 while the catalogue loads
) -> JobPublic:
    """Plan the event in the background on the current matches; poll the job for progress."""
    return JobPublic.of(planning.start_plan(session, jobs, event_id, body))


@router.get("/jobs/{job_id}", response_model=JobPublic, responses=errors(404))
def get_job(job_id: Id, _: OrganiserDep, session: SessionDep) -> JobPublic:
    return JobPublic.of(planning.get_job(session, job_id))


@router.get("/plans", response_model=PlansPublic)
def list_plans(
    _: OrganiserDep,
    session: SessionDep,
    event_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    archived: Archived = False,
) -> PlansPublic:
    """The current plans (of one event), or with `archived=true` the archived ones."""
    rows = crud.list_plans(session, event_id, archived)
    return PlansPublic(data=[PlanSummary.of(r) for r in rows], count=len(rows))


@router.get("/plans/{plan_id}", response_model=PlanPublic, responses=errors(404))
def get_plan(plan_id: Id, _: OrganiserDep, session: SessionDep) -> PlanPublic:
    row = planning.get_plan(session, plan_id)
    return PlanPublic(**PlanSummary.of(row).model_dump(), body=row.body)


@router.post("/plans/{plan_id}/move", response_model=PlanSummary, responses=errors(404, 409))
def move_meeting(
    plan_id: Id, body: MeetingMove, _: OrganiserDep, session: SessionDep
) -> PlanSummary:
    """Move one meeting to another slot and table. 409 (nothing changed) when the move breaks a
    constraint — the reasons in Chinese — or the plan changed since `version`, or is archived.
    A published plan may be edited: participants see the change at once."""
    return PlanSummary.of(planning.move_plan_meeting(session, plan_id, body))


@router.post("/plans/{plan_id}/swap", response_model=PlanSummary, responses=errors(404, 409))
def swap_meetings(
    plan_id: Id, body: MeetingSwap, _: OrganiserDep, session: SessionDep
) -> PlanSummary:
    """Swap two meetings' slots and tables; refused like a move (409, nothing changed)."""
    return PlanSummary.of(planning.swap_plan_meetings(session, plan_id, body))


@router.post("/plans/{plan_id}/archive", response_model=PlanSummary, responses=errors(404, 409))
def archive_plan(plan_id: Id, _: OrganiserDep, session: SessionDep) -> PlanSummary:
    """Archive a draft plan: hidden from default lists, read-only (409 for a published one)."""
    return PlanSummary.of(planning.archive_plan(session, plan_id))


@router.post("/plans/{plan_id}/restore", response_model=PlanSummary, responses=errors(404, 409))
def restore_plan(plan_id: Id, _: OrganiserDep, session: SessionDep) -> PlanSummary:
    """Bring an archived plan back (409 while its event is archived)."""
    return PlanSummary.of(planning.restore_plan(session, plan_id))


@router.post("/plans/{plan_id}/publish", response_model=PlanSummary, responses=errors(404, 409))
def publish_plan(plan_id: Id, _: OrganiserDep, session: SessionDep) -> PlanSummary:
    """Publish a plan: its meetings become the agenda projects and providers see."""
    return PlanSummary.of(planning.publish_plan(session, plan_id))


@router.post("/plans/{plan_id}/unpublish", response_model=PlanSummary, responses=errors(404))
def unpublish_plan(plan_id: Id, _: OrganiserDep, session: SessionDep) -> PlanSummary:
    """Withdraw a published plan: participants no longer see its meetings."""
    return PlanSummary.of(planning.unpublish_plan(session, plan_id))


@router.delete("/plans/{plan_id}", status_code=204, responses=errors(404, 409))
def delete_plan(plan_id: Id, _: OrganiserDep, session: SessionDep) -> Response:
    """Delete a draft plan (409 for a published or archived one)."""
    planning.delete_plan(session, plan_id)
    return Response(status_code=204)


@router.get("/plans/{plan_id}/compare", response_model=PlanComparison, responses=errors(404))
def compare_plans(
    plan_id: Id,
    _: OrganiserDep,
    session: SessionDep,
    other: Annotated[int, Query(alias="with", ge=1, le=2**31 - 1)],
) -> PlanComparison:
    """Meetings added, moved and cancelled from plan `with` to this plan."""
    return planning.comparison(session, other, plan_id)


@router.get(
    "/plans/{plan_id}/download",
    response_class=Response,
    responses={
        **errors(404),
        200: {
            "description": "the plan as xlsx, csv or json",
            "content": {
                planning.MEDIA["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
                planning.MEDIA["csv"]: {"schema": {"type": "string"}},
                planning.MEDIA["json"]: {"schema": {"type": "object"}},  # Plan.to_dict()
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
    """The plan as a file: xlsx (printable agendas, one page per participant) or CSV with
    Chinese headers, scores as the expected expert grade 0–3; JSON as stored (the planner's
    grade / 3, for `read_plan`). Spreadsheet cells that look like formulas are neutralised."""
    file = planning.plan_file(planning.get_plan(session, plan_id), format)
    return Response(file.data, media_type=file.media_type, headers=file.headers)
