"""The project and provider lists: filters, sortable columns, and 导出Excel of the rows the
list shows (every page of it, in its order)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from matcher.schema import STAGE, Project, Resource

from .. import crud
from ..deps import SessionDep
from .render import label, labels, page
from .session import OrganiserPage
from .tables import Column, headers, sort_rows, sorting, workbook, xlsx_download

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
Filter = Annotated[str, Query(max_length=200)]
Order = Annotated[str, Query(max_length=10)]
PageNumber = Annotated[int, Query(alias="page", ge=1, le=10**6)]
_STAGES = list(STAGE.labels)


def _stage_order(stage: str) -> int:
    return _STAGES.index(stage) if stage in _STAGES else len(_STAGES)


PROJECT_COLUMNS: list[Column[Project]] = [
    Column("id", "编号", lambda p: p.project_id, width=10),
    Column("title", "项目名称", lambda p: p.title, width=36),
    Column("track", "赛道", lambda p: label(p.track, "track"), width=22),
    Column("stage", "阶段", lambda p: label(p.stage, "stage"), lambda p: _stage_order(p.stage)),
    Column("needs", "需求", lambda p: labels(p.needs, "need"), width=30),
    Column("region", "地区", lambda p: label(p.region, "region"), width=8),
    Column("institution", "申报单位", lambda p: p.institution, width=30),
]
RESOURCE_COLUMNS: list[Column[Resource]] = [
    Column("id", "编号", lambda r: r.resource_id, width=10),
    Column("name", "名称", lambda r: r.name, width=32),
    Column("type", "类型", lambda r: label(r.type, "type")),
    Column("offers", "可提供资源", lambda r: labels(r.offers, "need"), width=30),
    Column("tracks", "服务赛道", lambda r: labels(r.tracks, "track", "全部"), width=30),
    Column("stages", "服务阶段", lambda r: labels(r.stages, "stage", "全部"), width=30),
    Column("region", "地区", lambda r: label(r.region, "region"), width=8),
    Column("capacity", "名额", lambda r: r.capacity, number=True, width=8),
]


def _matches(text: str, *fields: str) -> bool:
    return not text or any(text.lower() in f.lower() for f in fields)


@dataclass
class ProjectFilters:
    q: Filter = ""
    track: Filter = ""
    stage: Filter = ""
    need: Filter = ""
    region: Filter = ""
    sort: Filter = ""
    order: Order = ""

    def keep(self, p: Project) -> bool:
        return (
            _matches(self.q.strip(), p.project_id, p.title, p.description, p.institution)
            and (not self.track or p.track == self.track)
            and (not self.stage or p.stage == self.stage)
            and (not self.need or self.need in p.needs)
            and (not self.region or p.region == self.region)
        )


@dataclass
class ResourceFilters:
    q: Filter = ""
    type: Filter = ""
    track: Filter = ""
    stage: Filter = ""
    need: Filter = ""
    region: Filter = ""
    sort: Filter = ""
    order: Order = ""

    def keep(self, r: Resource) -> bool:
        return (
            _matches(self.q.strip(), r.resource_id, r.name, r.description)
            and (not self.type or r.type == self.type)
            and (not self.track or r.serves_track(self.track))
            and (not self.stage or r.serves_stage(self.stage))
            and (not self.need or self.need in r.offers)
            and (not self.region or r.region == self.region)
        )


def _listed(
    items: Sequence[Any], filters: ProjectFilters | ResourceFilters, columns: Sequence[Column[Any]]
) -> tuple[list[Any], dict[str, str], dict[str, str]]:
    """The rows a list shows (all pages), the query that filters them, and the one that also
    sorts them."""
    chosen = sorting(columns, filters.sort, filters.order)
    found = sort_rows([i for i in items if filters.keep(i)], columns, chosen)
    query = {k: v for k, v in asdict(filters).items() if k not in ("sort", "order")}
    return found, query, {**query, **chosen.query}


def _list_page(
    request: Request,
    visitor: OrganiserPage,
    template: str,
    found: list[Any],
    query: dict[str, str],
    sorted_query: dict[str, str],
    columns: Sequence[Column[Any]],
    number: int,
) -> Response:
    chosen = sorting(columns, sorted_query.get("sort", ""), sorted_query.get("order", ""))
    pages = max(math.ceil(len(found) / PAGE_SIZE), 1)
    number = min(max(number, 1), pages)
    return page(
        request,
        template,
        visitor,
        rows=found[(number - 1) * PAGE_SIZE : number * PAGE_SIZE],
        count=len(found),
        number=number,
        pages=pages,
        query=query,
        sorted_query=sorted_query,
        headers=headers(columns, chosen, query),
    )


@router.get("/projects")
def project_list(
    request: Request,
    visitor: OrganiserPage,
    session: SessionDep,
    filters: Annotated[ProjectFilters, Depends()],
    page_number: PageNumber = 1,
) -> Response:
    found, query, sorted_query = _listed(crud.all_projects(session), filters, PROJECT_COLUMNS)
    return _list_page(
        request, visitor, "projects.html", found, query, sorted_query, PROJECT_COLUMNS, page_number
    )


@router.get("/projects/export.xlsx")
def project_export(
    visitor: OrganiserPage, session: SessionDep, filters: Annotated[ProjectFilters, Depends()]
) -> Response:
    """The projects the list shows with these filters, in its order, as an Excel sheet."""
    found, _, _ = _listed(crud.all_projects(session), filters, PROJECT_COLUMNS)
    return xlsx_download(workbook("项目", PROJECT_COLUMNS, found), "projects.xlsx")


@router.get("/resources")
def resource_list(
    request: Request,
    visitor: OrganiserPage,
    session: SessionDep,
    filters: Annotated[ResourceFilters, Depends()],
    page_number: PageNumber = 1,
) -> Response:
    found, query, sorted_query = _listed(crud.all_resources(session), filters, RESOURCE_COLUMNS)
    return _list_page(
        request,
        visitor,
        "resources.html",
        found,
        query,
        sorted_query,
        RESOURCE_COLUMNS,
        page_number,
    )


@router.get("/resources/export.xlsx")
def resource_export(
    visitor: OrganiserPage, session: SessionDep, filters: Annotated[ResourceFilters, Depends()]
) -> Response:
    """The providers the list shows with these filters, in its order, as an Excel sheet."""
    found, _, _ = _listed(crud.all_resources(session), filters, RESOURCE_COLUMNS)
    return xlsx_download(workbook("资源方", RESOURCE_COLUMNS, found), "resources.xlsx")
