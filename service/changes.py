"""The change log that keeps every server process's catalogue in step with the database.

A write first takes the next version (`begin`: the counter in `catalogue_state` goes up by one;
its row lock makes writers in other processes wait until this transaction ends, so versions
commit in order and without gaps), then changes records, then notes what it changed (`note`),
and commits all of it at once. Each process remembers the version its catalogue holds and asks
`pending(session, seen)` what to apply since. Applying re-reads the named records from the
database, so applying a change twice, or over a newer state, is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .db import CatalogueChangeRow, CatalogueStateRow

Kind = Literal["projects", "resources", "fusion", "all", "revoked"]
STATE_ID = 1
KEEP = 10_000  # change rows kept; a process further behind than this reloads everything


@dataclass
class Pending:
    """What changed after a version: apply it, then the catalogue holds `version`."""

    version: int
    projects: set[str] = field(default_factory=set)
    resources: set[str] = field(default_factory=set)
    fusion: bool = False  # another model version was activated
    everything: bool = False  # reload all records (a refresh, or the log is too short)
    revoked: set[str] = field(default_factory=set)  # credential key ids revoked


def ensure_state(session: Session) -> None:
    """Create the counter row if missing (processes starting together may race: one wins)."""
    if session.get(CatalogueStateRow, STATE_ID) is not None:
        return
    session.add(CatalogueStateRow(id=STATE_ID, version=0))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()


def latest(session: Session) -> int:
    """The newest committed version (0 before any change)."""
    found = session.scalar(
        select(CatalogueStateRow.version).where(CatalogueStateRow.id == STATE_ID)
    )
    return found or 0


def begin(session: Session) -> int:
    """Take the next version for this transaction's change; call it before changing records
    (the lock comes first, so writers never wait on each other's records in opposite orders)."""
    ensure_state(session)
    session.execute(
        update(CatalogueStateRow)
        .where(CatalogueStateRow.id == STATE_ID)
        .values(version=CatalogueStateRow.version + 1)
    )
    return latest(session)


def note(session: Session, version: int, kind: Kind, ids: Iterable[str] = ()) -> None:
    """Record what the write of `version` changed; committed with it."""
    session.add(CatalogueChangeRow(version=version, kind=kind, ids=sorted(set(ids))))
    if version % 1000 == 0:
        session.execute(
            delete(CatalogueChangeRow).where(CatalogueChangeRow.version <= version - KEEP)
        )


def pending(session: Session, seen: int) -> Pending | None:
    """What to apply to a catalogue holding version `seen`, or None if it is current."""
    rows = list(
        session.scalars(
            select(CatalogueChangeRow)
            .where(CatalogueChangeRow.version > seen)
            .order_by(CatalogueChangeRow.version)
        )
    )
    if not rows:
        return None
    todo = Pending(rows[-1].version, everything=rows[0].version != seen + 1)
    for row in rows:
        if row.kind == "projects":
            todo.projects.update(row.ids)
        elif row.kind == "resources":
            todo.resources.update(row.ids)
        elif row.kind == "fusion":
            todo.fusion = True
        elif row.kind == "revoked":
            todo.revoked.update(row.ids)
        else:
            todo.everything = True
    return todo
