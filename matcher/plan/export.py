"""Write a plan as xlsx (Chinese sheets), CSV or JSON, chosen by the file suffix.

Every spreadsheet cell goes through `neutralise`, so text starting with = + - @, tab, CR or NUL
is never run as a formula (CWE-1236). JSON keeps exact values: it is data for `read_plan`.
The xlsx has one long, filterable agenda sheet per side (with a printed page per provider or
project) rather than a sheet per person: a 405 × 120 event would need 525 sheets.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from matcher.files import atomic_path
from matcher.files import safe_cell as neutralise
from matcher.plan.bound import BOUND_KINDS
from matcher.plan.plan import Meeting, Plan
from matcher.schema import NEED, RESOURCE_TYPE, TRACK

CSV_COLUMNS = ["project_id", "resource_id", "slot", "table", "score", "reasons"]


def _atomic(
    path: Path, write: Callable[[IO[Any]], None], *, binary: bool = False, encoding: str = "utf-8"
) -> None:
    with (
        atomic_path(path) as tmp,
        open(
            tmp,
            "wb" if binary else "w",
            encoding=None if binary else encoding,
            newline=None if binary else "",
        ) as handle,
    ):
        write(handle)


PLAN_FORMATS = (".xlsx", ".csv", ".json")


def write_plan(plan: Plan, path: str | Path) -> Path:
    """Write `plan` to .xlsx, .csv (UTF-8 with BOM) or .json; ValueError for other suffixes."""
    path = Path(path)
    writers = {".xlsx": _write_xlsx, ".csv": _write_csv, ".json": _write_json}
    suffix = path.suffix.lower()
    if suffix not in writers:
        raise ValueError(f"unknown plan format {path.suffix!r}; use .xlsx, .csv or .json")
    writers[suffix](plan, path)
    return path


def _csv_rows(plan: Plan) -> Iterable[list[Any]]:
    for m in plan.meetings:
        yield [
            neutralise(v)
            for v in (m.project_id, m.resource_id, m.slot, m.table, f"{m.score:.4f}", m.reasons)
        ]


def _write_csv(plan: Plan, path: Path) -> None:
    def write(handle: IO[Any]) -> None:
        out = csv.writer(handle)
        out.writerow(CSV_COLUMNS)
        out.writerows(_csv_rows(plan))

    _atomic(path, write, encoding="utf-8-sig")


def _write_json(plan: Plan, path: Path) -> None:
    def write(handle: IO[Any]) -> None:
        json.dump(plan.to_dict(), handle, ensure_ascii=False, indent=1)

    _atomic(path, write)


def _labels(vocabulary: Any, keys: Iterable[str]) -> str:
    return "、".join(vocabulary.labels.get(k, k) for k in keys)


def overview_rows(plan: Plan) -> list[list[Any]]:
    s = plan.stats
    return [
        ["活动", plan.event_name],
        ["状态", {"draft": "草稿", "published": "已发布"}[plan.status]],
        ["方案编号", plan.plan_id],
        ["上一版方案", plan.previous_id],
        ["输入哈希", plan.inputs_hash],
        ["随机种子", plan.seed],
        ["求解器", plan.settings.get("solver", "")],
        ["时段数", len(plan.slots)],
        ["桌数", len(plan.tables)],
        ["洽谈场数", s.meetings],
        ["匹配分合计", s.quality],
        ["目标值（匹配分+公平+覆盖）", s.objective],
        ["上界", s.upper_bound],
        ["上界类型", BOUND_KINDS.get(s.bound_kind, s.bound_kind)],
        ["与上界差距", f"{100 * s.gap:.2f}%"],
        ["贪心基线目标值", s.greedy_objective],
        ["贪心基线匹配分合计", s.greedy_quality],
        ["贪心基线场数", s.greedy_meetings],
        ["未能排入时段", s.unscheduled],
        ["资源方空档时段", s.idle_gaps],
        ["候选配对数", s.candidate_pairs],
        ["用时（秒）", s.wall_seconds],
        ["人工调整", len(plan.edits)],
        [],
        ["诊断"],
        *[[line] for line in plan.diagnostics],
        *([[], ["人工调整记录"], *[[line] for line in plan.edits]] if plan.edits else []),
    ]


def _agenda(meetings: list[Meeting], key: Callable[[Meeting], tuple[Any, ...]]) -> list[Meeting]:
    return sorted(meetings, key=key)


def _write_xlsx(plan: Plan, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.worksheet.pagebreak import Break

    book = Workbook()
    bold = Font(bold=True)

    def clean(value: Any) -> Any:
        value = neutralise(value)
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

    def sheet(
        title: str,
        header: list[str],
        rows: Iterable[list[Any]],
        *,
        break_on: int | None = None,
        first: bool = False,
    ):
        ws = book.active if first else book.create_sheet()
        ws.title = title
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        previous = None
        for row in rows:
            if break_on is not None and previous is not None and row[break_on] != previous:
                ws.row_breaks.append(Break(id=ws.max_row))
            previous = row[break_on] if break_on is not None else None
            ws.append([clean(v) for v in row])
        if ws.max_row > 1:
            ws.auto_filter.ref = ws.dimensions
        ws.freeze_panes = "A2"
        ws.print_title_rows = "1:1"
        for column in ws.columns:
            width = max(len(str(c.value or "")) for c in list(column)[:200])
            ws.column_dimensions[column[0].column_letter].width = min(max(8, width * 1.6), 60)
        return ws

    ws = book.active
    ws.title = "总览"
    for row in overview_rows(plan):
        ws.append([clean(v) for v in row])
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 70

    slot_order = {s: i for i, s in enumerate(plan.slots)}
    types = {r.resource_id: r.type for r in plan.resources}
    meetings = list(plan.meetings)
    sheet(
        "资源方日程",
        [
            "资源方编号",
            "资源方",
            "类型",
            "时段",
            "桌号",
            "项目编号",
            "项目名称",
            "匹配分",
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
                m.score,
                m.reasons,
            ]
            for m in _agenda(meetings, lambda m: (m.resource_id, slot_order[m.slot]))
        ),
        break_on=0,
    )
    sheet(
        "项目日程",
        ["项目编号", "项目名称", "时段", "桌号", "资源方编号", "资源方", "匹配分", "推荐理由"],
        (
            [
                m.project_id,
                m.project_title,
                m.slot,
                m.table,
                m.resource_id,
                m.resource_name,
                m.score,
                m.reasons,
            ]
            for m in _agenda(meetings, lambda m: (m.project_id, slot_order[m.slot]))
        ),
        break_on=0,
    )
    ordered = sorted(
        plan.projects, key=lambda p: (-p.shortfall, -len(p.needs_uncovered), p.project_id)
    )
    sheet(
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
    sheet(
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
                f"{100 * r.meetings / r.capacity:.0f}%" if r.capacity else "",
                r.available_slots,
                r.idle_gaps,
                "、".join(r.tables),
            ]
            for r in sorted(plan.resources, key=lambda r: r.resource_id)
        ),
    )
    if plan.unscheduled:
        sheet("未排入时段", ["项目编号", "资源方编号"], ([p, r] for p, r in plan.unscheduled))

    def write(handle: IO[Any]) -> None:
        book.save(handle)

    _atomic(path, write, binary=True)
