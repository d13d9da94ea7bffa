"""Organiser judgments: grades sent as JSON or a sheet, the combined grades of every label, and
the judging queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from .. import judging, labels, uploads
from ..auth import OrganiserDep
from ..config import ServiceSettings
from ..deps import MatchingDep, OptionalId, SessionDep, SettingsDep, errors
from ..errors import Invalid, issue
from ..schemas import (
    ContradictionPublic,
    GradedPair,
    JudgmentCreate,
    JudgmentsPublic,
    JudgmentsSaved,
    LabelPublic,
    QueuePublic,
)

router = APIRouter(prefix="/api/judgments", tags=["learning"], responses=errors(401, 403, 429))
MAX_ITEMS = 10_000
_ITEMS = TypeAdapter(list[JudgmentCreate])
_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {"type": "array", "items": JudgmentCreate.model_json_schema()}
        },
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "csv/xlsx with 项目编号 / 资源方编号 / 评分 (or "
                        "project_id / resource_id / grade)",
                    }
                },
            }
        },
    },
}


@router.post(
    "",
    response_model=JudgmentsSaved,
    status_code=201,
    responses={
        **errors(400, 413),
        422: {"description": "unknown ids or bad rows, each named (row and column for sheets)"},
    },
    openapi_extra={"requestBody": _BODY},
)
async def add_judgments(
    request: Request, principal: OrganiserDep, session: SessionDep, settings: SettingsDep
) -> JudgmentsSaved:
    """Grade pairs 0–3 (不合适 / 一般 / 合适 / 非常合适): a JSON list of {project_id,
    resource_id, grade}, or a sheet as multipart `file`. All or nothing: an unknown id or a bad
    row rejects everything with 422 naming it (row and column for sheets)."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        found = await _from_sheet(request, session, settings)
    else:
        found = [
            labels.Judgment(j.project_id, j.resource_id, j.grade) for j in await _items(request)
        ]
        labels.check_known(session, found)
    saved = await run_in_threadpool(labels.add_judgments, session, found, principal.key_id)
    return JudgmentsSaved(saved=saved)


async def _items(request: Request) -> list[JudgmentCreate]:
    try:
        body: Any = await request.json()
    except ValueError:
        raise Invalid([issue(["body"], "a JSON list of judgments, or a multipart file")]) from None
    if isinstance(body, list) and len(body) > MAX_ITEMS:
        raise Invalid([issue(["body"], f"at most {MAX_ITEMS} judgments at once")])
    try:
        return _ITEMS.validate_python(body)
    except ValidationError as exc:
        raise Invalid(
            [issue(["body", *e["loc"]], e["msg"], e["type"]) for e in exc.errors()[:100]]
        ) from None


async def _from_sheet(
    request: Request, session: Session, settings: ServiceSettings
) -> list[labels.Judgment]:
    async with request.form() as form:  # closes the spooled upload
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Invalid(
                [issue(["body", "file"], "upload the sheet as the multipart field `file`")]
            )
        return await uploads.parse_judgments(upload, session, settings)


@router.get("", response_model=JudgmentsPublic)
def list_judgments(_: OrganiserDep, session: SessionDep) -> JudgmentsPublic:
    """Every labelled pair's grade from all its labels (organiser judgments, meeting ratings,
    outcomes; see `matcher/labels.py`), and the pairs whose labels contradict each other."""
    combined = labels.combined(session)
    data = [
        GradedPair(
            project_id=pid,
            resource_id=rid,
            grade=grade,
            counts=dict(combined.counts[pid, rid]),
        )
        for pid, row in sorted(combined.grades.items())
        for rid, grade in sorted(row.items())
    ]
    contradictions = [
        ContradictionPublic(
            project_id=c.project_id,
            resource_id=c.resource_id,
            labels=[LabelPublic(source=lab.source, grade=lab.grade, at=lab.at) for lab in c.labels],
            description=c.describe(),
        )
        for c in combined.contradictions
    ]
    return JudgmentsPublic(
        data=data,
        count=len(data),
        by_source=dict(combined.by_source),
        contradictions=contradictions,
    )


@router.get("/queue", response_model=QueuePublic, responses=errors(404, 503))
def judging_queue(
    _: OrganiserDep,
    session: SessionDep,
    matching: MatchingDep,
    project_id: Annotated[OptionalId, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> QueuePublic:
    """Pairs to grade next: each project's top suggestions of the fused, text-only and
    structured-only rankers plus a few random providers, disagreements first; pairs already
    graded (by anyone) and pairs the provider's rules exclude are left out."""
    combined = labels.combined(session)
    data = judging.queue(matching.catalogue.current(), combined.grades, project_id, limit)
    return QueuePublic(data=data, count=len(data))
