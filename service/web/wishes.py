"""想见 / 不考虑: participants say whom they want to meet at an event, from their own page."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from matcher.plan.event import parse_wish

from .. import planning
from ..auth import Principal
from ..deps import SessionDep
from ..errors import Forbidden
from .render import local_path
from .session import VisitorForm

router = APIRouter(include_in_schema=False)
WISH_LABELS = {"want": "想见", "no": "不考虑"}


@router.post("/me/wishes")
def set_wish(
    visitor: VisitorForm,
    session: SessionDep,
    event_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    target_id: Annotated[str, Form(min_length=1, max_length=128)],
    wish: Annotated[Literal["want", "no", "clear"], Form()],
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """A project's or provider's own wish about one counterpart at an event it attends."""
    principal = visitor.principal
    if principal.is_organiser or principal.subject_id is None:
        raise Forbidden("wishes are a participant's own", "意愿只能由参会方本人填写。")
    attended = planning.attended_events(session, principal.role, principal.subject_id)
    if event_id not in {e.id for e in attended}:
        raise Forbidden(f"not a participant of event {event_id}", "您不是该活动的参会方。")
    planning.set_wish(session, event_id, principal.subject_id, target_id, wish)
    return RedirectResponse(local_path(next, "/me") + "#matches", 303)


def wish_extras(principal: Principal, session: Session) -> dict[str, Any]:
    """The event a participant's wishes go to (the newest it attends) and its wishes there."""
    if principal.is_organiser or principal.subject_id is None:
        return {"wish_event": None, "wishes": {}}
    attended = planning.attended_events(session, principal.role, principal.subject_id)
    if not attended:
        return {"wish_event": None, "wishes": {}}
    event = attended[0]
    mine = {
        str(b): parse_wish(str(w))
        for a, b, w in event.spec.get("wishes", [])
        if str(a) == principal.subject_id
    }
    return {"wish_event": event, "wishes": mine}
