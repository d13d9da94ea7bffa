"""Agendas: a project's or provider's meetings in the latest published plan of each event."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .. import crud
from ..db import EventRow
from ..schemas import AgendaItem, AgendaPublic


def agenda_for(
    session: Session, project_id: str | None = None, resource_id: str | None = None
) -> AgendaPublic:
    items: list[AgendaItem] = []
    for plan in crud.published_plans(session):
        event = session.get(EventRow, plan.event_id)
        for m in plan.body.get("meetings", []):
            if (project_id and m["project_id"] != project_id) or (
                resource_id and m["resource_id"] != resource_id
            ):
                continue
            items.append(
                AgendaItem(
                    event_id=plan.event_id,
                    event_name=event.name if event else "",
                    project_id=m["project_id"],
                    resource_id=m["resource_id"],
                    slot=m["slot"],
                    table=m["table"],
                    score=m["score"],
                    reasons=m.get("reasons", ""),
                    project_title=m.get("project_title", ""),
                    resource_name=m.get("resource_name", ""),
                )
            )
    return AgendaPublic(for_id=project_id or resource_id or "", data=items, count=len(items))
