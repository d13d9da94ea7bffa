"""Event pages: define an event, pin or block pairs, run the plan with a progress bar, see the
schedule grid and agendas, publish and download. Calls the API's event route functions."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from .. import crud
from ..db import EventRow, PlanRow
from ..deps import JobsDep, SessionDep
from ..jobs import event_of
from ..routes import events as event_routes
from ..schemas import EventCreate, PlanRequest
from .records import MatchingPage
from .render import local_path, page
from .session import OrganiserForm, OrganiserPage, PageError

router = APIRouter(include_in_schema=False)
Id = Annotated[int, event_routes.Id]
_SEPARATORS = re.compile(r"[\s,;，；、]+")
_LINE = re.compile(r"^([^=:：]+?)\s*[=:：]\s*(.*)$")


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
    """The JSON body the API takes (EventCreate) from the event form's fields."""
    spec: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "start": form.get("start", "14:00"),
        "end": form.get("end", "17:00"),
        "minutes": form.get("minutes") or 15,
        "min_meetings": form.get("min_meetings") or 1,
        "max_meetings": form.get("max_meetings") or 4,
        "conflict_of_interest": form.get("conflict_of_interest") == "on",
    }
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
    if isinstance(exc, ValidationError):
        return [f"{'.'.join(str(x) for x in e['loc']) or '表单'}：{e['msg']}" for e in exc.errors()]
    if isinstance(exc, HTTPException) and isinstance(exc.detail, list):
        return [str(d.get("msg", d)) for d in exc.detail]
    return [str(exc)]


@router.get("/events")
def event_list(request: Request, visitor: OrganiserPage, session: SessionDep) -> Response:
    return page(
        request, "events.html", visitor, events=crud.list_events(session), form={}, errors=[]
    )


@router.post("/events")
async def create_event(request: Request, visitor: OrganiserForm, session: SessionDep) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        body = EventCreate.model_validate(spec_from_form(form))
        created = event_routes.create_event(body, visitor.principal, session)
    except (ValueError, HTTPException) as exc:  # ValidationError is a ValueError
        return page(
            request,
            "events.html",
            visitor,
            422,
            events=crud.list_events(session),
            form=form,
            errors=_messages(exc),
        )
    return RedirectResponse(f"/events/{created.id}", 303)


def _event(session: Session, event_id: int) -> EventRow:
    row = session.get(EventRow, event_id)
    if row is None:
        raise PageError(404, f"没有编号为 {event_id} 的活动。")
    return row


@router.get("/events/{event_id}")
def event_page(
    request: Request,
    event_id: Id,
    visitor: OrganiserPage,
    session: SessionDep,
    job: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    row = _event(session, event_id)
    plans = event_routes.list_plans(visitor.principal, session, event_id).data
    running = event_routes.get_job(job, visitor.principal, session) if job else None
    slots = event_of(row.spec).slots
    return page(request, "event.html", visitor, event=row, slots=slots, plans=plans, job=running)


@router.post("/events/{event_id}/pairs")
def change_pair(
    request: Request,
    event_id: Id,
    visitor: OrganiserForm,
    session: SessionDep,
    project_id: Annotated[str, Form(min_length=1, max_length=128)],
    resource_id: Annotated[str, Form(min_length=1, max_length=128)],
    action: Annotated[Literal["pin", "block", "clear"], Form()],
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Pin (must meet), block (must not meet) or release a pair for one event."""
    row = _event(session, event_id)
    pair = [project_id, resource_id]
    spec = dict(row.spec)
    spec["pins"] = [p for p in spec.get("pins", []) if list(p) != pair]
    spec["blocks"] = [p for p in spec.get("blocks", []) if list(p) != pair]
    if action != "clear":
        spec["pins" if action == "pin" else "blocks"].append(pair)
    try:
        EventCreate.model_validate(spec)
        event_of(spec)
    except ValueError as exc:
        raise PageError(422, "；".join(_messages(exc))) from exc
    crud.update_event(session, event_id, row.name, spec)
    return RedirectResponse(local_path(next, f"/events/{event_id}"), 303)


@router.post("/events/{event_id}/plans")
def run_plan(
    event_id: Id,
    visitor: OrganiserForm,
    session: SessionDep,
    jobs: JobsDep,
    matching: MatchingPage,
    seed: Annotated[int, Form(ge=0, le=2**31 - 1)] = 0,
    solver: Annotated[Literal["flow", "greedy", "milp"], Form()] = "flow",
) -> Response:
    _event(session, event_id)
    job = event_routes.start_plan(
        event_id, PlanRequest(seed=seed, solver=solver), visitor.principal, session, jobs, matching
    )
    return RedirectResponse(f"/events/{event_id}?job={job.id}", 303)


@router.get("/jobs/{job_id}")
def job_status(job_id: Id, visitor: OrganiserPage, session: SessionDep) -> Response:
    """A plan job's progress as JSON, for the progress bar."""
    try:
        job = event_routes.get_job(job_id, visitor.principal, session)
    except HTTPException as exc:
        raise PageError(404, f"没有编号为 {job_id} 的任务。") from exc
    return JSONResponse(job.model_dump(mode="json"), headers={"Cache-Control": "no-store"})


# -- plans ---------------------------------------------------------------------------------------


def _plan(session: Session, plan_id: int) -> PlanRow:
    row = session.get(PlanRow, plan_id)
    if row is None:
        raise PageError(404, f"没有编号为 {plan_id} 的排期。")
    return row


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
    row = _plan(session, plan_id)
    summary = event_routes.get_plan(plan_id, visitor.principal, session)
    event = session.get(EventRow, row.event_id)
    shortfalls = [p for p in row.body.get("projects", []) if p["meetings"] < p["min_meetings"]]
    return page(
        request,
        "plan.html",
        visitor,
        plan=summary,
        body=row.body,
        event=event,
        shortfalls=shortfalls,
        **schedule(row.body),
    )


@router.post("/plans/{plan_id}/publish")
def publish(plan_id: Id, visitor: OrganiserForm, session: SessionDep) -> Response:
    _plan(session, plan_id)
    event_routes.publish_plan(plan_id, visitor.principal, session)
    return RedirectResponse(f"/plans/{plan_id}", 303)


@router.get("/plans/{plan_id}/download")
def download(
    plan_id: Id,
    visitor: OrganiserPage,
    session: SessionDep,
    format: Literal["xlsx", "csv", "json"] = "xlsx",
) -> Response:
    _plan(session, plan_id)
    return event_routes.download_plan(plan_id, visitor.principal, session, format)
