"""Model versions: each refit's fusion in its own folder (`<data dir>/models/<id>/`), one row per
version, and which one the live catalogue uses. Version 0 is the shipped model: it has no row and
its folder (`models/fusion`) is never written; it is active when no row is."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.catalogue import Snapshot
from matcher.fusion import Fusion
from matcher.rank import Fusion as Scorer

from . import changes
from .db import ModelVersionRow
from .errors import NotFound
from .schemas import ModelVersionPublic

if TYPE_CHECKING:  # matching reads the active version through this module
    from .matching import Matching

log = logging.getLogger(__name__)
SHIPPED = 0
_ACTIVATING = threading.Lock()  # the database's active flag and the catalogue change together


def folder_for(data_dir: Path, version_id: int) -> Path:
    return Path(data_dir) / "models" / str(version_id)


def save_version(
    session: Session,
    data_dir: Path,
    fusion: Fusion,
    *,
    label_counts: Mapping[str, int],
    labels_sha256: str,
    comparison: dict[str, Any],
) -> ModelVersionRow:
    """A new inactive version: its folder is written whole (staged, then renamed) before its row
    is committed, so a crash leaves at most an unlisted folder."""
    row = ModelVersionRow(
        folder="",
        status="inactive" if comparison.get("wins") else "challenger-lost",
        label_counts=dict(label_counts),
        labels_sha256=labels_sha256,
        comparison=comparison,
        active=False,
    )
    session.add(row)
    session.flush()  # the id names the folder
    folder = folder_for(data_dir, row.id)
    fusion.save(folder)
    row.folder = str(folder)
    session.commit()
    return row


def active_row(session: Session) -> ModelVersionRow | None:
    return session.scalar(select(ModelVersionRow).where(ModelVersionRow.active))


def list_versions(session: Session) -> list[ModelVersionRow]:
    return list(session.scalars(select(ModelVersionRow).order_by(ModelVersionRow.id)))


def load_version(session: Session, version_id: int, shipped: Scorer) -> Scorer:
    """The fusion of a version (NotFound if unknown; ModelError if its folder is unusable)."""
    if version_id == SHIPPED:
        return shipped
    row = session.get(ModelVersionRow, version_id)
    if row is None:
        raise NotFound("model version", version_id)
    return Fusion.load(Path(row.folder), shipped.names)


def activate(session: Session, matching: Matching, version_id: int) -> Snapshot:
    """Make a version (0: the shipped model) the one every list, dashboard and new plan uses;
    activating an earlier version is a rollback. This process's catalogue is re-scored before
    this returns; the change log tells every other process to do the same."""
    if matching.shipped is None:
        raise RuntimeError("catalogue not loaded yet")
    with _ACTIVATING:
        load_version(session, version_id, matching.shipped)  # unusable: refused, nothing changed
        version = changes.begin(session)
        for row in session.scalars(select(ModelVersionRow).where(ModelVersionRow.active)):
            row.active, row.status = False, "inactive"
        if version_id != SHIPPED:
            chosen = session.get(ModelVersionRow, version_id)
            assert chosen is not None  # load_version found it
            chosen.active, chosen.status = True, "active"
        changes.note(session, version, "fusion")
        session.commit()
        return matching.catch_up()


def active_id(session: Session) -> int:
    """The active version's id (0: the shipped model)."""
    row = active_row(session)
    return row.id if row is not None else SHIPPED


def active_fusion(session: Session, shipped: Scorer) -> Scorer:
    """The active version's fusion, or the shipped one if its folder cannot be loaded (the log
    says why; `fusion_at_start` marks it inactive)."""
    version_id = active_id(session)
    try:
        return load_version(session, version_id, shipped)
    except Exception as exc:
        log.error("model version %d cannot be loaded, using the shipped model: %s", version_id, exc)
        return shipped


def fusion_at_start(session: Session, shipped: Scorer) -> Scorer:
    """The active version's fusion; the shipped one if none is active, or if the active one's
    folder is missing or corrupt (then it is marked inactive, and the log says why)."""
    row = active_row(session)
    if row is None:
        return shipped
    try:
        return load_version(session, row.id, shipped)
    except Exception as exc:
        log.error(
            "model version %d (%s) cannot be loaded, using the shipped model: %s",
            row.id,
            row.folder,
            exc,
        )
        row.active, row.status = False, "inactive"
        session.commit()
        return shipped


def public(row: ModelVersionRow) -> ModelVersionPublic:
    return ModelVersionPublic(
        id=row.id,
        created_at=row.created_at,
        status=row.status,
        active=row.active,
        label_counts=row.label_counts,
        labels_sha256=row.labels_sha256,
        comparison=row.comparison,
    )


def all_public(session: Session) -> list[ModelVersionPublic]:
    """Every version, the shipped model first."""
    rows = list_versions(session)
    shipped = ModelVersionPublic(
        id=SHIPPED,
        created_at=None,
        status="shipped",
        active=not any(r.active for r in rows),
        label_counts={},
        labels_sha256="",
        comparison={},
    )
    return [shipped, *(public(r) for r in rows)]
