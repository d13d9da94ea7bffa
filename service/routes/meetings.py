"""Meeting ratings by the project or provider that met (a label for learning)."""

from __future__ import annotations

from fastapi import APIRouter

from .. import labels
from ..auth import PrincipalDep
from ..deps import SessionDep, errors
from ..schemas import RatingCreate, RatingPublic

router = APIRouter(prefix="/api/meetings", tags=["learning"], responses=errors(401, 403, 429))


@router.post("/rating", response_model=RatingPublic, responses=errors(404, 413))
def rate_meeting(body: RatingCreate, principal: PrincipalDep, session: SessionDep) -> RatingPublic:
    """Rate your own meeting (1–5 stars, 是否后续跟进) in an event's published plan, with the
    project's or provider's token; rating again replaces your rating. 403 for anyone else
    (organisers grade pairs with /api/judgments), 404 if the plan has no such meeting."""
    row = labels.rate_meeting(session, principal, **body.model_dump())
    return RatingPublic(
        event_id=row.event_id,
        project_id=row.project_id,
        resource_id=row.resource_id,
        side=row.side,
        stars=row.stars,
        follow_up=row.follow_up,
        rated_at=row.rated_at,
    )
