"""Signing in and out: the login form (organiser key or personal token), personal links
(`/me?token=…`) and the home redirect. Sessions themselves live in session.py."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .render import local_path, page
from .session import (
    LOGIN_COOKIE,
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


def _home(visitor: Visitor) -> str:
    p = visitor.principal
    if p.is_organiser:
        return "/projects"
    return f"/{'projects' if p.role == 'project' else 'resources'}/{p.subject_id}"


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
    await sign_in(request, response, principal)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(
    request: Request, visitor: VisitorDep, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    if not same_token(csrf, visitor.csrf):
        raise PageError(403, "表单已过期，请刷新页面后重试。")
    response = RedirectResponse("/login", 303)
    await sign_out(request, response)
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
    await sign_in(request, response, principal)
    return response
