"""Pages for signing in, projects and providers (lists, details with ranked partners), personal
links. Every read and write goes through the same crud, matching and route functions as the API."""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from matcher.schema import RESOURCE_TYPE, Project, Resource

from .. import crud
from ..auth import allow_project, allow_resource
from ..db import EventRow
from ..deps import SessionDep, get_matching
from ..matching import Matching
from ..routes import tokens as token_routes
from ..routes.agenda import agenda_for
from ..schemas import TokenCreate
from .render import local_path, page
from .session import (
    LOGIN_COOKIE,
    OrganiserForm,
    OrganiserPage,
    PageError,
    Visitor,
    VisitorDep,
    current_visitor,
    principal_for,
    same_token,
    sign_in,
    sign_out,
)

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
Filter = Annotated[str, Query(max_length=200)]
K = Annotated[int, Query(ge=1, le=50)]
EventChoice = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


async def web_matching(request: Request) -> Matching:
    """The live catalogue, or a page saying it is still loading."""
    try:
        return await get_matching(request)
    except HTTPException as exc:
        raise PageError(503, "匹配数据正在加载，请稍后刷新页面。") from exc


MatchingPage = Annotated[Matching, Depends(web_matching)]


def _home(visitor: Visitor) -> str:
    p = visitor.principal
    if p.is_organiser:
        return "/projects"
    return f"/{'projects' if p.role == 'project' else 'resources'}/{p.subject_id}"


# -- signing in ---------------------------------------------------------------------------------


@router.get("/")
async def home(request: Request) -> Response:
    visitor = await current_visitor(request)
    return RedirectResponse(_home(visitor) if visitor else "/login", 303)


def _login_form(request: Request, error: str = "", status: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = page(
        request,
        "login.html",
        None,
        status,
        login_csrf=token,
        error=error,
        next=local_path(request.query_params.get("next"), ""),
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/login")
async def login_page(request: Request) -> Response:
    return _login_form(request)


@router.post("/login")
async def login(
    request: Request,
    key: Annotated[str, Form(max_length=600)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if not same_token(csrf, request.cookies.get(LOGIN_COOKIE, "")):
        return _login_form(request, "表单已过期，请重新输入。", 403)
    key = key.strip()
    principal = await principal_for(request, key)
    if principal is None:
        return _login_form(request, "密钥无效或已被撤销。", 401)
    response = RedirectResponse(
        local_path(next, "/projects" if principal.is_organiser else "/me"), 303
    )
    sign_in(request, response, key)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(
    request: Request, visitor: VisitorDep, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    if not same_token(csrf, visitor.csrf):
        raise PageError(403, "表单已过期，请刷新页面后重试。")
    response = RedirectResponse("/login", 303)
    sign_out(request, response)
    return response


@router.get("/me")
async def personal_link(
    request: Request, token: Annotated[str | None, Query(max_length=600)] = None
) -> Response:
    """A personal link (`/me?token=…`) signs its holder in and leads to their own page."""
    if token is None:
        visitor = await current_visitor(request)
        return RedirectResponse(_home(visitor) if visitor else "/login", 303)
    principal = await principal_for(request, token.strip())
    if principal is None:
        raise PageError(401, "链接无效或已被撤销，请向组织方索取新的链接。")
    target = (
        "/projects"
        if principal.is_organiser
        else (
            f"/{'projects' if principal.role == 'project' else 'resources'}/{principal.subject_id}"
        )
    )
    # A page, not a 303: SameSite=Strict cookies are withheld on a redirect that continues a
    # navigation from another site (the chat app the link came from); a same-site refresh sends it.
    response = page(request, "continue.html", None, target=target)
    sign_in(request, response, token.strip())
    return response


# -- projects --------------------------------------------------------------------------------------


def _matches(text: str, *fields: str) -> bool:
    return not text or any(text.lower() in f.lower() for f in fields)


def _paged(items: Sequence[Any], number: int) -> tuple[list[Any], int, int]:
    pages = max(math.ceil(len(items) / PAGE_SIZE), 1)
    number = min(max(number, 1), pages)
    return list(items[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]), number, pages


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


@router.get("/projects")
def project_list(
    request: Request,
    visitor: OrganiserPage,
    session: SessionDep,
    q: Filter = "",
    track: Filter = "",
    stage: Filter = "",
    need: Filter = "",
    region: Filter = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10**6)] = 1,
) -> Response:
    found = [
        p
        for p in crud.all_projects(session)
        if _matches(q.strip(), p.project_id, p.title, p.description, p.institution)
        and (not track or p.track == track)
        and (not stage or p.stage == stage)
        and (not need or need in p.needs)
        and (not region or p.region == region)
    ]
    shown, number, pages = _paged(found, page_number)
    query = {"q": q, "track": track, "stage": stage, "need": need, "region": region}
    return page(
        request,
        "projects.html",
        visitor,
        projects=shown,
        count=len(found),
        number=number,
        pages=pages,
        query=query,
    )


def _allowed(check: Callable[[Any, str], None], visitor: Visitor, record_id: str) -> None:
    try:
        check(visitor.principal, record_id)
    except HTTPException as exc:
        raise PageError(403, "您只能查看自己的页面。") from exc


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
    agenda = (
        agenda_for(session, project_id=record_id)
        if kind == "project"
        else agenda_for(session, resource_id=record_id)
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
    link: str = "",
) -> Response:
    _allowed(allow_project, visitor, project_id)
    project = crud.get_project(session, project_id)
    if project is None:
        raise PageError(404, f"没有编号为 {project_id} 的项目。")
    answer = matching.resources_for(project_id, k, tuple(sorted(set(types))))
    return _record_page(
        request,
        visitor,
        session,
        kind="project",
        record=project,
        matches=answer.data if answer else [],
        event=event,
        extra={"k": k, "types": list(types), "link": link},
    )


def show_resource(
    request: Request,
    resource_id: str,
    visitor: Visitor,
    session: Session,
    matching: Matching,
    k: int = 10,
    event: int | None = None,
    link: str = "",
) -> Response:
    _allowed(allow_resource, visitor, resource_id)
    resource = crud.get_resource(session, resource_id)
    if resource is None:
        raise PageError(404, f"没有编号为 {resource_id} 的资源方。")
    answer = matching.projects_for(resource_id, k)
    return _record_page(
        request,
        visitor,
        session,
        kind="resource",
        record=resource,
        matches=answer.data if answer else [],
        event=event,
        extra={"k": k, "link": link},
    )


@router.get("/projects/{project_id}")
def project_page(
    request: Request,
    project_id: str,
    visitor: VisitorDep,
    session: SessionDep,
    matching: MatchingPage,
    k: K = 10,
    event: EventChoice = None,
    type: Annotated[list[str] | None, Query(max_length=13)] = None,
) -> Response:
    """A project and its ranked providers with reasons (organisers, or the project itself)."""
    types = [t for t in type or () if t in RESOURCE_TYPE.labels]
    return show_project(request, project_id, visitor, session, matching, k, types, event)


@router.post("/projects/{project_id}/link")
def project_link(
    request: Request,
    project_id: str,
    visitor: OrganiserForm,
    session: SessionDep,
    matching: MatchingPage,
) -> Response:
    """Issue a personal link for the project (shown once on the page that answers)."""
    link = _issue_link(request, visitor, session, TokenCreate(project_id=project_id, label="web"))
    return show_project(request, project_id, visitor, session, matching, link=link)


# -- providers -------------------------------------------------------------------------------------


@router.get("/resources")
def resource_list(
    request: Request,
    visitor: OrganiserPage,
    session: SessionDep,
    q: Filter = "",
    type: Filter = "",
    track: Filter = "",
    stage: Filter = "",
    need: Filter = "",
    region: Filter = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10**6)] = 1,
) -> Response:
    found = [
        r
        for r in crud.all_resources(session)
        if _matches(q.strip(), r.resource_id, r.name, r.description)
        and (not type or r.type == type)
        and (not track or r.serves_track(track))
        and (not stage or r.serves_stage(stage))
        and (not need or need in r.offers)
        and (not region or r.region == region)
    ]
    shown, number, pages = _paged(found, page_number)
    query = {"q": q, "type": type, "track": track, "stage": stage, "need": need, "region": region}
    return page(
        request,
        "resources.html",
        visitor,
        resources=shown,
        count=len(found),
        number=number,
        pages=pages,
        query=query,
    )


@router.get("/resources/{resource_id}")
def resource_page(
    request: Request,
    resource_id: str,
    visitor: VisitorDep,
    session: SessionDep,
    matching: MatchingPage,
    k: K = 10,
    event: EventChoice = None,
) -> Response:
    """A provider and the projects that fit it best (organisers, or the provider itself)."""
    return show_resource(request, resource_id, visitor, session, matching, k, event)


@router.post("/resources/{resource_id}/link")
def resource_link(
    request: Request,
    resource_id: str,
    visitor: OrganiserForm,
    session: SessionDep,
    matching: MatchingPage,
) -> Response:
    link = _issue_link(request, visitor, session, TokenCreate(resource_id=resource_id, label="web"))
    return show_resource(request, resource_id, visitor, session, matching, link=link)


def _issue_link(request: Request, visitor: Visitor, session: Session, body: TokenCreate) -> str:
    try:
        issued = token_routes.issue_token(body, visitor.principal, session)
    except HTTPException as exc:
        raise PageError(exc.status_code, "找不到该记录，无法生成链接。") from exc
    return f"{str(request.base_url).rstrip('/')}/me?token={issued.token}"
