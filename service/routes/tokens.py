"""Tokens for projects and providers: issued by organisers, shown once, revocable."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from .. import crud
from ..auth import Authenticator, OrganiserDep, PrincipalDep
from ..deps import RecordId, SessionDep, errors
from ..schemas import Me, TokenCreate, TokenIssued, TokenPublic, TokensPublic

router = APIRouter(prefix="/api", tags=["tokens"], responses=errors(401, 403, 429))


@router.post("/tokens", response_model=TokenIssued, status_code=201, responses=errors(404, 413))
def issue_token(body: TokenCreate, _: OrganiserDep, session: SessionDep) -> TokenIssued:
    """A token that lets one project or provider see its own matches and agenda."""
    row, token = crud.issue_token(session, body)
    return TokenIssued(token=token, token_id=row.key_id, role=row.role, subject_id=row.subject_id)


@router.get("/tokens", response_model=TokensPublic)
def list_tokens(_: OrganiserDep, session: SessionDep) -> TokensPublic:
    """Every credential (never the secrets)."""
    rows = crud.list_credentials(session)
    data = [
        TokenPublic(
            token_id=r.key_id,
            role=r.role,
            subject_id=r.subject_id,
            label=r.label,
            created_at=r.created_at,
            revoked_at=r.revoked_at,
        )
        for r in rows
    ]
    return TokensPublic(data=data, count=len(data))


@router.delete("/tokens/{token_id}", status_code=204, responses=errors(404))
def revoke_token(
    token_id: RecordId, principal: OrganiserDep, session: SessionDep, request: Request
) -> Response:
    """Revoke a credential at once (an organiser may not revoke the key in use)."""
    if token_id == principal.key_id:
        raise HTTPException(403, "you cannot revoke the key you are using")
    if crud.revoke_credential(session, token_id) is None:
        raise HTTPException(404, f"no token {token_id!r}")
    auth: Authenticator = request.app.state.auth
    auth.forget(token_id)
    return Response(status_code=204)


@router.get("/me", response_model=Me)
async def me(principal: PrincipalDep) -> Me:
    """Who the presented credential belongs to."""
    return Me(role=principal.role, subject_id=principal.subject_id)
