"""Plan and event pages' changes after planning: move or swap meetings by hand (a refused
edit shows its reasons on the plan page), archive and restore. Calls the API's functions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from .. import planning
from ..deps import SessionDep
from ..errors import Conflict
from ..schemas import MeetingKey, MeetingMove, MeetingSwap
from .events import Confirm, Id, confirmed, plan_view
from .session import OrganiserForm

router = APIRouter(include_in_schema=False)
Choice = Annotated[int, Form(ge=0, le=100_000)]  # a meeting's place in the plan's list
Version = Annotated[str, Form(max_length=64)]
Label = Annotated[str, Form(min_length=1, max_length=40)]
PUBLISHED_EDIT = "该排期已发布，调整后项目方和资源方会立即看到新的时段和桌号，请勾选确认。"


@router.post("/plans/{plan_id}/move")
def move(
    request: Request,
    plan_id: Id,
    visitor: OrganiserForm,
    session: SessionDep,
    meeting: Choice,
    slot: Label,
    table: Label,
    version: Version,
    confirm: Confirm = "",
) -> Response:
    """Move the chosen meeting (its place in the plan `version` showed) to a slot and table."""
    key = _meeting(session, plan_id, meeting, confirm)
    body = MeetingMove(**key.model_dump(), slot=slot, table=table, version=version)
    try:
        planning.move_plan_meeting(session, plan_id, body)
    except Conflict as exc:
        return plan_view(request, visitor, session, plan_id, 409, exc.page_message)
    return RedirectResponse(f"/plans/{plan_id}#edit", 303)


@router.post("/plans/{plan_id}/swap")
def swap(
    request: Request,
    plan_id: Id,
    visitor: OrganiserForm,
    session: SessionDep,
    first: Choice,
    second: Choice,
    version: Version,
    confirm: Confirm = "",
) -> Response:
    """Swap two chosen meetings' slots and tables."""
    a = _meeting(session, plan_id, first, confirm)
    b = _meeting(session, plan_id, second, confirm)
    try:
        planning.swap_plan_meetings(
            session, plan_id, MeetingSwap(first=a, second=b, version=version)
        )
    except Conflict as exc:
        return plan_view(request, visitor, session, plan_id, 409, exc.page_message)
    return RedirectResponse(f"/plans/{plan_id}#edit", 303)


def _meeting(session: SessionDep, plan_id: int, index: int, confirm: str) -> MeetingKey:
    """The pair of the plan's meeting at `index`; a published plan needs the box ticked."""
    row = planning.get_plan(session, plan_id)
    if row.status == "published":
        confirmed(confirm, PUBLISHED_EDIT)
    meetings = row.body.get("meetings", [])
    if index >= len(meetings):
        raise Conflict(f"plan {plan_id} has no meeting {index}", "请选择排期中的一场会面。")
    m = meetings[index]
    return MeetingKey(project_id=m["project_id"], resource_id=m["resource_id"])


@router.post("/plans/{plan_id}/archive")
def archive_plan(plan_id: Id, visitor: OrganiserForm, session: SessionDep) -> Response:
    planning.archive_plan(session, plan_id)
    return RedirectResponse(f"/plans/{plan_id}", 303)


@router.post("/plans/{plan_id}/restore")
def restore_plan(plan_id: Id, visitor: OrganiserForm, session: SessionDep) -> Response:
    planning.restore_plan(session, plan_id)
    return RedirectResponse(f"/plans/{plan_id}", 303)


@router.post("/events/{event_id}/archive")
def archive_event(event_id: Id, visitor: OrganiserForm, session: SessionDep) -> Response:
    planning.archive_event(session, event_id)
    return RedirectResponse(f"/events/{event_id}", 303)


@router.post("/events/{event_id}/restore")
def restore_event(event_id: Id, visitor: OrganiserForm, session: SessionDep) -> Response:
    planning.restore_event(session, event_id)
    return RedirectResponse(f"/events/{event_id}", 303)
