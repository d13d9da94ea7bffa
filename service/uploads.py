"""Spreadsheet uploads: size-limited, saved to a temp file, parsed all-or-nothing by matcher.ingest."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from fastapi import UploadFile
from starlette.concurrency import run_in_threadpool

from matcher.errors import InputError, InputIssue
from matcher.ingest import read_projects, read_resources

from .errors import Invalid, TooLarge, issue
from .matching import Matching
from .schemas import ImportResult

T = TypeVar("T")
SUFFIXES = (".csv", ".xlsx", ".xlsm", ".tsv", ".txt")
MAX_ID = 128


async def read_sheet(
    upload: UploadFile, max_bytes: int, parse: Callable[[Path], list[T]], id_of: Callable[[T], str]
) -> list[T]:
    """Records from an uploaded sheet; TooLarge, or Invalid naming every bad row and column."""
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
    with tempfile.TemporaryDirectory(prefix="matcher-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            records = parse(path)
        except InputError as exc:
            raise Invalid([_issue(i, name, str(path)) for i in exc.issues[:1000]]) from exc
    long_ids = [
        issue(
            ["body", "file", row, "id"],
            f"id longer than {MAX_ID} characters",
            "input_error",
            row=row,
            column="id",
        )
        for row, record in enumerate(records, start=2)
        if len(id_of(record)) > MAX_ID or "/" in id_of(record)
    ]
    if long_ids:
        raise Invalid(long_ids)
    return records


def _issue(found: InputIssue, name: str, temp_path: str) -> dict[str, Any]:
    loc: list[str | int] = ["body", "file"]
    if found.row is not None:
        loc.append(found.row)
    if found.column:
        loc.append(found.column)
    message = found.message.replace(temp_path, name)
    return issue(loc, message, "input_error", row=found.row, column=found.column, file=name)


async def import_projects(
    matching: Matching, upload: UploadFile, max_bytes: int, replace: bool = False
) -> ImportResult:
    """Save every project of an uploaded sheet, or none (TooLarge, Invalid); with `replace`,
    projects not in the sheet are deleted."""
    projects = await read_sheet(upload, max_bytes, read_projects, lambda p: p.project_id)
    counts = await run_in_threadpool(matching.save_projects, projects, replace)
    return ImportResult(imported=len(projects), **counts)


async def import_resources(
    matching: Matching, upload: UploadFile, max_bytes: int, replace: bool = False
) -> ImportResult:
    """Save every provider of an uploaded sheet, or none (TooLarge, Invalid)."""
    resources = await read_sheet(upload, max_bytes, read_resources, lambda r: r.resource_id)
    counts = await run_in_threadpool(matching.save_resources, resources, replace)
    return ImportResult(imported=len(resources), **counts)
