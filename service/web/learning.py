"""Learning pages: one-click grades on a project's suggestions and in the judging queue, the
model versions with their held-out comparison, refit and activation, and meeting ratings on
personal pages. Calls the same label, queue and version functions as the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from .. import judging, labels, planning, uploads, versions
from ..deps import MatchingDep, RefitsDep, SessionDep, SettingsDep
from ..refits import NotEnoughGraded
from ..schemas import JobPublic
from . import charts
from .render import local_path, page
from .session import OrganiserForm, OrganiserPage, VisitorForm

router = APIRouter(include_in_schema=False)
Id = Annotated[str, Form(min_length=1, max_length=128)]
NextPath = Annotated[str, Form(max_length=2000)]
QUEUE_PAIRS = 40  # pairs the queue page shows at once


@router.post("/grades")
def grade_pair(
    visitor: OrganiserForm,
    session: SessionDep,
    project_id: Id,
    resource_id: Id,
    grade: Annotated[int, Form(ge=0, le=3)],
    next: NextPath = "",
) -> Response:
    """One organiser grade (不合适 0 … 非常合适 3), then back to the page it was given on."""
    judgment = labels.Judgment(project_id, resource_id, grade)
    labels.check_known(session, [judgment])
    labels.add_judgments(session, [judgment], visitor.principal.key_id)
    return RedirectResponse(local_path(next, "/judging"), 303)


@router.post("/judging/import")  # ends in /import: BodyLimit allows spreadsheet-sized bodies
async def import_grades(
    visitor: OrganiserForm,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    """A sheet of grades (项目编号, 资源方编号, 评分), all or nothing, like the API's."""
    found = await uploads.parse_judgments(file, session, settings)
    saved = await run_in_threadpool(labels.add_judgments, session, found, visitor.principal.key_id)
    return RedirectResponse(f"/judging?imported={saved}", 303)


@router.get("/judging")
def judging_page(
    request: Request,
    visitor: OrganiserPage,
    session: SessionDep,
    matching: MatchingDep,
    project: Annotated[str | None, Query(max_length=128)] = None,
    imported: Annotated[int | None, Query(ge=0, le=10**7)] = None,
) -> Response:
    """The judging queue: pooled pairs, disagreements first, one click per pair."""
    combined = labels.combined(session)
    snapshot = matching.catalogue.current()
    pairs = judging.queue(snapshot, combined.grades, project or None, QUEUE_PAIRS)
    graded = combined.graded_projects(snapshot.project_row, snapshot.resource_col)
    return page(
        request,
        "judging.html",
        visitor,
        pairs=pairs,
        project=project or "",
        projects=snapshot.projects,
        graded=graded,
        pairs_graded=sum(len(row) for row in combined.grades.values()),
        contradictions=combined.contradictions,
        imported=imported,
    )


def _models_page(
    request: Request,
    visitor: Any,
    session: Any,
    job: JobPublic | None = None,
    problem: str = "",
    status: int = 200,
) -> Response:
    shown = versions.all_public(session)
    compared = [v for v in shown if v.comparison]
    chart = (
        charts.render(
            ("models", tuple((v.id, v.labels_sha256) for v in compared)),
            charts.refit_comparison,
            [(v.id, v.comparison) for v in compared],
        )
        if compared
        else ""
    )
    return page(
        request,
        "models.html",
        visitor,
        status,
        versions=shown,
        chart=chart,
        job=job,
        problem=problem,
    )


@router.get("/models")
def models_page(
    request: Request,
    visitor: OrganiserPage,
    session: SessionDep,
    job: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    running = JobPublic.of(planning.get_job(session, job)) if job else None
    return _models_page(request, visitor, session, running)


@router.post("/models/refit")
def refit(
    request: Request,
    visitor: OrganiserForm,
    session: SessionDep,
    refits: RefitsDep,
    _ready: MatchingDep,
) -> Response:
    try:
        job = refits.start(session)
    except NotEnoughGraded as exc:
        return _models_page(request, visitor, session, problem=exc.page_message, status=409)
    return RedirectResponse(f"/models?job={job.id}", 303)


@router.post("/models/{version_id}/activate")
def activate(
    version_id: Annotated[int, PathParam(ge=0, le=2**31 - 1)],
    visitor: OrganiserForm,
    session: SessionDep,
    matching: MatchingDep,
) -> Response:
    versions.activate(session, matching, version_id)
    return RedirectResponse("/models", 303)


@router.post("/meetings/rating")
def rate_meeting(
    visitor: VisitorForm,
    session: SessionDep,
    event_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    project_id: Id,
    resource_id: Id,
    stars: Annotated[int, Form(ge=1, le=5)],
    follow_up: Annotated[bool, Form()] = False,
    next: NextPath = "",
) -> Response:
    """A project's or provider's rating of its own published meeting."""
    labels.rate_meeting(
        session, visitor.principal, event_id, project_id, resource_id, stars, follow_up
    )
    return RedirectResponse(local_path(next, "/me") + "#ratings", 303)


def record_extras(visitor: Any, session: Any, kind: str, record_id: str) -> dict[str, Any]:
    """What a record page adds for learning: the organiser's grades of a project's suggestions,
    or a personal visitor's own meeting ratings."""
    if visitor.principal.is_organiser:
        grades = labels.organiser_grades(session, record_id) if kind == "project" else {}
        return {"grades": grades, "ratings": {}}
    side = "project" if kind == "project" else "resource"
    return {"grades": {}, "ratings": labels.ratings_by(session, side, record_id)}
