"""Free text → ranked providers; concurrent queries are encoded together by the batcher."""

from __future__ import annotations

from fastapi import APIRouter, Request

from matcher.prose import project_from_text

from ..auth import PrincipalDep
from ..batcher import QueryBatcher
from ..deps import MatchingDep, SettingsDep, check_k, errors
from ..errors import Invalid, issue
from ..schemas import MatchPublic, QueryIn, QueryPublic

router = APIRouter(prefix="/api", tags=["query"], responses=errors(401, 403, 429))


@router.post("/query", response_model=QueryPublic, responses=errors(413, 503))
async def query(
    body: QueryIn,
    _: PrincipalDep,
    _ready: MatchingDep,  # 503 while the catalogue loads
    settings: SettingsDep,
    request: Request,
) -> QueryPublic:
    """Providers for a newcomer's description (any signed-in user), with reasons; the list
    holds a strong provider for each need the text states, where one exists."""
    if len(body.text) > settings.max_text_chars:
        message = f"text must be at most {settings.max_text_chars} characters"
        raise Invalid([issue(["body", "text"], message, "string_too_long")])
    check_k(body.k, settings, ["body", "k"])
    batcher: QueryBatcher = request.app.state.batcher
    found = await batcher.submit(body.text, body.k, body.types)  # ranked and described together
    guess = project_from_text(body.text)
    data = [MatchPublic(**m) for m in found]
    return QueryPublic(track=guess.track, stage=guess.stage, data=data, count=len(data))
