"""整表替换 made safe: what a replacing import would delete is shown before anything happens, the
upload waits for confirmation, and the records it replaced stay restorable.

A pending upload is kept as a file under `<data dir>/pending/` (an hour at most); each replacing
import first writes the records it is about to replace to `<data dir>/backups/<kind>-<n>.json`,
and restoring one is itself a replacing import (backed up in turn).
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from matcher.files import atomic_path
from matcher.schema import Project, Resource

from .errors import NotFound

Kind = Literal["projects", "resources"]
Record = Project | Resource
PENDING_SECONDS = 3600
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
SHOWN = 50  # records named on the confirmation page; the rest are counted


@dataclass(frozen=True)
class ReplaceDiff:
    """What replacing every record of a kind with a sheet's records would do."""

    deleted: list[tuple[str, str]]  # (id, name) of records not in the sheet
    created: int
    kept: int

    @property
    def shown(self) -> list[tuple[str, str]]:
        return self.deleted[:SHOWN]


def diff(current: Sequence[Record], incoming: Sequence[Record]) -> ReplaceDiff:
    ids = {_id(r) for r in incoming}
    existing = {_id(r) for r in current}
    deleted = [(_id(r), _name(r)) for r in current if _id(r) not in ids]
    return ReplaceDiff(deleted, len(ids - existing), len(ids & existing))


def stash(data_dir: Path, data: bytes, suffix: str) -> str:
    """Keep an upload until it is confirmed; returns its token. Older pending files are removed."""
    folder = Path(data_dir) / "pending"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - PENDING_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    with atomic_path(folder / f"{token}{suffix}") as path:
        path.write_bytes(data)
    return token


def take(data_dir: Path, token: str) -> tuple[bytes, str]:
    """A pending upload's bytes and file suffix, removed from the store (NotFound if expired)."""
    folder = Path(data_dir) / "pending"
    found = list(folder.glob(f"{token}.*")) if TOKEN.fullmatch(token) else []
    if not found:
        raise NotFound("pending upload", token)
    path = found[0]
    data = path.read_bytes()
    path.unlink(missing_ok=True)
    return data, path.suffix


def back_up(data_dir: Path, kind: Kind, records: Sequence[Record]) -> int:
    """Write the records a replacing import is about to replace; returns the backup's number."""
    folder = Path(data_dir) / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    number = max((int(p.stem.split("-")[-1]) for p in folder.glob(f"{kind}-*.json")), default=0) + 1
    with atomic_path(folder / f"{kind}-{number}.json") as path:
        path.write_text(
            json.dumps([asdict(r) for r in records], ensure_ascii=False), encoding="utf-8"
        )
    return number


def restore(data_dir: Path, kind: Kind, number: int) -> list[Project] | list[Resource]:
    """The records of a backup (NotFound if there is none with this number)."""
    path = Path(data_dir) / "backups" / f"{kind}-{number}.json"
    if not path.exists():
        raise NotFound("backup", number)
    rows: list[dict[str, Any]] = [
        {k: tuple(v) if isinstance(v, list) else v for k, v in row.items()}  # JSON lists → tuples
        for row in json.loads(path.read_text(encoding="utf-8"))
    ]
    if kind == "projects":
        return [Project(**row) for row in rows]
    return [Resource(**row) for row in rows]


def _id(record: Project | Resource) -> str:
    return record.project_id if isinstance(record, Project) else record.resource_id


def _name(record: Project | Resource) -> str:
    return record.title if isinstance(record, Project) else record.name
