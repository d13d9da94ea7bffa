"""Personal links (`/me?token=…`): one active link per project or provider, issued from its page
or in bulk for an event's participants, listed, revoked, re-issued and exported to Excel for a
mail merge. Every form answers with a redirect, so reloading never issues another link.

Only a hash of each secret is stored, so a link can be shown again only in the organiser session
that issued it (kept in memory until sign-out or restart); after that, re-issue it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from matcher.files import safe_cell
from matcher.schema import RESOURCE_TYPE

from .. import crud
from ..auth import Authenticator
from ..db import CredentialRow, EventRow
from ..deps import SessionDep
from ..errors import NotFound
from ..schemas import TokenCreate
from .render import local_path, page
from .session import OrganiserForm, OrganiserPage, PageError, Visitor, store

router = APIRouter(include_in_schema=False)
EventChoice = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
NextPath = Annotated[str, Form(max_length=2000)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROLE_LABELS = {"project": "项目", "resource": "资源方"}


@dataclass(frozen=True)
class LinkState:
    """A participant's live token (if any) and its link (if issued in this session)."""

    token: CredentialRow | None
    link: str


@dataclass(frozen=True)
class Participant:
    role: str  # project | resource
    id: str
    name: str
    detail: str  # a project's institution, a provider's type
    state: LinkState

    @property
    def path(self) -> str:
        return f"/{'projects' if self.role == 'project' else 'resources'}/{quote(self.id)}"


def link_url(request: Request, token: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/me?token={token}"


def link_states(
    request: Request, visitor: Visitor, session: Session
) -> dict[tuple[str, str], LinkState]:
    """(role, subject id) → link state, for every participant with a live token."""
    known = store(request).links(visitor.sid)
    return {
        (row.role, str(row.subject_id)): LinkState(row, known.get(row.key_id, ""))
        for row in crud.live_tokens(session)  # oldest first: the newest wins
    }


def link_state(
    request: Request, visitor: Visitor, session: Session, role: str, subject_id: str
) -> LinkState:
    live = crud.live_tokens(session, role, subject_id)
    if not live:
        return LinkState(None, "")
    return LinkState(live[-1], store(request).links(visitor.sid).get(live[-1].key_id, ""))


def _issue(
    request: Request, visitor: Visitor, session: Session, subjects: list[tuple[str, str]]
) -> int:
    """New links for `subjects` (their old ones revoked), remembered in this session."""
    issued, revoked = crud.reissue_tokens(session, subjects, "web")
    _forget(request, revoked)
    for row, token in issued:
        store(request).remember_link(visitor.sid, row.key_id, link_url(request, token))
    return len(issued)


def _forget(request: Request, revoked: list[str]) -> None:
    """Revoked links stop working at once: drop them from the auth cache and every session."""
    auth: Authenticator = request.app.state.auth
    for key_id in revoked:
        auth.forget(key_id)
    store(request).forget_links(revoked)


def _issue_for(request: Request, visitor: Visitor, session: Session, body: TokenCreate) -> None:
    try:
        row, token, revoked = crud.reissue_token(session, body)
    except NotFound as exc:
        raise PageError(404, "找不到该记录，无法生成链接。") from exc
    _forget(request, revoked)
    store(request).remember_link(visitor.sid, row.key_id, link_url(request, token))


@router.post("/projects/{project_id}/link")
def project_link(
    request: Request,
    project_id: str,
    visitor: OrganiserForm,
    session: SessionDep,
    next: NextPath = "",
) -> Response:
    """Issue the project's personal link (replacing any older one), then show its page again."""
    _issue_for(request, visitor, session, TokenCreate(project_id=project_id, label="web"))
    return RedirectResponse(local_path(next, f"/projects/{quote(project_id)}") + "#link", 303)


@router.post("/resources/{resource_id}/link")
def resource_link(
    request: Request,
    resource_id: str,
    visitor: OrganiserForm,
    session: SessionDep,
    next: NextPath = "",
) -> Response:
    _issue_for(request, visitor, session, TokenCreate(resource_id=resource_id, label="web"))
    return RedirectResponse(local_path(next, f"/resources/{quote(resource_id)}") + "#link", 303)


# -- the links page --------------------------------------------------------------------------------


def participants(
    request: Request, visitor: Visitor, session: Session, event: EventRow | None
) -> list[Participant]:
    """The event's projects and providers (everyone without an event), with their links."""
    spec = event.spec if event else {}
    wanted_p = set(spec.get("projects") or ()) or None
    wanted_r = set(spec.get("resources") or ()) or None
    states = link_states(request, visitor, session)
    none = LinkState(None, "")
    out = [
        Participant("project", p.project_id, p.title, p.institution,
                    states.get(("project", p.project_id), none))
        for p in crud.all_projects(session)
        if wanted_p is None or p.project_id in wanted_p
    ]  # fmt: skip
    out += [
        Participant("resource", r.resource_id, r.name, RESOURCE_TYPE.labels.get(r.type, r.type),
                    states.get(("resource", r.resource_id), none))
        for r in crud.all_resources(session)
        if wanted_r is None or r.resource_id in wanted_r
    ]  # fmt: skip
    return out


def _chosen(session: Session, event: int | None) -> tuple[list[EventRow], EventRow | None]:
    events = crud.list_events(session)
    return events, next((e for e in events if e.id == event), None)


@router.get("/links")
def links_page(
    request: Request,
    visitor: OrganiserPage,
    session: SessionDep,
    event: EventChoice = None,
    issued: Annotated[int | None, Query(ge=0, le=10**6)] = None,
) -> Response:
    """Every participant's personal link: state, copy, re-issue, revoke; bulk and Excel."""
    events, chosen = _chosen(session, event)
    people = participants(request, visitor, session, chosen)
    return page(
        request,
        "links.html",
        visitor,
        events=events,
        event=chosen,
        people=people,
        issued=issued,
        active=sum(p.state.token is not None for p in people),
        known=sum(bool(p.state.link) for p in people),
    )


@router.post("/links/bulk")
def bulk_links(
    request: Request,
    visitor: OrganiserForm,
    session: SessionDep,
    scope: Annotated[Literal["missing", "all"], Form()] = "missing",
    event: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """Links for every participant of an event: those without one, or all (old ones revoked)."""
    _, chosen = _chosen(session, event)
    people = participants(request, visitor, session, chosen)
    subjects = [(p.role, p.id) for p in people if scope == "all" or p.state.token is None]
    count = _issue(request, visitor, session, subjects) if subjects else 0
    where = f"event={chosen.id}&" if chosen else ""
    return RedirectResponse(f"/links?{where}issued={count}", 303)


@router.post("/links/{key_id}/revoke")
def revoke_link(
    request: Request,
    key_id: Annotated[str, PathParam(min_length=1, max_length=64)],
    visitor: OrganiserForm,
    session: SessionDep,
    next: NextPath = "",
) -> Response:
    row = session.get(CredentialRow, key_id)
    if row is None or row.role not in ROLE_LABELS:
        raise PageError(404, "没有这个个人链接。")
    crud.revoke_credential(session, key_id)
    _forget(request, [key_id])
    return RedirectResponse(local_path(next, "/links"), 303)


@router.get("/links/export")
def export_links(
    request: Request, visitor: OrganiserPage, session: SessionDep, event: EventChoice = None
) -> Response:
    """The participants and their links as an Excel sheet, ready for a mail merge."""
    _, chosen = _chosen(session, event)
    people = participants(request, visitor, session, chosen)
    data = links_workbook(people)
    name = f"personal-links-{chosen.id}.xlsx" if chosen else "personal-links.xlsx"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(data, media_type=XLSX, headers=headers)


def links_workbook(people: list[Participant]) -> bytes:
    """One row per participant: 类型, 编号, 名称, 单位或类型, 个人链接, 说明."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "个人链接"
    sheet.append(["类型", "编号", "名称", "单位或类型", "个人链接", "说明"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for p in people:
        if p.state.link:
            note = ""
        elif p.state.token is not None:
            note = "已有有效链接，但不是在本次登录中生成的，无法再次显示；如需发送请重新生成"
        else:
            note = "尚未生成"
        row = [ROLE_LABELS[p.role], p.id, p.name, p.detail, p.state.link, note]
        sheet.append([safe_cell(v) for v in row])
    for column, width in zip("ABCDEF", (8, 10, 36, 24, 90, 40), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
