"""A plan as an Excel workbook in organisers' language, ready to print.

总览 says what the day holds; 资源方日程 and 项目日程 are one filterable sheet per side with a
page break after each provider or project, so each prints on its own page(s), fitted to the
page's width, its header row repeated and the score legend in the footer (one sheet per person
would mean 525 sheets for a 405 × 120 event). Scores are expected grades 0–3 written as numbers,
利用率 a number shown as a percentage; solver details (hashes, bounds) sit on 技术信息.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from matcher.files import safe_cell
from matcher.plan.bound import BOUND_KINDS
from matcher.plan.export import GRADE_HEADER, LEGEND, grade
from matcher.plan.plan import Meeting, Plan
from matcher.schema import NEED, RESOURCE_TYPE, TRACK

BOLD = Font(bold=True)
STATUS = {"draft": "草稿", "published": "已发布"}


def _clean(value: Any) -> Any:
    value = safe_cell(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _labels(vocabulary: Any, keys: Iterable[str]) -> str:
    return "、".join(vocabulary.labels.get(k, k) for k in keys)


def overview_rows(plan: Plan) -> list[list[Any]]:
    """What an organiser needs to know about the plan, in their words."""
    s = plan.stats
    mean = grade(s.quality / s.meetings) if s.meetings else None
    short = sum(1 for p in plan.projects if p.shortfall)
    return [
        ["活动", plan.event_name],
        ["状态", STATUS.get(plan.status, plan.status)],
        ["方案编号", plan.plan_id],
        ["时段数", len(plan.slots)],
        ["桌数", len(plan.tables)],
        ["洽谈场数", s.meetings],
        ["平均预计专家评分（0–3）", mean],
        ["未达最少场次的项目", short],
        ["未能排入时段的配对", s.unscheduled],
        ["资源方空档时段", s.idle_gaps],
        ["人工调整", len(plan.edits)],
        [],
        ["诊断"],
        *[[line] for line in plan.diagnostics],
        *([[], ["人工调整记录"], *[[line] for line in plan.edits]] if plan.edits else []),
        [],
        ["评分说明", LEGEND],
    ]


def technical_rows(plan: Plan) -> list[list[Any]]:
    """How the solver got there: for whoever checks or reproduces the plan."""
    s = plan.stats
    return [
        ["方案编号", plan.plan_id],
        ["上一版方案", plan.previous_id],
        ["输入哈希", plan.inputs_hash],
        ["随机种子", plan.seed],
        ["求解器", plan.settings.get("solver", "")],
        ["会面预计专家评分合计", grade(s.quality)],
        ["目标值（规划器尺度：评分 ÷ 3 + 公平 + 覆盖）", s.objective],
        ["上界", s.upper_bound],
        ["上界类型", BOUND_KINDS.get(s.bound_kind, s.bound_kind)],
        ["与上界差距", float(s.gap)],
        ["贪心基线目标值", s.greedy_objective],
        ["贪心基线预计专家评分合计", grade(s.greedy_quality)],
        ["贪心基线场数", s.greedy_meetings],
        ["候选配对数", s.candidate_pairs],
        ["用时（秒）", s.wall_seconds],
        ["其中上界用时（秒）", s.bound_seconds],
    ]


def _pairs_sheet(ws: Worksheet, rows: list[list[Any]], formats: dict[str, str]) -> None:
    for row in rows:
        ws.append([_clean(v) for v in row])
        if row and row[0] in formats:
            ws.cell(ws.max_row, 2).number_format = formats[row[0]]
    for cell in ws["A"]:
        cell.font = BOLD
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 70


def _table_sheet(
    book: Workbook,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    formats: dict[str, str] | None = None,
    page_per: int | None = None,
) -> Worksheet:
    """A sheet of rows under a bold header; `page_per`: the column whose every new value
    starts a new printed page."""
    ws = book.create_sheet(title)
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = BOLD
    formats = formats or {}
    columns = {index: formats[name] for index, name in enumerate(header, 1) if name in formats}
    previous = None
    for row in rows:
        if page_per is not None and previous is not None and row[page_per] != previous:
            ws.row_breaks.append(Break(id=ws.max_row))
        previous = row[page_per] if page_per is not None else None
        ws.append([_clean(v) for v in row])
        for index, number_format in columns.items():
            ws.cell(ws.max_row, index).number_format = number_format
    if ws.max_row > 1:
        ws.auto_filter.ref = ws.dimensions
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as a participant needs
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = LEGEND
    ws.oddFooter.right.text = "第 &P 页，共 &N 页"
    for column in ws.columns:
        width = max(len(str(c.value or "")) for c in list(column)[:200])
        ws.column_dimensions[column[0].column_letter].width = min(max(8, width * 1.6), 60)
    return ws


def _agenda(meetings: Sequence[Meeting], slot_order: dict[str, int], by: str) -> list[Meeting]:
    return sorted(meetings, key=lambda m: (getattr(m, by), slot_order[m.slot]))


def plan_workbook(plan: Plan) -> Workbook:
    """The workbook; every cell neutralised (no formulas), numbers kept as numbers."""
    book = Workbook()
    overview = book.active
    overview.title = "总览"
    _pairs_sheet(overview, overview_rows(plan), {"平均预计专家评分（0–3）": "0.00"})

    slot_order = {s: i for i, s in enumerate(plan.slots)}
    types = {r.resource_id: r.type for r in plan.resources}
    grades = {GRADE_HEADER: "0.00"}
    _table_sheet(
        book,
        "资源方日程",
        [
            "资源方编号",
            "资源方",
            "类型",
            "时段",
            "桌号",
            "项目编号",
            "项目名称",
            GRADE_HEADER,
            "推荐理由",
        ],
        (
            [
                m.resource_id,
                m.resource_name,
                RESOURCE_TYPE.labels.get(types.get(m.resource_id, ""), ""),
                m.slot,
                m.table,
                m.project_id,
                m.project_title,
                grade(m.score),
                m.reasons,
            ]
            for m in _agenda(plan.meetings, slot_order, "resource_id")
        ),
        formats=grades,
        page_per=0,
    )
    _table_sheet(
        book,
        "项目日程",
        ["项目编号", "项目名称", "时段", "桌号", "资源方编号", "资源方", GRADE_HEADER, "推荐理由"],
        (
            [
                m.project_id,
                m.project_title,
                m.slot,
                m.table,
                m.resource_id,
                m.resource_name,
                grade(m.score),
                m.reasons,
            ]
            for m in _agenda(plan.meetings, slot_order, "project_id")
        ),
        formats=grades,
        page_per=0,
    )
    ordered = sorted(
        plan.projects, key=lambda p: (-p.shortfall, -len(p.needs_uncovered), p.project_id)
    )
    _table_sheet(
        book,
        "未匹配与覆盖",
        [
            "项目编号",
            "项目名称",
            "赛道",
            "洽谈数",
            "最少场次",
            "缺口",
            "强匹配数",
            "已覆盖需求",
            "未覆盖需求",
            "本场无资源的需求",
            "原因",
        ],
        (
            [
                p.project_id,
                p.title,
                TRACK.labels.get(p.track, p.track),
                p.meetings,
                p.min_meetings,
                p.shortfall,
                p.strong_meetings,
                _labels(NEED, p.needs_covered),
                _labels(NEED, p.needs_uncovered),
                _labels(NEED, p.needs_unavailable),
                p.reason,
            ]
            for p in ordered
        ),
    )
    _table_sheet(
        book,
        "名额利用率",
        [
            "资源方编号",
            "资源方",
            "类型",
            "名额",
            "已排场数",
            "利用率",
            "可用时段",
            "空档时段",
            "桌号",
        ],
        (
            [
                r.resource_id,
                r.name,
                RESOURCE_TYPE.labels.get(r.type, r.type),
                r.capacity,
                r.meetings,
                r.meetings / r.capacity if r.capacity else None,
                r.available_slots,
                r.idle_gaps,
                "、".join(r.tables),
            ]
            for r in sorted(plan.resources, key=lambda r: r.resource_id)
        ),
        formats={"利用率": "0%"},
    )
    if plan.unscheduled:
        _table_sheet(book, "未排入时段", ["项目编号", "资源方编号"], plan.unscheduled)
    technical = book.create_sheet("技术信息")
    _pairs_sheet(technical, technical_rows(plan), {"与上界差距": "0.00%"})
    return book
