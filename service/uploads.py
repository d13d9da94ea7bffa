"""Spreadsheet uploads: size-limited, saved to a temp file, parsed all-or-nothing by matcher.ingest."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from fastapi import HTTPException, UploadFile

from matcher.errors import InputError, InputIssue

T = TypeVar("T")
SUFFIXES = (".csv", ".xlsx", ".xlsm", ".tsv", ".txt")
MAX_ID = 128


def invalid(issues: list[dict[str, Any]]) -> HTTPException:
    """422 in FastAPI's validation-error shape (a list under `detail`, never a string)."""
    return HTTPException(422, issues)


def issue(
    loc: list[str | int], msg: str, kind: str = "value_error", **extra: Any
) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": kind, **extra}


async def read_sheet(
    upload: UploadFile, max_bytes: int, parse: Callable[[Path], list[T]], id_of: Callable[[T], str]
) -> list[T]:
    """Records from an uploaded sheet, or 413/422 naming every bad row and column."""
    name = Path(upload.filename or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise invalid(
            [issue(["body", "file"], f"unsupported file type {suffix!r}; upload .csv or .xlsx")]
        )
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise HTTPException(413, f"file too large: the limit is {max_bytes} bytes")
    with tempfile.TemporaryDirectory(prefix="matcher-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            records = parse(path)
        except InputError as exc:
            raise invalid([_issue(i, name, str(path)) for i in exc.issues[:1000]]) from exc
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
        raise invalid(long_ids)
    return records


def _issue(found: InputIssue, name: str, temp_path: str) -> dict[str, Any]:
    loc: list[str | int] = ["body", "file"]
    if found.row is not None:
        loc.append(found.row)
    if found.column:
        loc.append(found.column)
    message = found.message.replace(temp_path, name)
    return issue(loc, message, "input_error", row=found.row, column=found.column, file=name)
