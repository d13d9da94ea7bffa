"""Event pages: define an event, pin or block pairs, run the plan with a progress bar, see the
schedule grid and agendas, publish and download. Calls the same planning functions as the API."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from matcher.plan.capacity import check_capacity
from matcher.plan.event import (
    DEFAULT_END,
    DEFAULT_EXTRA_MIN_GRADE,
    DEFAULT_MAX_MEETINGS,
    DEFAULT_MIN_MEETINGS,
    DEFAULT_MINUTES,
    DEFAULT_START,
)

from .. import crud, planning
from ..deps import JobsDep, MatchingDep, SessionDep
from ..errors import Invalid
from ..schemas import EventCreate, JobPublic, PlanRequest, PlanSummary
from . import messages
from .render import local_path, page
from .session import OrganiserForm, OrganiserPage, Visitor

router = APIRouter(include_in_schema=False)
Id = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
Confirm = Annotated[str, Form()]  # "on" when a confirmation box is ticked
_SEPARATORS = re.compile(r"[\s,;，；、]+")
_LINE = re.compile(r"^([^=:：]+?)\s*[=:：]\s*(.*)$")
# what a new event's form shows before anything is typed
FORM_DEFAULTS = {
    "start": DEFAULT_START,
    "end": DEFAULT_END,
    "minutes": DEFAULT_MINUTES,
    "min_meetings": DEFAULT_MIN_MEETINGS,
    "max_meetings": DEFAULT_MAX_MEETINGS,
    "extra_min_grade": DEFAULT_EXTRA_MIN_GRADE,
    "conflict_of_interest": True,
}


def _ids(text: str) -> list[str]:
    return [x for x in _SEPARATORS.split(text.strip()) if x]


def _lines(text: str) -> list[tuple[str, str]]:
    """`id = value` (or `id: value`) lines → pairs; blank lines skipped."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LINE.match(line.strip())
        if line.strip() and not match:
            raise ValueError(f"第 {number} 行应写成“编号=取值”：{line.strip()}")
        if match:
            out.append((match.group(1).strip(), match.group(2).strip()))
    return out


def spec_from_form(form: dict[str, str]) -> dict[str, Any]:
    """The JSON body the API takes (EventCreate) from the event form's fields; a field left
    empty is left out, so the event's own defaults apply."""
    spec: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "conflict_of_interest": form.get("conflict_of_interest") == "on",
    }
    for key in ("start", "end", "minutes", "min_meetings", "max_meetings", "extra_min_grade"):
        if form.get(key, "").strip():
            spec[key] = form[key].strip()
    tables = form.get("tables", "").strip()
    if tables:
        spec["tables"] = int(tables) if tables.isdigit() else _ids(tables)
    for key in ("projects", "resources"):
        if form.get(key, "").strip():
            spec[key] = _ids(form[key])
    spec["capacity"] = {k: v for k, v in _lines(form.get("capacity", ""))}
    spec["availability"] = {
        k: _ids(v.replace(" ", "")) for k, v in _lines(form.get("availability", ""))
    }
    return spec


def _messages(exc: Exception) -> list[str]:
    """Every problem of the event form, in Chinese."""
    if isinstance(exc, ValidationError):
        return [messages.validation_error(e) for e in exc.errors()]
    if isinstance(exc, Invalid):
        return [
            f"{messages.field_name(d.get('loc', ())) or '活动'}：{messages.chinese(str(d.get('msg', d)))}"
            for d in exc.issues
        ]
    return [messages.chinese(str(exc))]


Show = Annotated[Literal["current", "archived"], Query()]


@router.get("/events")
def event_list(
    request: Request, visitor: OrganiserPage, session: SessionDep, show: Show = "current"
) -> Response:
    """The current events, or (show=archived) the archived ones under 已归档."""
    events = crud.list_events(session, archived=show == "archived")
    return page(
        request,
        "events.html",
        visitor,
        events=events,
        show=show,
        archived_count=len(crud.list_events(session, archived=True)),
        form=FORM_DEFAULTS,
        errors=[],
    )


@router.post("/events")
async def create_event(request: Request, visitor: OrganiserForm, session: SessionDep) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        created = planning.create_event(session, EventCreate.model_validate(spec_from_form(form)))
    except (ValueError, Invalid) as exc:  # ValidationError is a ValueError
        events = crud.list_events(session)
        errors = _messages(exc)
        shown = {**FORM_DEFAULTS, **form, "conflict_of_interest": "conflict_of_interest" in form}
        archived = len(crud.list_events(session, archived=True))
        return page(
            request,
            "events.html",
            visitor,
            422,
            events=events,
            show="current",
            archived_count=archived,
            form=shown,
            errors=errors,
        )
    return RedirectResponse(f"/events/{created.id}", 303)


@router.get("/events/{event_id}")
def event_page(
    request: Request,
    event_id: Id,
    visitor: OrganiserPage,
    session: SessionDep,
    job: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    row = planning.get_event(session, event_id)
    plans = [PlanSummary.of(r) for r in crud.list_plans(session, event_id, archived=False)]
    archived_plans = [PlanSummary.of(r) for r in crud.list_plans(session, event_id, archived=True)]
    running = JobPublic.of(planning.get_job(session, job)) if job else None
    event = planning.event_of(row)
    pairs = [*event.pins, *event.blocks]
    named = {*event.availability}
    project_names, resource_names = crud.record_names(
        session, {p for p, _ in pairs} | named, {r for _, r in pairs} | named
    )
    availability = [
        (who, project_names.get(who) or resource_names.get(who), event.available_slots(who))
        for who in event.availability
    ]
    capacity = check_capacity(event, crud.record_ids(session)[0], crud.resource_capacities(session))
    return page(
        request,
        "event.html",
        visitor,
        event=row,
        slots=event.slots,
        bar=event.extra_min_grade,
        plans=plans,
        archived_plans=archived_plans,
        job=running,
        project_names=project_names,
        resource_names=resource_names,
        availability=availability,
        capacity=capacity,
    )


@router.post("/events/{event_id}/pairs")
def change_pair(
    event_id: Id,
    visitor: OrganiserForm,
    session: SessionDep,
    project_id: Annotated[str, Form(min_length=1, max_length=128)],
    resource_id: Annotated[str, Form(min_length=1, max_length=128)],
    action: Annotated[Literal["pin", "block", "clear"], Form()],
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Pin (must meet), block (must not meet) or release a pair for one event."""
    planning.set_pair(session, event_id, project_id, resource_id, action)
    return RedirectResponse(local_path(next, f"/events/{event_id}"), 303)


@router.post("/events/{event_id}/plans")
def run_plan(
    event_id: Id,
    visitor: OrganiserForm,
    session: SessionDep,
    jobs: JobsDep,
    _ready: MatchingDep,  # the loading page while the catalogue loads
    seed: Annotated[int, Form(ge=0, le=2**31 - 1)] = 0,
    solver: Annotated[Literal["flow", "greedy", "milp"], Form()] = "flow",
) -> Response:
    job = planning.start_plan(session, jobs, event_id, PlanRequest(seed=seed, solver=solver))
    return RedirectResponse(f"/events/{event_id}?job={job.id}", 303)


@router.get("/jobs/{job_id}")
def job_status(job_id: Id, visitor: OrganiserPage, session: SessionDep) -> Response:
    """A plan job's progress as JSON, for the progress bar."""
    job = JobPublic.of(planning.get_job(session, job_id))
    state = {**job.model_dump(mode="json"), "message": messages.chinese(job.message)}
    return JSONResponse(state, headers={"Cache-Control": "no-store"})


# -- plans ---------------------------------------------------------------------------------------


def schedule(body: dict[str, Any]) -> dict[str, Any]:
    """The grid (slot × table → meeting) and each participant's agenda, in slot order."""
    slots, meetings = list(body.get("slots", [])), body.get("meetings", [])
    used = {m["table"] for m in meetings}
    tables = [t for t in body.get("tables", []) if t in used] or sorted(used)
    grid: dict[tuple[str, str], dict[str, Any]] = {(m["slot"], m["table"]): m for m in meetings}
    order = {s: i for i, s in enumerate(slots)}
    by_project: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_resource: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in sorted(meetings, key=lambda m: order.get(m["slot"], 0)):
        by_project[m["project_id"]].append(m)
        by_resource[m["resource_id"]].append(m)
    return {
        "slots": slots,
        "tables": tables,
        "grid": grid,
        "by_project": sorted(by_project.items()),
        "by_resource": sorted(by_resource.items()),
    }


@router.get("/plans/{plan_id}")
def plan_page(
    request: Request, plan_id: Id, visitor: OrganiserPage, session: SessionDep
) -> Response:
    return plan_view(request, visitor, session, plan_id)


def plan_view(
    request: Request,
    visitor: Visitor,
    session: Session,
    plan_id: int,
    status: int = 200,
    edit_error: str = "",
) -> Response:
    """The plan page; `edit_error` (with status 409) when a hand edit was just refused."""
    row = planning.get_plan(session, plan_id)
    event = crud.get_event(session, row.event_id)
    shortfalls = [p for p in row.body.get("projects", []) if p["meetings"] < p["min_meetings"]]
    published = planning.published_plan_of(session, row.event_id)
    event_tables = planning.event_of(event).table_names(0) if event else []
    return page(
        request,
        "plan.html",
        visitor,
        status,
        published=published.id if published is not None and published.id != plan_id else None,
        plan=PlanSummary.of(row),
        body=row.body,
        event=event,
        shortfalls=shortfalls,
        editable=not row.archived and not (event and event.archived),
        edit_error=edit_error,
        all_tables=event_tables or list(row.body.get("tables", [])),
        **schedule(row.body),
    )


@router.post("/plans/{plan_id}/publish")
def publish(
    plan_id: Id, visitor: OrganiserForm, session: SessionDep, confirm: Confirm = ""
) -> Response:
    row = planning.get_plan(session, plan_id)
    current = planning.published_plan_of(session, row.event_id)
    if current is not None and current.id != plan_id:
        confirmed(confirm, f"发布将取代已发布的排期 #{current.id}，请勾选确认。")
    planning.publish_plan(session, plan_id)
    return RedirectResponse(f"/plans/{plan_id}", 303)


@router.post("/plans/{plan_id}/unpublish")
def unpublish(
    plan_id: Id, visitor: OrganiserForm, session: SessionDep, confirm: Confirm = ""
) -> Response:
    confirmed(confirm, "撤回发布后项目方和资源方将看不到这份日程，请勾选确认。")
    planning.unpublish_plan(session, plan_id)
    return RedirectResponse(f"/plans/{plan_id}", 303)


@router.post("/plans/{plan_id}/delete")
def delete_plan(
    plan_id: Id, visitor: OrganiserForm, session: SessionDep, confirm: Confirm = ""
) -> Response:
    confirmed(confirm, "删除排期不可恢复，请勾选确认。")
    event_id = planning.get_plan(session, plan_id).event_id
    planning.delete_plan(session, plan_id)
    return RedirectResponse(f"/events/{event_id}", 303)


@router.post("/events/{event_id}/delete")
def delete_event(
    event_id: Id, visitor: OrganiserForm, session: SessionDep, confirm: Confirm = ""
) -> Response:
    confirmed(confirm, "删除活动会同时删除它的全部排期，请勾选确认。")
    planning.delete_event(session, event_id)
    return RedirectResponse("/events", 303)


@router.get("/plans/{plan_id}/compare")
def compare_page(
    request: Request,
    plan_id: Id,
    visitor: OrganiserPage,
    session: SessionDep,
    other: Annotated[int, Query(alias="with", ge=1, le=2**31 - 1)],
) -> Response:
    row = planning.get_plan(session, plan_id)
    diff = planning.compare_plans(session, other, plan_id)
    event = crud.get_event(session, row.event_id)
    return page(request, "compare.html", visitor, plan=row, other=other, diff=diff, event=event)


def confirmed(confirm: str, message: str) -> None:
    """A destructive or replacing action goes ahead only with its confirmation box ticked."""
    if confirm != "on":
        raise Invalid([{"loc": ["form", "confirm"], "msg": message, "type": "confirm"}])


@router.get("/plans/{plan_id}/download")
def download(
    plan_id: Id,
    visitor: OrganiserPage,
    session: SessionDep,
    format: Literal["xlsx", "csv", "json"] = "xlsx",
) -> Response:
    """The plan as a file, its scores on the pages' 0–3 expected-grade scale (as the API's)."""
    file = planning.plan_file(planning.get_plan(session, plan_id), format)
    return Response(file.data, media_type=file.media_type, headers=file.headers)
