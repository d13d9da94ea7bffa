"""Events, plan jobs, plans and agendas as plain functions over a `Session`.

The API (`routes/events.py`, the agenda routes) and the pages (`web/events.py`, `web/records.py`)
both call these; they raise the service's errors (`NotFound`, `Invalid`), never HTTPException.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.orm import Session

from matcher.errors import EditRefused, InputError
from matcher.plan import (
    Event,
    Meeting,
    Plan,
    PlanDiff,
    diff_plans,
    move_meeting,
    swap_meetings,
    write_plan,
)

from . import archiving, crud
from .db import EventRow, JobRow, PlanRow
from .errors import Conflict, Invalid, NotFound, issue
from .jobs import PlanJobs
from .schemas import (
    AgendaItem,
    AgendaPublic,
    EventCreate,
    MeetingMove,
    MeetingRef,
    MeetingSwap,
    PlanComparison,
    PlanRequest,
)

PlanFormat = Literal["xlsx", "csv", "json"]
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}

# -- events ---------------------------------------------------------------------------------------


def event_spec(session: Session, body: EventCreate) -> dict[str, Any]:
    """The stored form of an event, checked the way the planner reads it and against the
    records on file; every problem at once (Invalid)."""
    spec = body.model_dump(mode="json")
    problems = _unknown_ids(session, body)
    try:
        Event.from_mapping(spec)
    except InputError as exc:
        problems += [issue(["body", i.column or "event"], i.message) for i in exc.issues]
    if problems:
        raise Invalid(problems)
    return spec


def _unknown_ids(session: Session, body: EventCreate) -> list[dict[str, Any]]:
    """Issues for ids the event names that are neither a project nor a provider on file."""
    project_ids, resource_ids = (set(ids) for ids in crud.record_ids(session))
    named = {
        "projects": (body.projects or [], project_ids, "项目"),
        "resources": (body.resources or [], resource_ids, "资源方"),
        "capacity": (list(body.capacity), resource_ids, "资源方"),
        "availability": (list(body.availability), project_ids | resource_ids, "项目或资源方"),
    }
    out = []
    for field_name, (ids, known, what) in named.items():
        unknown = [x for x in ids if x not in known]
        if unknown:
            shown = "、".join(unknown[:10]) + (
                f" 等 {len(unknown)} 个" if len(unknown) > 10 else ""
            )
            out.append(issue(["body", field_name], f"未知的{what}编号 unknown id: {shown}"))
    return out


def event_of(row: EventRow) -> Event:
    """The library's Event of a stored event (InputError if the spec no longer reads)."""
    return Event.from_mapping(row.spec, f"event {row.id}")


def create_event(session: Session, body: EventCreate) -> EventRow:
    return crud.add_event(session, body.name, event_spec(session, body))


def replace_event(session: Session, event_id: int, body: EventCreate) -> EventRow:
    """Replace an event's description; plans made from the old one are kept."""
    archiving.ensure_writable(get_event(session, event_id))
    row = crud.update_event(session, event_id, body.name, event_spec(session, body))
    if row is None:
        raise NotFound("event", event_id)
    return row


def get_event(session: Session, event_id: int) -> EventRow:
    return _get(session, EventRow, event_id, "event")


def delete_event(session: Session, event_id: int) -> None:
    archiving.ensure_writable(get_event(session, event_id))
    if not crud.delete_event(session, event_id):
        raise NotFound("event", event_id)


def archive_event(session: Session, event_id: int) -> EventRow:
    """Hide an event (and its plans) from default lists and make it read-only; refused while it
    has a published plan."""
    row = get_event(session, event_id)
    return archiving.archive_event(session, row, published_plan_of(session, event_id))


def restore_event(session: Session, event_id: int) -> EventRow:
    return archiving.restore_event(session, get_event(session, event_id))


def set_pair(
    session: Session,
    event_id: int,
    project_id: str,
    resource_id: str,
    action: Literal["pin", "block", "clear"],
) -> EventRow:
    """Pin (must meet), block (must not meet) or release one pair of an event."""
    row = get_event(session, event_id)
    pair = [project_id, resource_id]
    spec = dict(row.spec)
    spec["pins"] = [p for p in spec.get("pins", []) if list(p) != pair]
    spec["blocks"] = [p for p in spec.get("blocks", []) if list(p) != pair]
    if action != "clear":
        spec["pins" if action == "pin" else "blocks"].append(pair)
    try:
        body = EventCreate.model_validate(spec)
    except ValidationError as exc:
        raise Invalid([issue(list(e["loc"]), e["msg"]) for e in exc.errors()]) from exc
    return replace_event(session, event_id, body)


def set_wish(
    session: Session,
    event_id: int,
    from_id: str,
    to_id: str,
    wish: Literal["want", "no", "clear"],
) -> EventRow:
    """A participant's wish about one counterpart at an event: 想见 (want), 不考虑 (no) or none.
    The planner honours them (mutual wants are boosted, a 不考虑 is never planned)."""
    row = get_event(session, event_id)
    spec = dict(row.spec)
    spec["wishes"] = [w for w in spec.get("wishes", []) if [w[0], w[1]] != [from_id, to_id]]
    if wish != "clear":
        spec["wishes"].append([from_id, to_id, wish])
    try:
        body = EventCreate.model_validate(spec)
    except ValidationError as exc:
        raise Invalid([issue(list(e["loc"]), e["msg"]) for e in exc.errors()]) from exc
    return replace_event(session, event_id, body)


def attended_events(session: Session, role: str, subject_id: str) -> list[EventRow]:
    """Events a project or provider takes part in (listed, or every record attends), newest first."""
    key = "projects" if role == "project" else "resources"
    return [
        row
        for row in reversed(crud.list_events(session))
        if row.spec.get(key) is None or subject_id in row.spec[key]
    ]


# -- plan jobs and plans --------------------------------------------------------------------------


def start_plan(session: Session, jobs: PlanJobs, event_id: int, body: PlanRequest) -> JobRow:
    """Queue a plan of the event on the current matches; the job row reports progress."""
    archiving.ensure_writable(get_event(session, event_id))
    row = crud.add_job(session, "plan", event_id, body.model_dump())
    jobs.submit(row.id)
    return row


def get_job(session: Session, job_id: int) -> JobRow:
    return _get(session, JobRow, job_id, "job")


def get_plan(session: Session, plan_id: int) -> PlanRow:
    return _get(session, PlanRow, plan_id, "plan")


def publish_plan(session: Session, plan_id: int) -> PlanRow:
    """Publish a plan: its meetings become the agenda projects and providers see. An event has
    one published plan: one published before it goes back to draft."""
    row = get_plan(session, plan_id)
    archiving.ensure_writable(session.get(EventRow, row.event_id), row)
    for other in crud.list_plans(session, row.event_id):
        if other.id != row.id and other.status == "published":
            _set_status(other, "draft")
    _set_status(row, "published")
    session.commit()
    return row


def unpublish_plan(session: Session, plan_id: int) -> PlanRow:
    """Withdraw a published plan: participants' agendas for its event are empty again."""
    row = get_plan(session, plan_id)
    _set_status(row, "draft")
    session.commit()
    return row


def delete_plan(session: Session, plan_id: int) -> None:
    """Delete a draft plan; a published one must be withdrawn first (Conflict)."""
    row = get_plan(session, plan_id)
    archiving.ensure_writable(session.get(EventRow, row.event_id), row)
    if row.status == "published":
        raise Conflict(
            f"plan {plan_id} is published; unpublish it first",
            "该排期已发布，请先撤回发布再删除。",
        )
    session.delete(row)
    session.commit()


def archive_plan(session: Session, plan_id: int) -> PlanRow:
    """Hide a draft plan from default lists and make it read-only (a published one: Conflict)."""
    row = get_plan(session, plan_id)
    return archiving.archive_plan(session, row, session.get(EventRow, row.event_id))


def restore_plan(session: Session, plan_id: int) -> PlanRow:
    row = get_plan(session, plan_id)
    return archiving.restore_plan(session, row, session.get(EventRow, row.event_id))


# an edit of (plan, event, 申报单位 by project, 接洽名额 by provider, providers serving only their
# own people)
Edit = Callable[[Plan, Event, Mapping[str, str], Mapping[str, int], Collection[str]], Plan]


def move_plan_meeting(session: Session, plan_id: int, body: MeetingMove) -> PlanRow:
    """Move one meeting to another slot and table, checked by `matcher.plan.move_meeting`."""
    pair = (body.project_id, body.resource_id)
    return _edit_plan(
        session,
        plan_id,
        body.version,
        lambda plan, event, inst, caps, own: move_meeting(
            plan,
            event,
            pair,
            body.slot,
            body.table,
            institutions=inst,
            capacities=caps,
            serves_own=own,
        ),
    )


def swap_plan_meetings(session: Session, plan_id: int, body: MeetingSwap) -> PlanRow:
    """Swap two meetings' slots and tables, checked by `matcher.plan.swap_meetings`."""
    first = (body.first.project_id, body.first.resource_id)
    second = (body.second.project_id, body.second.resource_id)
    return _edit_plan(
        session,
        plan_id,
        body.version,
        lambda plan, event, inst, caps, own: swap_meetings(
            plan, event, first, second, institutions=inst, capacities=caps, serves_own=own
        ),
    )


def _edit_plan(session: Session, plan_id: int, version: str | None, edit: Edit) -> PlanRow:
    """Apply a hand edit in one statement that also checks the plan is still the one the edit
    was made on (two organisers editing at once: the second is refused, never lost). A plan
    edited while published changes participants' agendas at once."""
    row = get_plan(session, plan_id)
    event_row = get_event(session, row.event_id)
    archiving.ensure_writable(event_row, row)
    seen = str(row.body.get("plan_id", ""))
    if version is not None and version != seen:
        raise _changed_meanwhile(plan_id)
    plan = Plan.from_dict(row.body)
    project_ids = {m.project_id for m in plan.meetings}
    try:
        edited = edit(
            plan,
            event_of(event_row),
            crud.institutions(session, project_ids),
            crud.resource_capacities(session),
            crud.serving_own_people(session, {m.resource_id for m in plan.meetings}),
        )
    except EditRefused as exc:
        reasons = "改动被拒绝，排期未变：" + "；".join(r.rstrip("。") for r in exc.reasons) + "。"
        raise Conflict(reasons, reasons) from exc
    done = session.execute(
        update(PlanRow)
        .where(PlanRow.id == plan_id, PlanRow.body["plan_id"].as_string() == seen)
        .values(body=edited.to_dict())
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise _changed_meanwhile(plan_id)
    session.commit()
    session.refresh(row)
    return row


def _changed_meanwhile(plan_id: int) -> Conflict:
    return Conflict(
        f"plan {plan_id} changed since it was shown; reload and try again",
        f"排期 #{plan_id} 已被修改，请刷新页面后重试。",
    )


def published_plan_of(session: Session, event_id: int) -> PlanRow | None:
    return next((p for p in crud.list_plans(session, event_id) if p.status == "published"), None)


def compare_plans(session: Session, old_id: int, new_id: int) -> PlanDiff:
    """Meetings added, moved and cancelled from plan `old_id` to plan `new_id`."""
    old, new = get_plan(session, old_id), get_plan(session, new_id)
    return diff_plans(Plan.from_dict(old.body), Plan.from_dict(new.body))


def comparison(session: Session, old_id: int, new_id: int) -> PlanComparison:
    diff = compare_plans(session, old_id, new_id)

    def ref(m: Meeting) -> MeetingRef:
        return MeetingRef(
            project_id=m.project_id, resource_id=m.resource_id, slot=m.slot, table=m.table
        )

    return PlanComparison(
        old=old_id,
        new=new_id,
        summary=diff.summary(),
        added=[ref(m) for m in diff.added],
        moved=[(ref(a), ref(b)) for a, b in diff.moved],
        cancelled=[ref(m) for m in diff.cancelled],
        unchanged=diff.unchanged,
    )


def _set_status(row: PlanRow, status: str) -> None:
    row.status = status
    row.body = {**row.body, "status": status}


@dataclass(frozen=True)
class PlanFile:
    """A plan written as a file, ready to send as a download."""

    data: bytes
    media_type: str
    filename: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Disposition": f'attachment; filename="{self.filename}"'}


def plan_file(row: PlanRow, format: PlanFormat) -> PlanFile:
    """The plan as an xlsx, csv or json file; cells that look like formulas are neutralised."""
    plan = Plan.from_dict(row.body)
    with tempfile.TemporaryDirectory(prefix="matcher-plan-") as folder:
        data = write_plan(plan, Path(folder) / f"plan.{format}").read_bytes()
    return PlanFile(data, MEDIA[format], f"plan-{row.event_id}-{row.id}.{format}")


def agenda(
    session: Session, project_id: str | None = None, resource_id: str | None = None
) -> AgendaPublic:
    """A project's or provider's meetings in the latest published plan of each event."""
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


def _get(session: Session, kind: type[Any], key: int, what: str) -> Any:
    row = session.get(kind, key)
    if row is None:
        raise NotFound(what, key)
    return row
