"""Write a plan as xlsx (Chinese sheets: `workbook.py`), CSV or JSON, chosen by the file suffix.

Every spreadsheet cell goes through `neutralise`, so text starting with = + - @, tab, CR or NUL
is never run as a formula (CWE-1236). People read scores as the expected expert grade 0–3
(`grade`), as on the pages; the planner works on grade / 3, and JSON keeps exactly that: it is
data for `read_plan`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from matcher.files import atomic_path
from matcher.files import safe_cell as neutralise
from matcher.plan.plan import Plan

GRADE_HEADER = "预计专家评分（0–3）"
LEGEND = "预计专家评分 0–3：3 理想伙伴 · 2 良好 · 1 一般 · 0 不合适"
CSV_COLUMNS = [
    "项目编号",
    "项目名称",
    "资源方编号",
    "资源方",
    "时段",
    "桌号",
    GRADE_HEADER,
    "推荐理由",
]


def grade(score: float) -> float:
    """A plan score (the planner's grade / 3) as people read it: the expected grade 0–3."""
    from matcher.fusion import MAX_GRADE  # here, not at import: fusion loads scikit-learn

    return round(score * MAX_GRADE, 2)


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
    """One row per meeting, in the slot order of the day."""
    slot_order = {s: i for i, s in enumerate(plan.slots)}
    for m in sorted(plan.meetings, key=lambda m: (slot_order.get(m.slot, 0), m.table)):
        row = (m.project_id, m.project_title, m.resource_id, m.resource_name, m.slot, m.table)
        yield [neutralise(v) for v in (*row, f"{grade(m.score):.2f}", m.reasons)]


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


def _write_xlsx(plan: Plan, path: Path) -> None:
    from matcher.plan.workbook import plan_workbook

    book = plan_workbook(plan)
    _atomic(path, book.save, binary=True)
