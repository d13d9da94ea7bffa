"""Database operations on records, credentials, events, plans, jobs and outcomes.

Plain functions over a `Session`; routes and pages call these and never write SQL themselves.
They raise the service's errors (service/errors.py), never HTTPException.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from matcher.plan.conflict import serves_only_its_people
from matcher.schema import Project, Resource

from . import changes, security
from .db import (
    CredentialRow,
    EventRow,
    JobRow,
    OutcomeRow,
    PlanRow,
    ProjectRow,
    ResourceRow,
    WebSessionRow,
    utcnow,
)
from .errors import NotFound
from .schemas import TokenCreate

IN_CHUNK = 1000  # ids per `IN (...)` query

# -- records ----------------------------------------------------------------------------------


def project_of(row: ProjectRow) -> Project:
    return Project(
        project_id=row.project_id,
        title=row.title,
        description=row.description,
        track=row.track,
        stage=row.stage,
        needs=tuple(row.needs or ()),
        region=row.region,
        institution=row.institution,
    )


def resource_of(row: ResourceRow) -> Resource:
    return Resource(
        resource_id=row.resource_id,
        name=row.name,
        type=row.type,
        description=row.description,
        offers=tuple(row.offers or ()),
        tracks=tuple(row.tracks or ()),
        stages=tuple(row.stages or ()),
        region=row.region,
        capacity=row.capacity,
    )


def _project_values(p: Project) -> dict[str, Any]:
    return {
        "title": p.title,
        "description": p.description,
        "track": p.track,
        "stage": p.stage,
        "needs": list(p.needs),
        "region": p.region,
        "institution": p.institution,
        "updated_at": utcnow(),
    }


def _resource_values(r: Resource) -> dict[str, Any]:
    return {
        "name": r.name,
        "type": r.type,
        "description": r.description,
        "offers": list(r.offers),
        "tracks": list(r.tracks),
        "stages": list(r.stages),
        "region": r.region,
        "capacity": r.capacity,
        "updated_at": utcnow(),
    }


def all_projects(session: Session) -> list[Project]:
    rows = session.scalars(select(ProjectRow).order_by(ProjectRow.project_id))
    return [project_of(r) for r in rows]


def all_resources(session: Session) -> list[Resource]:
    rows = session.scalars(select(ResourceRow).order_by(ResourceRow.resource_id))
    return [resource_of(r) for r in rows]


def projects_by_id(session: Session, project_ids: Iterable[str]) -> list[Project]:
    """The projects of these ids that exist (missing ids are absent)."""
    return [project_of(r) for r in _rows_by_id(session, ProjectRow, "project_id", project_ids)]


def resources_by_id(session: Session, resource_ids: Iterable[str]) -> list[Resource]:
    """The providers of these ids that exist (missing ids are absent)."""
    return [resource_of(r) for r in _rows_by_id(session, ResourceRow, "resource_id", resource_ids)]


def _rows_by_id(session: Session, table: Any, key: str, ids: Iterable[str]) -> list[Any]:
    wanted, column = sorted(set(ids)), getattr(table, key)
    rows: list[Any] = []
    for start in range(0, len(wanted), IN_CHUNK):  # SQLite allows ~32k parameters a statement
        rows.extend(
            session.scalars(select(table).where(column.in_(wanted[start : start + IN_CHUNK])))
        )
    return rows


def record_ids(session: Session) -> tuple[list[str], list[str]]:
    return (
        list(session.scalars(select(ProjectRow.project_id))),
        list(session.scalars(select(ResourceRow.resource_id))),
    )


def page_projects(session: Session, offset: int, limit: int) -> tuple[list[Project], int]:
    rows = session.scalars(
        select(ProjectRow).order_by(ProjectRow.project_id).offset(offset).limit(limit)
    )
    count = session.scalar(select(func.count()).select_from(ProjectRow)) or 0
    return [project_of(r) for r in rows], count


def page_resources(session: Session, offset: int, limit: int) -> tuple[list[Resource], int]:
    rows = session.scalars(
        select(ResourceRow).order_by(ResourceRow.resource_id).offset(offset).limit(limit)
    )
    count = session.scalar(select(func.count()).select_from(ResourceRow)) or 0
    return [resource_of(r) for r in rows], count


def get_project(session: Session, project_id: str) -> Project | None:
    row = session.get(ProjectRow, project_id)
    return project_of(row) if row else None


def resource_capacities(session: Session) -> dict[str, int]:
    """{provider id: 接洽名额} of every provider on file."""
    rows = session.execute(select(ResourceRow.resource_id, ResourceRow.capacity))
    return {rid: capacity for rid, capacity in rows}


def serving_own_people(session: Session, resource_ids: Iterable[str]) -> set[str]:
    """Ids of the given providers that serve only their own institution's people (the
    conflict-of-interest block does not apply to them: `matcher.plan.conflict`)."""
    rows = session.scalars(
        select(ResourceRow).where(ResourceRow.resource_id.in_(sorted(set(resource_ids))))
    )
    return {row.resource_id for row in rows if serves_only_its_people(resource_of(row))}


def institutions(session: Session, project_ids: Iterable[str]) -> dict[str, str]:
    """{project id: 申报单位} of the given projects on file."""
    rows = session.execute(
        select(ProjectRow.project_id, ProjectRow.institution).where(
            ProjectRow.project_id.in_(sorted(set(project_ids)))
        )
    )
    return {pid: institution for pid, institution in rows}


def record_names(
    session: Session, project_ids: Iterable[str], resource_ids: Iterable[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Project titles and provider names of the given ids that exist (missing ids are absent)."""
    projects = session.execute(
        select(ProjectRow.project_id, ProjectRow.title).where(
            ProjectRow.project_id.in_(sorted(set(project_ids)))
        )
    )
    resources = session.execute(
        select(ResourceRow.resource_id, ResourceRow.name).where(
            ResourceRow.resource_id.in_(sorted(set(resource_ids)))
        )
    )
    return {k: v for k, v in projects}, {k: v for k, v in resources}


def get_resource(session: Session, resource_id: str) -> Resource | None:
    row = session.get(ResourceRow, resource_id)
    return resource_of(row) if row else None


def save_projects(
    session: Session, projects: Sequence[Project], replace_all: bool = False
) -> dict[str, int]:
    """Insert or update projects (and with `replace_all`, delete the others); not committed."""
    rows = {p.project_id: _project_values(p) for p in projects}
    return _save(session, ProjectRow, "project_id", rows, replace_all)


def save_resources(
    session: Session, resources: Sequence[Resource], replace_all: bool = False
) -> dict[str, int]:
    """Insert or update providers (and with `replace_all`, delete the others); not committed."""
    rows = {r.resource_id: _resource_values(r) for r in resources}
    return _save(session, ResourceRow, "resource_id", rows, replace_all)


def _save(
    session: Session, table: Any, key: str, rows: dict[str, dict[str, Any]], replace_all: bool
) -> dict[str, int]:
    """Upsert `rows` (id → column values) into `table`, reading the existing rows in one query."""
    id_column = getattr(table, key)
    existing = {getattr(row, key): row for row in session.scalars(select(table))}
    for record_id, values in rows.items():
        row = existing.get(record_id)
        if row is None:
            session.add(table(**{key: record_id}, **values))
        else:
            for column, value in values.items():
                setattr(row, column, value)
    removed = set(existing) - set(rows) if replace_all else set()
    if removed:
        session.execute(delete(table).where(id_column.in_(removed)))
    return {
        "created": len(set(rows) - set(existing)),
        "updated": len(set(rows) & set(existing)),
        "removed": len(removed),
    }


def delete_project(session: Session, project_id: str) -> bool:
    result = session.execute(delete(ProjectRow).where(ProjectRow.project_id == project_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def delete_resource(session: Session, resource_id: str) -> bool:
    result = session.execute(delete(ResourceRow).where(ResourceRow.resource_id == resource_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


# -- credentials ------------------------------------------------------------------------------


def issue_credential(
    session: Session, role: str, subject_id: str | None, label: str = ""
) -> tuple[CredentialRow, str]:
    """A new credential row (committed) and the secret to show once."""
    key_id, credential = security.new_credential()
    salt, digest = security.hash_secret(security.split(credential)[1])
    row = CredentialRow(
        key_id=key_id, role=role, subject_id=subject_id, salt=salt, secret_hash=digest, label=label
    )
    session.add(row)
    session.commit()
    return row, credential


def issue_token(session: Session, body: TokenCreate) -> tuple[CredentialRow, str]:
    """A personal token for one project or provider (NotFound if it does not exist)."""
    if body.project_id is not None:
        role, subject, what = "project", body.project_id, "project"
        found = get_project(session, subject) is not None
    else:
        role, subject, what = "resource", str(body.resource_id), "provider"
        found = get_resource(session, subject) is not None
    if not found:
        raise NotFound(what, subject)
    return issue_credential(session, role, subject, body.label)


def reissue_token(session: Session, body: TokenCreate) -> tuple[CredentialRow, str, list[str]]:
    """A participant's one active link: revokes its live tokens and issues a new one (NotFound
    if the record does not exist). Returns the new row, the secret to show once, and the key ids
    revoked (for the caller to drop from the authenticator's cache)."""
    if body.project_id is not None:
        subject = ("project", body.project_id)
        if get_project(session, body.project_id) is None:
            raise NotFound("project", body.project_id)
    else:
        subject = ("resource", str(body.resource_id))
        if get_resource(session, subject[1]) is None:
            raise NotFound("provider", subject[1])
    issued, revoked = reissue_tokens(session, [subject], body.label)
    return issued[0][0], issued[0][1], revoked


def reissue_tokens(
    session: Session, subjects: Sequence[tuple[str, str]], label: str = ""
) -> tuple[list[tuple[CredentialRow, str]], list[str]]:
    """A new token for each (role, subject id) — "project" or "resource" — revoking the ones
    they had, in one commit. Returns the new rows with their secrets, and the revoked key ids.
    The caller checks that the subjects exist."""
    wanted = set(subjects)
    now = utcnow()
    revoked: list[str] = []
    for row in live_tokens(session):
        if (row.role, row.subject_id) in wanted:
            row.revoked_at = now
            revoked.append(row.key_id)
    issued = []
    for role, subject_id in dict.fromkeys(subjects):
        key_id, credential = security.new_credential()
        salt, digest = security.hash_secret(security.split(credential)[1])
        row = CredentialRow(
            key_id=key_id,
            role=role,
            subject_id=subject_id,
            salt=salt,
            secret_hash=digest,
            label=label,
        )
        session.add(row)
        issued.append((row, credential))
    if revoked:
        changes.note(session, changes.begin(session), "revoked", revoked)  # other processes' caches
        end_web_sessions(session, revoked)
    session.commit()
    return issued, revoked


def live_tokens(
    session: Session, role: str | None = None, subject_id: str | None = None
) -> list[CredentialRow]:
    """Unrevoked project and provider tokens (of one role and subject if given), oldest first."""
    query = select(CredentialRow).where(
        CredentialRow.revoked_at.is_(None), CredentialRow.role.in_(("project", "resource"))
    )
    if role is not None:
        query = query.where(CredentialRow.role == role)
    if subject_id is not None:
        query = query.where(CredentialRow.subject_id == subject_id)
    return list(session.scalars(query.order_by(CredentialRow.created_at)))


def personal_tokens(session: Session) -> list[CredentialRow]:
    """Every project and provider token, live or revoked, newest first."""
    query = select(CredentialRow).where(CredentialRow.role.in_(("project", "resource")))
    return list(session.scalars(query.order_by(CredentialRow.created_at.desc())))


def ensure_env_organiser(session: Session, key: str) -> None:
    """Make MATCHER_ADMIN_KEY a valid organiser key (replacing an older value of it)."""
    salt, digest = security.hash_secret(key)
    row = session.get(CredentialRow, security.ENV_KEY_ID)
    if row is None:
        session.add(
            CredentialRow(
                key_id=security.ENV_KEY_ID,
                role="organiser",
                subject_id=None,
                salt=salt,
                secret_hash=digest,
                label="MATCHER_ADMIN_KEY",
            )
        )
    elif not security.verify(key, row.salt, row.secret_hash) or row.revoked_at:
        row.salt, row.secret_hash, row.revoked_at = salt, digest, None
        end_web_sessions(session, [security.ENV_KEY_ID])  # signed in with the old key
    session.commit()


def has_organiser(session: Session) -> bool:
    found = session.scalar(
        select(CredentialRow.key_id).where(
            CredentialRow.role == "organiser", CredentialRow.revoked_at.is_(None)
        )
    )
    return found is not None


def find_credential(session: Session, credential: str) -> CredentialRow | None:
    """The live row matching a presented credential, or None."""
    key_id, secret = security.split(credential)
    row = session.get(CredentialRow, key_id)
    if row is None or row.revoked_at is not None:
        return None
    return row if security.verify(secret, row.salt, row.secret_hash) else None


def live_credential(session: Session, key_id: str) -> CredentialRow | None:
    """The unrevoked credential with this key id, or None."""
    row = session.get(CredentialRow, key_id)
    return row if row is not None and row.revoked_at is None else None


def list_credentials(session: Session) -> list[CredentialRow]:
    return list(session.scalars(select(CredentialRow).order_by(CredentialRow.created_at)))


def revoke_credential(session: Session, key_id: str) -> CredentialRow | None:
    row = session.get(CredentialRow, key_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        changes.note(session, changes.begin(session), "revoked", [key_id])  # other processes
        end_web_sessions(session, [key_id])
        session.commit()
    return row


def end_web_sessions(session: Session, key_ids: Sequence[str]) -> None:
    """Delete the browser sessions of these credentials (revoked: they sign out everywhere)."""
    session.execute(delete(WebSessionRow).where(WebSessionRow.key_id.in_(list(key_ids))))


# -- events, plans, jobs, outcomes -------------------------------------------------------------


def add_event(session: Session, name: str, spec: dict[str, Any]) -> EventRow:
    row = EventRow(name=name, spec=spec)
    session.add(row)
    session.commit()
    return row


def update_event(
    session: Session, event_id: int, name: str, spec: dict[str, Any]
) -> EventRow | None:
    """Replace an event's description; plans made from the old one are kept."""
    row = session.get(EventRow, event_id)
    if row is None:
        return None
    row.name, row.spec = name, spec  # a new dict: SQLAlchemy sees the JSON column change
    session.commit()
    return row


def get_event(session: Session, event_id: int) -> EventRow | None:
    return session.get(EventRow, event_id)


def list_events(session: Session, archived: bool | None = False) -> list[EventRow]:
    """Events by id: the current ones (default), only the archived (True) or all (None)."""
    query = select(EventRow).order_by(EventRow.id)
    if archived is not None:
        query = query.where(EventRow.archive.has() if archived else ~EventRow.archive.has())
    return list(session.scalars(query))


def delete_event(session: Session, event_id: int) -> bool:
    row = session.get(EventRow, event_id)
    if row is None:
        return False
    session.execute(delete(PlanRow).where(PlanRow.event_id == event_id))
    session.delete(row)
    session.commit()
    return True


def list_plans(
    session: Session, event_id: int | None = None, archived: bool | None = None
) -> list[PlanRow]:
    """Plans by id, of one event or all; all (default), only archived (True) or current (False)."""
    query = select(PlanRow).order_by(PlanRow.id)
    if event_id is not None:
        query = query.where(PlanRow.event_id == event_id)
    if archived is not None:
        query = query.where(PlanRow.archive.has() if archived else ~PlanRow.archive.has())
    return list(session.scalars(query))


def published_plans(session: Session) -> list[PlanRow]:
    """The latest published plan of each event."""
    latest: dict[int, PlanRow] = {}
    for row in session.scalars(
        select(PlanRow).where(PlanRow.status == "published").order_by(PlanRow.id)
    ):
        latest[row.event_id] = row
    return list(latest.values())


def add_job(session: Session, kind: str, event_id: int, params: dict[str, Any]) -> JobRow:
    row = JobRow(kind=kind, event_id=event_id, params=params)
    session.add(row)
    session.commit()
    return row


def update_job(session: Session, job_id: int, **values: Any) -> None:
    row = session.get(JobRow, job_id)
    if row is not None:
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        session.commit()


def add_outcome(session: Session, **values: Any) -> OutcomeRow:
    row = OutcomeRow(**values)
    session.add(row)
    session.commit()
    return row


def list_outcomes(
    session: Session, project_id: str | None, resource_id: str | None, offset: int, limit: int
) -> tuple[list[OutcomeRow], int]:
    query = select(OutcomeRow)
    if project_id:
        query = query.where(OutcomeRow.project_id == project_id)
    if resource_id:
        query = query.where(OutcomeRow.resource_id == resource_id)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(OutcomeRow.id).offset(offset).limit(limit))
    return list(rows), count
