"""Spreadsheet uploads: size-limited, saved to a temp file, parsed all-or-nothing by matcher.ingest
in a worker thread (a big sheet never holds up the event loop), rows and expansion capped first."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile  # FastAPI's is a subclass

from matcher.errors import InputError, InputIssue
from matcher.ingest import read_projects, read_qrels, read_resources
from matcher.schema import Project, Resource

from . import crud, replacing
from .config import ServiceSettings
from .errors import Invalid, TooLarge, issue
from .labels import Judgment
from .matching import Matching
from .schemas import ImportResult

T = TypeVar("T")
SUFFIXES = (".csv", ".xlsx", ".xlsm", ".tsv", ".txt")
MAX_ID = 128
MAX_ISSUES = 200  # problems listed in one answer; the rest are counted


async def read_sheet(
    upload: UploadFile, max_bytes: int, parse: Callable[[Path], list[T]], id_of: Callable[[T], str]
) -> list[T]:
    """Records from an uploaded sheet; TooLarge, or Invalid naming the bad rows and columns
    (the first `MAX_ISSUES`, then how many more)."""
    name = Path(upload.filename or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise Invalid(
            [issue(["body", "file"], f"unsupported file type {suffix!r}; upload .csv or .xlsx")]
        )
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(
            f"file too large: the limit is {max_bytes} bytes",
            f"文件过大：上限为 {max_bytes // 1024} KB",
        )
    return await run_in_threadpool(_parse, data, name, suffix, parse, id_of)


def _parse(
    data: bytes, name: str, suffix: str, parse: Callable[[Path], list[T]], id_of: Callable[[T], str]
) -> list[T]:
    """`read_sheet`'s work that costs time, for a worker thread."""
    with tempfile.TemporaryDirectory(prefix="matcher-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            records = parse(path)
        except InputError as exc:
            raise Invalid(_bounded([_issue(i, name, str(path)) for i in exc.issues])) from exc
    bad_ids = [
        issue(
            ["body", "file", row, "id"],
            f"an id must be at most {MAX_ID} characters and contain no slashes",
            "input_error",
            row=row,
            column="id",
        )
        for row, record in enumerate(records, start=2)
        if len(id_of(record)) > MAX_ID or "/" in id_of(record) or "\\" in id_of(record)
    ]
    if bad_ids:
        raise Invalid(_bounded(bad_ids))
    return records


def _bounded(issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most MAX_ISSUES problems, and one that counts the rest: an answer stays small."""
    if len(issues) <= MAX_ISSUES:
        return issues
    more = len(issues) - MAX_ISSUES
    return [
        *issues[:MAX_ISSUES],
        issue(
            ["body", "file"], f"另有 {more} 处问题未列出 and {more} more problems", "input_error"
        ),
    ]


def _issue(found: InputIssue, name: str, temp_path: str) -> dict[str, Any]:
    loc: list[str | int] = ["body", "file"]
    if found.row is not None:
        loc.append(found.row)
    if found.column:
        loc.append(found.column)
    message = found.message.replace(temp_path, name)
    return issue(loc, message, "input_error", row=found.row, column=found.column, file=name)


async def parse_projects(upload: UploadFile, settings: ServiceSettings) -> list[Project]:
    """Every project of an uploaded sheet (TooLarge, Invalid); nothing is saved."""
    parse = partial(
        read_projects, max_rows=settings.max_import_rows, max_unzipped=settings.max_unzipped_bytes
    )
    return await read_sheet(upload, settings.max_upload_bytes, parse, lambda p: p.project_id)


async def parse_resources(upload: UploadFile, settings: ServiceSettings) -> list[Resource]:
    """Every provider of an uploaded sheet (TooLarge, Invalid); nothing is saved."""
    parse = partial(
        read_resources, max_rows=settings.max_import_rows, max_unzipped=settings.max_unzipped_bytes
    )
    return await read_sheet(upload, settings.max_upload_bytes, parse, lambda r: r.resource_id)


async def parse_judgments(
    upload: UploadFile, session: Session, settings: ServiceSettings
) -> list[Judgment]:
    """Every grade of an uploaded project_id,resource_id,grade sheet (TooLarge, Invalid naming
    unknown ids and bad rows); nothing is saved."""
    project_ids, resource_ids = crud.record_ids(session)

    def parse(path: Path) -> list[Judgment]:
        qrels = read_qrels(
            path,
            project_ids,
            resource_ids,
            max_rows=settings.max_import_rows,
            max_unzipped=settings.max_unzipped_bytes,
        )
        return [Judgment(p, r, g) for p, grades in qrels.items() for r, g in grades.items()]

    return await read_sheet(upload, settings.max_upload_bytes, parse, lambda j: j.project_id)


async def import_projects(
    matching: Matching, upload: UploadFile, settings: ServiceSettings, replace: bool = False
) -> ImportResult:
    """Save every project of an uploaded sheet, or none (TooLarge, Invalid); with `replace`,
    projects not in the sheet are deleted, after a backup of every project on file."""
    projects = await parse_projects(upload, settings)
    return await run_in_threadpool(_save, matching, settings, "projects", projects, replace)


async def import_resources(
    matching: Matching, upload: UploadFile, settings: ServiceSettings, replace: bool = False
) -> ImportResult:
    """Save every provider of an uploaded sheet, or none (TooLarge, Invalid); with `replace`,
    as for projects."""
    resources = await parse_resources(upload, settings)
    return await run_in_threadpool(_save, matching, settings, "resources", resources, replace)


async def restore(
    matching: Matching, settings: ServiceSettings, kind: replacing.Kind, number: int
) -> ImportResult:
    """Undo a replacing import: the records of backup `number` replace today's (which are
    backed up in turn); NotFound if there is no such backup."""
    records = replacing.restore(settings.data_dir, kind, number)
    return await run_in_threadpool(_save, matching, settings, kind, records, True)


def _save(
    matching: Matching,
    settings: ServiceSettings,
    kind: replacing.Kind,
    records: Sequence[Project] | Sequence[Resource],
    replace: bool,
) -> ImportResult:
    backup = None
    if replace:
        with matching.sessions() as session:
            current = (
                crud.all_projects(session) if kind == "projects" else crud.all_resources(session)
            )
        backup = replacing.back_up(settings.data_dir, kind, current)
    if kind == "projects":
        counts = matching.save_projects(records, replace)  # type: ignore[arg-type]
    else:
        counts = matching.save_resources(records, replace)  # type: ignore[arg-type]
    return ImportResult(imported=len(records), backup=backup, **counts)
