"""Plan downloads on the pages' score scale: the planner stores each meeting's expected expert
grade / 3; people read the grade itself (0–3), in the workbook as on the pages."""

from __future__ import annotations

import csv
import io

from matcher.fusion import MAX_GRADE

LEGEND = "预计专家评分 0–3：3 理想伙伴 · 2 良好 · 1 一般 · 0 不合适"
GRADE_HEADER = "预计专家评分（0–3）"
_SUMS = {"匹配分合计": "会面预计专家评分合计", "贪心基线匹配分合计": "贪心基线预计专家评分合计"}


def _grade(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(float(value) * MAX_GRADE, 2)
    return value


def workbook_on_grade_scale(data: bytes) -> bytes:
    """The plan's workbook with every 匹配分 column and total as expected grades, and the legend."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        header = [cell.value for cell in sheet[1]]
        for index, title in enumerate(header, start=1):
            if title == "匹配分":
                sheet.cell(1, index).value = GRADE_HEADER
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.value = _grade(cell.value)
                    cell.number_format = "0.00"
        if sheet.title == "总览":
            for row in sheet.iter_rows(min_row=1, max_col=2):
                if row[0].value in _SUMS:
                    row[0].value = _SUMS[str(row[0].value)]
                    row[1].value = _grade(row[1].value)
            sheet.append([])
            sheet.append(["评分说明", LEGEND])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_on_grade_scale(data: bytes) -> bytes:
    """The plan's CSV with its `score` column as the expected grade (`expected_grade`, 0–3)."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    if not rows or "score" not in rows[0]:
        return data
    column = rows[0].index("score")
    rows[0][column] = "expected_grade"
    for row in rows[1:]:
        if len(row) > column and _number(row[column]):
            row[column] = f"{float(row[column]) * MAX_GRADE:.2f}"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
