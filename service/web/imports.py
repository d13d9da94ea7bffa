"""The import page: upload a projects or providers sheet; problems are shown on the sheet itself.

The upload goes through the same import functions as the API's (all or nothing); when they refuse the
file, the page shows the first rows of the sheet with each faulty cell marked and explained.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from matcher.errors import InputError
from matcher.ingest import PROJECT_COLUMNS, RESOURCE_COLUMNS, check_workbook, column_label
from matcher.schema import Project, Resource

from .. import crud, replacing, uploads
from ..config import ServiceSettings
from ..deps import MatchingDep, SessionDep, SettingsDep
from ..errors import Invalid, TooLarge, issue
from ..matching import Matching
from ..replacing import Kind
from .render import page
from .session import OrganiserForm, OrganiserPage, Visitor

router = APIRouter(include_in_schema=False)
PREVIEW_ROWS = 200
PREVIEW_CELL = 200  # characters of a cell shown; a hostile sheet must not multiply itself
PREVIEW_CHARS = 200_000  # characters of cells in the whole preview
KIND_LABELS = {"projects": "项目", "resources": "资源方"}


@router.get("/import")
def import_page(request: Request, visitor: OrganiserPage) -> Response:
    return page(request, "import.html", visitor, kind="projects", mode="upsert")


@router.post("/import")  # the path ends in /import: BodyLimit allows spreadsheet-sized bodies
async def import_sheet(
    request: Request,
    visitor: OrganiserForm,
    settings: SettingsDep,
    matching: MatchingDep,
    session: SessionDep,
    file: Annotated[UploadFile, File()],
    kind: Annotated[Kind, Form()] = "projects",
    mode: Annotated[Literal["upsert", "replace"], Form()] = "upsert",
) -> Response:
    data = await file.read(settings.max_upload_bytes + 1)
    name = Path(file.filename or "upload.csv").name
    context: dict[str, Any] = {"kind": kind, "mode": mode, "filename": name}
    if mode == "replace":  # nothing is deleted before the organiser has seen what would be
        parse = uploads.parse_projects if kind == "projects" else uploads.parse_resources
        try:
            incoming = await parse(_upload(data, name), settings)
        except (Invalid, TooLarge) as exc:
            return await _refused(request, visitor, exc, data, settings, context)
        change = replacing.diff(list(_records(session, kind).values()), incoming)
        if change.deleted:
            token = replacing.stash(settings.data_dir, data, Path(name).suffix.lower())
            return page(request, "import.html", visitor, pending=token, change=change, **context)
    return await _import(request, visitor, settings, matching, session, data, context)


@router.post("/import/confirm")
async def confirm_replace(
    request: Request,
    visitor: OrganiserForm,
    settings: SettingsDep,
    matching: MatchingDep,
    session: SessionDep,
    token: Annotated[str, Form(max_length=64)],
    filename: Annotated[str, Form(max_length=255)],
    kind: Annotated[Kind, Form()] = "projects",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """The replacing import the organiser saw the deletions of and confirmed."""
    if confirm != "on":
        raise Invalid([issue(["form", "confirm"], "请勾选确认后再整表替换。")])
    data, suffix = replacing.take(settings.data_dir, token)
    name = Path(filename).stem + suffix
    context: dict[str, Any] = {"kind": kind, "mode": "replace", "filename": name}
    return await _import(request, visitor, settings, matching, session, data, context)


@router.post("/import/restore")
async def restore_backup(
    request: Request,
    visitor: OrganiserForm,
    matching: MatchingDep,
    settings: SettingsDep,
    number: Annotated[int, Form(ge=1, le=10**9)],
    kind: Annotated[Kind, Form()] = "projects",
) -> Response:
    """Undo a replacing import: the records it replaced come back (and today's are backed up)."""
    result = await uploads.restore(matching, settings, kind, number)
    backup = result.backup
    context: dict[str, Any] = {
        "kind": kind,
        "mode": "replace",
        "filename": f"备份 {number}",
        "restored": number,
    }
    return page(
        request,
        "import.html",
        visitor,
        result=result,
        changed=result.updated,
        unchanged=0,
        backup=backup,
        **context,
    )


def _upload(data: bytes, name: str) -> UploadFile:
    return UploadFile(io.BytesIO(data), filename=name, headers=Headers({}))


async def _import(
    request: Request,
    visitor: Visitor,
    settings: ServiceSettings,
    matching: Matching,
    session: Session,
    data: bytes,
    context: dict[str, Any],
) -> Response:
    """Import a sheet (all or nothing); a replacing import backs up what it replaces first."""
    kind, replace = context["kind"], context["mode"] == "replace"
    load = uploads.import_projects if kind == "projects" else uploads.import_resources
    before = _records(session, kind)
    try:  # a replacing import backs up what it replaces (`result.backup`)
        result = await load(matching, _upload(data, context["filename"]), settings, replace)
    except (Invalid, TooLarge) as exc:
        return await _refused(request, visitor, exc, data, settings, context)
    backup = result.backup
    session.expire_all()  # the import wrote through another session
    after = _records(session, kind)
    changed = sum(1 for key, record in before.items() if key in after and after[key] != record)
    unchanged = max(result.updated - changed, 0)
    return page(
        request,
        "import.html",
        visitor,
        result=result,
        changed=result.updated - unchanged,
        unchanged=unchanged,
        backup=backup,
        **context,
    )


async def _refused(
    request: Request,
    visitor: Visitor,
    exc: Invalid | TooLarge,
    data: bytes,
    settings: ServiceSettings,
    context: dict[str, Any],
) -> Response:
    """The page for a refused sheet: every problem, and the sheet with the faulty cells marked."""
    kind = context["kind"]
    found = (
        exc.issues
        if isinstance(exc, Invalid)
        else [{"row": None, "column": None, "msg": exc.page_message}]
    )
    context["errors"] = [in_chinese(i, kind) for i in found]
    # off the event loop, and only for a sheet that passed the expansion caps
    context["preview"] = await run_in_threadpool(
        preview, data, context["filename"], found, settings
    )
    return page(request, "import.html", visitor, 422, **context)


def _records(session: Session, kind: str) -> dict[str, Project | Resource]:
    if kind == "projects":
        return {p.project_id: p for p in crud.all_projects(session)}
    return {r.resource_id: r for r in crud.all_resources(session)}


def in_chinese(found: dict[str, Any], kind: str) -> dict[str, Any]:
    """An import issue as the page lists it: a column the sheet lacks by its Chinese header
    (赛道, not track), and the accepted headers Chinese first."""
    columns = PROJECT_COLUMNS if kind == "projects" else RESOURCE_COLUMNS
    column, msg = found.get("column"), str(found.get("msg", ""))
    if "missing required column" in msg:
        for key, (english, *spellings) in columns.items():
            if column == column_label(key, columns):
                column = f"{spellings[0]}（{english}）" if spellings else english
                msg = f"缺少必需的列；可用的表头：{' / '.join([*spellings, english])}"
    return {**found, "column": column, "msg": msg}


def preview(
    data: bytes, name: str, issues: list[dict[str, Any]], settings: ServiceSettings
) -> dict[str, Any] | None:
    """The sheet's first rows with the cells each issue names, each cell cut short (None if it
    cannot be read, or expands too far to try)."""
    frame = _frame(data, Path(name).suffix.lower(), settings)
    if frame is None:
        return None
    headers = [str(c) for c in frame.columns]
    marks: dict[tuple[int | None, str | None], list[str]] = {}
    for found in issues:
        row, column = found.get("row"), found.get("column")
        column = column if column in headers else None
        marks.setdefault((row, column), []).append(str(found.get("msg", "")))
    rows = []
    budget = PREVIEW_CHARS
    for number, values in enumerate(frame.head(PREVIEW_ROWS).itertuples(index=False), start=2):
        cells = [
            {"text": _short(str(v)), "issues": marks.get((number, h), [])}
            for v, h in zip(values, headers, strict=True)
        ]
        budget -= sum(len(c["text"]) for c in cells)
        if budget < 0:
            break
        rows.append({"number": number, "cells": cells, "issues": marks.get((number, None), [])})
    header_issues = {h: marks.get((1, h), []) for h in headers}
    return {
        "headers": headers,
        "header_issues": header_issues,
        "rows": rows,
        "more": len(frame) > len(rows),  # the frame stops one row past the preview
    }


def _short(text: str) -> str:
    return text if len(text) <= PREVIEW_CELL else text[:PREVIEW_CELL] + "…"


def _frame(data: bytes, suffix: str, settings: ServiceSettings) -> pd.DataFrame | None:
    """The first PREVIEW_ROWS + 1 rows (one more tells that more follow)."""
    try:
        if suffix in (".xlsx", ".xlsm"):
            check_workbook(io.BytesIO(data), settings.max_import_rows, settings.max_unzipped_bytes)
            return pd.read_excel(
                io.BytesIO(data), dtype=str, keep_default_na=False, nrows=PREVIEW_ROWS + 1
            )
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return pd.read_csv(
                    io.BytesIO(data),
                    dtype=str,
                    keep_default_na=False,
                    sep="\t" if suffix == ".tsv" else ",",
                    encoding=encoding,
                    nrows=PREVIEW_ROWS + 1,
                )
            except UnicodeDecodeError:
                continue
    except InputError:  # too large to preview: the issue list says why
        return None
    except Exception:  # an unreadable file: the issue list alone says why
        return None
    return None
