"""SQLAlchemy tables, the engine (SQLite in WAL mode, or any other URL), and sessions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    sessionmaker,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps that come back timezone-aware (SQLite drops the offset on the way in)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


class ProjectRow(Base):
    __tablename__ = "projects"

    project_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    track: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(32))
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str] = mapped_column(String(32), default="")
    institution: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ResourceRow(Base):
    __tablename__ = "resources"

    resource_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    offers: Mapped[list[str]] = mapped_column(JSON, default=list)
    tracks: Mapped[list[str]] = mapped_column(JSON, default=list)
    stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str] = mapped_column(String(32), default="")
    capacity: Mapped[int] = mapped_column(Integer, default=8)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CredentialRow(Base):
    """An organiser key or a project/provider token; only a salted hash of the secret is kept."""

    __tablename__ = "credentials"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # organiser | project | resource
    subject_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    salt: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)  # matcher.plan.Event fields
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archive: Mapped[EventArchiveRow | None] = relationship(
        lazy="selectin", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def archived(self) -> bool:
        return self.archive is not None


class PlanRow(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # Plan.to_dict()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archive: Mapped[PlanArchiveRow | None] = relationship(
        lazy="selectin", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def archived(self) -> bool:
        return self.archive is not None


# Archiving is a row in its own table rather than a column: `create_schema` adds new tables to
# an existing database (create_all), while a new column would need a migration step.
class EventArchiveRow(Base):
    """An archived event: hidden from default lists, read-only until restored (row deleted)."""

    __tablename__ = "archived_events"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlanArchiveRow(Base):
    """An archived plan (never a published one): hidden from default lists, read-only."""

    __tablename__ = "archived_plans"

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True
    )
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JobRow(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # plan | refit
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|done|failed
    progress: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    plan_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutcomeRow(Base):
    """What came of a meeting, kept for later learning."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(128), index=True)
    resource_id: Mapped[str] = mapped_column(String(128), index=True)
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))  # met | follow_up | signed
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JudgmentRow(Base):
    """An organiser's grade of one pair; a pair may be graded again (the latest counts)."""

    __tablename__ = "judgments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(128), index=True)
    resource_id: Mapped[str] = mapped_column(String(128), index=True)
    grade: Mapped[int] = mapped_column(Integer)  # 0–3
    source: Mapped[str] = mapped_column(String(16), default="organiser")
    who: Mapped[str] = mapped_column(String(64), default="")  # the organiser key id
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RatingRow(Base):
    """One side's rating of a meeting in an event's published plan; re-rating updates it."""

    __tablename__ = "meeting_ratings"
    __table_args__ = (UniqueConstraint("event_id", "project_id", "resource_id", "side"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str] = mapped_column(String(128), index=True)
    resource_id: Mapped[str] = mapped_column(String(128), index=True)
    side: Mapped[str] = mapped_column(String(16))  # project | resource
    stars: Mapped[int] = mapped_column(Integer)  # 1–5
    follow_up: Mapped[bool] = mapped_column(default=False)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ModelVersionRow(Base):
    """A fusion fitted by a refit, saved in its own folder; version 0 (the shipped model) has
    no row. At most one row is active; none active means the shipped model is."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    folder: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24))  # active | challenger-lost | inactive
    label_counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    labels_sha256: Mapped[str] = mapped_column(String(64), default="")
    comparison: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=False, index=True)


class CatalogueStateRow(Base):
    """One row: the number of the latest change to records or the active model. Writers bump
    it in their own transaction; its row lock orders commits across processes."""

    __tablename__ = "catalogue_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class CatalogueChangeRow(Base):
    """What one committed write changed, so every process's catalogue can follow
    (`service/changes.py`)."""

    __tablename__ = "catalogue_changes"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))  # projects | resources | fusion | all | revoked
    ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProcessRow(Base):
    """A running server process and when it last said it was alive (`service/workers.py`)."""

    __tablename__ = "service_processes"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)  # host:pid:random
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JobClaimRow(Base):
    """Which process runs a job: the primary key lets exactly one process claim it."""

    __tablename__ = "job_claims"

    job_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    owner: Mapped[str] = mapped_column(String(128), index=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CredentialFailureRow(Base):
    """A failed credential, counted by every process against its client address and the key
    id it named (`service/shared_throttle.py`); rows older than the window are purged."""

    __tablename__ = "credential_failures"
    __table_args__ = (Index("ix_credential_failures_kind_name_at", "kind", "name", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))  # client | key
    name: Mapped[str] = mapped_column(String(128))  # the address, or the key id
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class WebSessionRow(Base):
    """A browser sign-in (`service/web/session.py`): found by the SHA-256 of the cookie's
    session id and naming its credential by key id; neither the id nor a secret is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # age order
    sid_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str] = mapped_column(String(64), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and its parent folder created."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
        cursor.execute("PRAGMA synchronous=FULL")  # a committed row survives a power cut
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def create_schema(engine: Engine) -> None:
    Base.metadata.create_all(engine)


def get_session(request: Request) -> Iterator[Session]:
    """Dependency: one session per request, closed afterwards."""
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session:
        yield session
