"""Project and provider pages (lists: lists.py): details with ranked partners, pins and
blocks per event, agendas (personal links: links.py). Reads and writes go through the same crud,
matching and planning functions as the API."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from matcher.plan.export import GRADE_HEADER
from matcher.schema import RESOURCE_TYPE, Project, Resource

from .. import crud, planning
from ..auth import allow_project, allow_resource
from ..db import EventRow
from ..deps import MatchingDep, SessionDep, SettingsDep
from ..matching import Matching
from .learning import record_extras
from .links import link_state
from .render import page
from .session import PageError, Visitor, VisitorDep
from .tables import UNSORTED, Column, Sorting, headers, sort_rows, sorting, workbook, xlsx_download
from .wishes import wish_extras

router = APIRouter(include_in_schema=False)
K = Annotated[int, Query(ge=1, le=50)]
EventChoice = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
SortKey = Annotated[str, Query(max_length=20)]
Match = dict[str, Any]


def _match_columns(partner: str, kind: str) -> list[Column[Match]]:
    """A ranked list's columns, as shown and exported (scores: expected grades 0–3)."""
    return [
        Column("rank", "排名", lambda m: m["rank"], number=True, width=6),
        Column("name", partner, lambda m: m["name"], width=32),
        Column("type", kind, lambda m: m["type_label"], width=20),
        Column("score", GRADE_HEADER, lambda m: round(m["score"], 2), number=True, width=12),
        Column("reasons", "推荐理由", lambda m: m["reasons"], width=80),
    ]


PROVIDER_MATCHES = _match_columns("资源方", "类型")
PROJECT_MATCHES = _match_columns("项目", "赛道")


# -- projects --------------------------------------------------------------------------------------


def _events_with_pairs(
    session: Session, event: int | None
) -> tuple[list[EventRow], EventRow | None]:
    rows = crud.list_events(session)
    chosen = next((r for r in rows if r.id == event), rows[-1] if rows else None)
    return rows, chosen


def _pair_states(event: EventRow | None, key: Callable[[list[str]], str]) -> dict[str, str]:
    """Partner id → "pin" or "block" in the chosen event."""
    if event is None:
        return {}
    states = {key(pair): "pin" for pair in event.spec.get("pins", [])}
    states.update({key(pair): "block" for pair in event.spec.get("blocks", [])})
    return states


def shown(matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The matches a person sees: pairs the provider's own rules exclude (expected grade below
    0, the ranker's veto) are never shown."""
    return [m for m in matches if m["score"] >= 0]


def _record_page(
    request: Request,
    visitor: Visitor,
    session: Session,
    *,
    kind: str,
    record: Project | Resource,
    matches: list[dict[str, Any]],
    event: int | None,
    extra: dict[str, Any],
) -> Response:
    record_id = record.project_id if isinstance(record, Project) else record.resource_id
    events, chosen = (
        _events_with_pairs(session, event) if visitor.principal.is_organiser else ([], None)
    )
    states = _pair_states(chosen, (lambda p: p[1]) if kind == "project" else (lambda p: p[0]))
    role = "project" if kind == "project" else "resource"
    link = (
        link_state(request, visitor, session, role, record_id)
        if visitor.principal.is_organiser
        else None
    )
    agenda = (
        planning.agenda(session, project_id=record_id)
        if kind == "project"
        else planning.agenda(session, resource_id=record_id)
    )
    return page(
        request,
        f"{kind}.html",
        visitor,
        record=record,
        matches=matches,
        events=events,
        event=chosen,
        states=states,
        agenda=agenda.data,
        personal=not visitor.principal.is_organiser,
        link=link,
        **record_extras(visitor, session, kind, record_id),
        **wish_extras(visitor.principal, session),
        **extra,
    )


def show_project(
    request: Request,
    project_id: str,
    visitor: Visitor,
    session: Session,
    matching: Matching,
    k: int = 10,
    types: Sequence[str] = (),
    event: int | None = None,
    try_text: str = "",
    order: Sorting = UNSORTED,
) -> Response:
    project, matches = project_matches(visitor, session, matching, project_id, k, types, order)
    tried = shown(_try(matching, try_text, types)) if try_text.strip() else []
    return _record_page(
        request,
        visitor,
        session,
        kind="project",
        record=project,
        matches=matches,
        event=event,
        extra={
            "k": k,
            "types": list(types),
            "try_text": try_text,
            "tried": tried,
            "counterparts": _providers(matching, [m["id"] for m in [*matches, *tried]]),
            "headers": headers(PROVIDER_MATCHES, order, request.query_params.multi_items()),
        },
    )


def project_matches(
    visitor: Visitor,
    session: Session,
    matching: Matching,
    project_id: str,
    k: int,
    types: Sequence[str],
    order: Sorting,
) -> tuple[Project, list[Match]]:
    """A project and the providers its page lists, in the order asked for."""
    allow_project(visitor.principal, project_id)  # Forbidden: the error page says why
    project = crud.get_project(session, project_id)
    if project is None:
        raise PageError(404, f"没有编号为 {project_id} 的项目。")
    answer = matching.resources_for(project_id, k, tuple(sorted(set(types))))
    return project, sort_rows(shown(answer.data if answer else []), PROVIDER_MATCHES, order)


def resource_matches(
    visitor: Visitor, session: Session, matching: Matching, resource_id: str, k: int, order: Sorting
) -> tuple[Resource, list[Match]]:
    """A provider and the projects its page lists, in the order asked for."""
    allow_resource(visitor.principal, resource_id)
    resource = crud.get_resource(session, resource_id)
    if resource is None:
        raise PageError(404, f"没有编号为 {resource_id} 的资源方。")
    answer = matching.projects_for(resource_id, k)
    return resource, sort_rows(shown(answer.data if answer else []), PROJECT_MATCHES, order)


def _try(matching: Matching, text: str, types: Sequence[str], k: int = 5) -> list[dict[str, Any]]:
    """试一试: providers for a free-text description (another idea, a changed plan)."""
    return matching.query([text.strip()], [k], [tuple(types)])[0]


def _providers(matching: Matching, ids: Sequence[str]) -> dict[str, Resource]:
    """The providers behind a list of matches, for their detail cards (from the snapshot the
    matches came from, not the database)."""
    snapshot = matching.catalogue.current()
    return {
        rid: snapshot.resources[snapshot.resource_col[rid]]
        for rid in ids
        if rid in snapshot.resource_col
    }


def show_resource(
    request: Request,
    resource_id: str,
    visitor: Visitor,
    session: Session,
    matching: Matching,
    k: int = 10,
    event: int | None = None,
    order: Sorting = UNSORTED,
) -> Response:
    resource, matches = resource_matches(visitor, session, matching, resource_id, k, order)
    return _record_page(
        request,
        visitor,
        session,
        kind="resource",
        record=resource,
        matches=matches,
        event=event,
        extra={
            "k": k,
            "headers": headers(PROJECT_MATCHES, order, request.query_params.multi_items()),
        },
    )


@router.get("/projects/{project_id}")
def project_page(
    request: Request,
    project_id: str,
    visitor: VisitorDep,
    session: SessionDep,
    matching: MatchingDep,
    settings: SettingsDep,
    k: K = 10,
    event: EventChoice = None,
    type: Annotated[list[str] | None, Query(max_length=13)] = None,
    try_text: Annotated[str, Query(alias="try", max_length=5000)] = "",
    sort: SortKey = "",
    order: SortKey = "",
) -> Response:
    """A project and its ranked providers with reasons (organisers, or the project itself);
    `try`: providers for a free-text description too (试一试); `sort`, `order`: by a column."""
    types = [t for t in type or () if t in RESOURCE_TYPE.labels]
    k = min(k, settings.max_k)
    text = try_text[: settings.max_text_chars]
    chosen = sorting(PROVIDER_MATCHES, sort, order)
    return show_project(
        request, project_id, visitor, session, matching, k, types, event, text, chosen
    )


@router.get("/projects/{project_id}/matches.xlsx")
def project_matches_export(
    project_id: str,
    visitor: VisitorDep,
    session: SessionDep,
    matching: MatchingDep,
    settings: SettingsDep,
    k: K = 10,
    type: Annotated[list[str] | None, Query(max_length=13)] = None,
    sort: SortKey = "",
    order: SortKey = "",
) -> Response:
    """The providers the project's page lists (same k, types and order) as an Excel sheet."""
    types = [t for t in type or () if t in RESOURCE_TYPE.labels]
    chosen = sorting(PROVIDER_MATCHES, sort, order)
    _, matches = project_matches(
        visitor, session, matching, project_id, min(k, settings.max_k), types, chosen
    )
    return xlsx_download(workbook("推荐资源方", PROVIDER_MATCHES, matches), "matches.xlsx")


# -- providers -------------------------------------------------------------------------------------


@router.get("/resources/{resource_id}")
def resource_page(
    request: Request,
    resource_id: str,
    visitor: VisitorDep,
    session: SessionDep,
    matching: MatchingDep,
    settings: SettingsDep,
    k: K = 10,
    event: EventChoice = None,
    sort: SortKey = "",
    order: SortKey = "",
) -> Response:
    """A provider and the projects that fit it best (organisers, or the provider itself)."""
    k = min(k, settings.max_k)
    chosen = sorting(PROJECT_MATCHES, sort, order)
    return show_resource(request, resource_id, visitor, session, matching, k, event, chosen)


@router.get("/resources/{resource_id}/matches.xlsx")
def resource_matches_export(
    resource_id: str,
    visitor: VisitorDep,
    session: SessionDep,
    matching: MatchingDep,
    settings: SettingsDep,
    k: K = 10,
    sort: SortKey = "",
    order: SortKey = "",
) -> Response:
    """The projects the provider's page lists (same k and order) as an Excel sheet."""
    chosen = sorting(PROJECT_MATCHES, sort, order)
    _, matches = resource_matches(
        visitor, session, matching, resource_id, min(k, settings.max_k), chosen
    )
    return xlsx_download(workbook("匹配项目", PROJECT_MATCHES, matches), "matches.xlsx")
