"""Archiving events and plans: hidden from default lists and the dashboard, read-only, restorable.

An archived event's plans are read-only as well. A published plan is never archived (unpublish
it first), nor is an event with one, so no participant's agenda comes from an archived thing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from .db import EventArchiveRow, EventRow, PlanArchiveRow, PlanRow
from .errors import Conflict


def ensure_writable(event: EventRow | None, plan: PlanRow | None = None) -> None:
    """Conflict (409) when the event or plan is archived: restore it before changing it."""
    if event is not None and event.archived:
        raise Conflict(
            f"event {event.id} is archived; restore it first",
            f"活动「{event.name}」已归档，只读；请先恢复再修改。",
        )
    if plan is not None and plan.archived:
        raise Conflict(
            f"plan {plan.id} is archived; restore it first",
            f"排期 #{plan.id} 已归档，只读；请先恢复再修改。",
        )


def archive_event(session: Session, event: EventRow, published: PlanRow | None) -> EventRow:
    """Archive an event (again: no change); Conflict while it has a published plan."""
    if published is not None:
        raise Conflict(
            f"event {event.id} has published plan {published.id}; unpublish it first",
            f"活动「{event.name}」有已发布的排期 #{published.id}，请先撤回发布再归档。",
        )
    if event.archive is None:
        event.archive = EventArchiveRow()
        session.commit()
    return event


def archive_plan(session: Session, plan: PlanRow, event: EventRow | None) -> PlanRow:
    """Archive a draft plan (again: no change); Conflict for a published one."""
    ensure_writable(event)
    if plan.status == "published":
        raise Conflict(
            f"plan {plan.id} is published; unpublish it first",
            f"排期 #{plan.id} 已发布，请先撤回发布再归档。",
        )
    if plan.archive is None:
        plan.archive = PlanArchiveRow()
        session.commit()
    return plan


def restore_event(session: Session, event: EventRow) -> EventRow:
    event.archive = None
    session.commit()
    return event


def restore_plan(session: Session, plan: PlanRow, event: EventRow | None) -> PlanRow:
    ensure_writable(event)
    plan.archive = None
    session.commit()
    return plan
