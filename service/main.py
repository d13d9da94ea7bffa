"""The FastAPI app: `create_app(settings)` wires database, auth, catalogue, jobs and routes."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from matcher.catalogue import Catalogue, Snapshot
from matcher.rank import Fusion
from matcher.text.encoders import Encoder

from . import changes, crud, versions, web, workers
from .auth import Authenticator
from .batcher import QueryBatcher
from .config import ServiceSettings
from .db import create_schema, make_engine
from .errors import ServiceError, api_error, validation_error
from .jobs import PlanJobs
from .limits import BodyLimit
from .logs import redact_access_log
from .matching import CLOSE_SECONDS, Matching
from .metrics import Metrics, MetricsMiddleware
from .refits import RefitJobs
from .routes import (
    admin,
    events,
    health,
    judgments,
    meetings,
    model_versions,
    outcomes,
    projects,
    query,
    resources,
    tokens,
)
from .shared_throttle import SharedThrottle
from .throttle import Throttle
from .web.session import SessionStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Models:
    """What the catalogue scores with; tests inject fakes, the server loads the built models."""

    encoders: Mapping[str, Encoder]
    fusion: Fusion
    query_encoders: Mapping[str, Encoder] | None = None


def load_models(settings: ServiceSettings) -> Models:
    """The built encoders (records behind the embedding cache; free text without it, int8 when
    `settings.query_int8`) and the fusion."""
    from matcher.engine import load_encoders, load_fusion
    from matcher.features import feature_names
    from matcher.fusion import Fusion
    from matcher.text.quantize import int8_queries

    cached = load_encoders(settings.models)
    raw: dict[str, Encoder] = {name: getattr(enc, "encoder", enc) for name, enc in cached.items()}
    limit_threads(raw, settings.threads)
    if settings.query_int8:
        raw = {name: int8_queries(enc) for name, enc in raw.items()}
    for encoder in raw.values():  # load lazy engines (USE's) now, not on the first user's query
        encoder.encode_queries(["可降解冠脉支架，需要临床试验合作"])
    if settings.fusion == "zscore":
        fusion: Fusion = Fusion(feature_names(settings.models.encoders), "zsum")
    else:
        fusion = load_fusion(settings.models)
    return Models(cached, fusion, raw)


def limit_threads(encoders: Mapping[str, Encoder], threads: int) -> None:
    """Run models with `threads` threads each: the query batch, the writer and the event loop
    share 2 cores, and oversubscribed OpenMP/torch/USE threads were 10-50x slower here."""
    import torch
    from threadpoolctl import threadpool_limits

    from matcher.text.use_module import UseModule

    threadpool_limits(limits=threads)  # sklearn's OpenMP (GBDT predict) and BLAS
    torch.set_num_threads(threads)
    for encoder in encoders.values():
        for module in getattr(encoder, "model", None) or []:
            if isinstance(module, UseModule):
                module.set_threads(threads)


def _thread_limits(threads: int) -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)  # OpenMP's limit is per thread: set it in each worker


def bootstrap(settings: ServiceSettings, engine: Engine | None = None) -> str | None:
    """Create the schema, the organiser key and the sample data as needed (idempotent).

    Returns a newly generated organiser key (to print once), or None.
    """
    from matcher.ingest import read_projects, read_resources

    own = engine is None
    engine = engine or make_engine(settings.database_url)
    try:
        create_schema(engine)
        sessions = sessionmaker(engine, expire_on_commit=False)
        new_key = None
        with sessions() as session:
            changes.ensure_state(session)
            if settings.admin_key:
                crud.ensure_env_organiser(session, settings.admin_key)
            elif not crud.has_organiser(session):
                _, new_key = crud.issue_credential(session, "organiser", None, "generated at start")
            workers.fail_orphaned_jobs(session)
            empty = not any(crud.record_ids(session))
            folder = settings.sample_to_load
            if empty and folder is not None:
                crud.save_projects(session, read_projects(folder / "projects.csv"))
                crud.save_resources(session, read_resources(folder / "resources.csv"))
                session.commit()
                log.info("loaded the sample data from %s", folder)
        return new_key
    finally:
        if own:
            engine.dispose()


def create_app(
    settings: ServiceSettings | None = None,
    models: Models | None = None,
    *,
    serve_when_loaded: bool = False,
) -> FastAPI:
    """The app. It loads the catalogue in the background and answers meanwhile (`/healthz`
    200, `/readyz` and matches 503); with `serve_when_loaded` its start-up waits for the load
    instead, so uvicorn accepts no connection before then (`create_worker_app`)."""
    settings = settings or ServiceSettings.from_env()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redact_access_log()  # after uvicorn configured its loggers
        engine = make_engine(settings.database_url)
        bootstrap(settings, engine)
        sessions = sessionmaker(engine, expire_on_commit=False)
        app.state.sessions = sessions
        shared = engine.dialect.name != "sqlite"  # other processes may use this database
        app.state.auth = Authenticator(sessions, shared=shared)
        app.state.web_sessions = SessionStore(sessions)  # browser sign-ins, shared via the database
        per_client = settings.failures_per_client
        app.state.throttle = (
            SharedThrottle(sessions, per_client=per_client)
            if shared
            else Throttle(per_client=per_client)
        )
        holder = _Loader(settings, models, sessions, metrics)
        app.state.matching = holder.matching
        holder.matching.on_revoked = app.state.auth.forget_all  # revoked in another process
        presence = workers.Presence(sessions)
        presence.start()
        app.state.jobs = PlanJobs(
            holder.matching,
            sessions,
            settings.plan_workers,
            on_finish=lambda status: metrics.jobs.labels(status).inc(),
            time_limit=settings.plan_time_limit,
            owner=presence.id,
        )
        app.state.refits = RefitJobs(
            holder.matching, sessions, settings.data_dir, owner=presence.id
        )
        app.state.batcher = QueryBatcher(
            holder.matching.query,
            settings.query_batch_ms,
            settings.query_batch_max,
            metrics.batch.observe,
            initializer=lambda: _thread_limits(settings.threads),
        )
        app.state.load_error = None
        holder.start(app)
        if serve_when_loaded:
            await run_in_threadpool(holder.done.wait)
        try:
            yield
        finally:
            holder.close()
            await app.state.batcher.close()
            app.state.jobs.close()
            app.state.refits.close()
            presence.close()
            engine.dispose()

    app = FastAPI(
        title="医疗创新匹配 Matcher API",
        version="0.1.0",
        description="Match medical-innovation projects with resource providers. Organisers use "
        "the organiser key; projects and providers use tokens organisers issue. Send "
        "`Authorization: Bearer <key or token>`.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.add_exception_handler(ServiceError, api_error)  # web.install adds pages for non-API paths
    app.add_exception_handler(RequestValidationError, validation_error)
    routers = (health, projects, resources, query, tokens, events, outcomes, admin)
    for module in (*routers, judgments, meetings, model_versions):
        app.include_router(module.router)
    web.install(app)  # the Chinese web UI: pages, /static, error pages
    app.add_middleware(
        BodyLimit, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def create_worker_app() -> FastAPI:
    """One process of `matcher serve --workers N` (settings from the environment). The N
    processes accept connections on one shared socket, so a process that accepted while still
    loading would answer 503 to requests meant for the server as a whole, after another
    process's `/readyz` already said 200: each one accepts only once its catalogue is loaded."""
    return create_app(serve_when_loaded=True)


class _Loader:
    """Loads models and scores the catalogue in a thread, so /healthz answers during the load."""

    def __init__(
        self,
        settings: ServiceSettings,
        models: Models | None,
        sessions: sessionmaker[Session],
        metrics: Metrics,
    ) -> None:
        self.settings, self.models, self.metrics = settings, models, metrics
        self.matching = Matching(sessions)
        self.matching.on_change = self._observe
        self.done = threading.Event()  # loaded, or failed to (then `load_error` says why)

    def start(self, app: FastAPI) -> None:
        self._thread = threading.Thread(
            target=self._load, args=(app,), name="catalogue-load", daemon=True
        )
        self._thread.start()

    def close(self, timeout: float = CLOSE_SECONDS) -> None:
        """Wait for the load (a thread inside a session when the engine is disposed would
        leave its connection open), then stop the catalogue's own threads."""
        self._thread.join(timeout)
        self.matching.close()

    def _load(self, app: FastAPI) -> None:
        try:
            models = self.models or load_models(self.settings)
            with self.matching.sessions() as session:
                fusion = versions.fusion_at_start(session, models.fusion)
            catalogue = Catalogue(
                models.encoders,
                fusion,
                models.query_encoders,
                candidates=self.settings.models.candidates,
                ann_above=self.settings.models.ann_above,
            )
            self.matching.shipped = models.fusion
            self.matching.load(catalogue)
            self.matching.follow(self.settings.sync_seconds)
        except Exception as exc:
            log.exception("could not load the catalogue")
            app.state.load_error = f"{type(exc).__name__}: {exc}"
        finally:
            self.done.set()

    def _observe(self, snapshot: Snapshot) -> None:
        self.metrics.records.labels("projects").set(len(snapshot.projects))
        self.metrics.records.labels("resources").set(len(snapshot.resources))
        self.metrics.version.set(snapshot.version)
