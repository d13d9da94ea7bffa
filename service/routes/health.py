"""Liveness, readiness (catalogue loaded and consistent with the database) and metrics."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from .. import crud
from ..matching import Matching
from ..schemas import Health, Readiness

router = APIRouter(tags=["health"])
MAX_LISTED = 1000  # ids of projects not matchable yet named on /readyz
ATTEMPTS = 3  # comparisons of the database with the catalogue, when writes land in between


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is up (it may still be loading)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(request: Request) -> JSONResponse:
    """Ready when the catalogue is loaded and matches the database, or is applying a write."""
    matching: Matching = request.app.state.matching
    state = await run_in_threadpool(
        _readiness, matching, getattr(request.app.state, "load_error", None)
    )
    return JSONResponse(state.model_dump(), status_code=200 if state.status == "ready" else 503)


def _readiness(matching: Matching, load_error: str | None) -> Readiness:
    if not matching.loaded:
        problems = [load_error] if load_error else []
        return Readiness(
            status="not ready" if load_error else "loading", problems=problems, process=os.getpid()
        )
    for _ in range(ATTEMPTS):
        seen = matching.seen
        with matching.sessions() as session:
            project_ids, resource_ids = crud.record_ids(session)
            following = matching.behind(session)
        deferred = set(matching.deferred)  # on file, encoded in the background: not a fault
        on_file = [p for p in project_ids if p not in deferred]
        behind = matching.catalogue.check(on_file, resource_ids)
        # a write holds the writer's lock from its commit until the catalogue has it, and
        # another process's write waits for the follower: being behind then is normal
        # operation, not a fault (a load balancer must not drop us on every import)
        updating = matching.writing or following or bool(deferred)
        if not behind or updating or matching.seen == seen:
            break  # else a write was applied between reading the database and comparing
    problems = [] if updating else behind
    if matching.problem:
        problems.insert(0, matching.problem)
    snapshot = matching.catalogue.current()
    return Readiness(
        status="not ready" if problems else "ready",
        projects=len(snapshot.projects),
        resources=len(snapshot.resources),
        version=snapshot.version,
        problems=problems,
        updating=updating,
        pending=behind if updating else [],
        not_matchable=sorted(deferred)[:MAX_LISTED],
        process=os.getpid(),
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "Prometheus text format",
        }
    },
)
async def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
