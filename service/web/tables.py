"""A list page's columns: sorted by query parameters (`sort`, `order`), with headers that say
how (aria-sort), and the same rows as an Excel workbook with Chinese headers."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from fastapi.responses import Response

from matcher.files import safe_cell

T = TypeVar("T")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column: its query key, Chinese header, cell value (as shown and exported), and the
    key it sorts by when that is not the value (stages in their vocabulary's order)."""

    key: str
    header: str
    value: Callable[[T], Any]
    order: Callable[[T], Any] | None = None
    number: bool = False
    width: int = 14


@dataclass(frozen=True)
class Sorting:
    key: str  # "" keeps the list's own order
    descending: bool = False

    @property
    def query(self) -> dict[str, str]:
        if not self.key:
            return {}
        return {"sort": self.key, "order": "desc" if self.descending else "asc"}


UNSORTED = Sorting("")


def sorting(columns: Sequence[Column[Any]], sort: str, order: str) -> Sorting:
    """The sorting a request asks for; an unknown column keeps the list's order."""
    if sort not in {c.key for c in columns}:
        return UNSORTED
    return Sorting(sort, order == "desc")


def sort_rows(items: Sequence[T], columns: Sequence[Column[T]], chosen: Sorting) -> list[T]:
    """Items in the chosen column's order (stable: ties keep the list's order); empty cells
    last when ascending."""
    column = next((c for c in columns if c.key == chosen.key), None)
    if column is None:
        return list(items)
    key = column.order or column.value

    def order(item: T) -> tuple[bool, Any]:
        value = key(item)
        return (True, 0) if value in ("", None) else (False, value)

    return sorted(items, key=order, reverse=chosen.descending)


def headers(
    columns: Sequence[Column[Any]],
    chosen: Sorting,
    query: Mapping[str, str] | Iterable[tuple[str, str]],
) -> list[dict[str, Any]]:
    """Each header's text, its aria-sort (only on the sorted column), and the link that sorts
    by it (ascending first, then the other way); the other parameters kept (a repeated one,
    such as `type`, as pairs), back to the first page."""
    pairs = [
        (k, v)
        for k, v in (query.items() if isinstance(query, Mapping) else query)
        if k not in ("sort", "order", "page")
    ]
    shown = []
    for column in columns:
        current = column.key == chosen.key
        descending = current and not chosen.descending
        href = "?" + urlencode(
            [*pairs, ("sort", column.key), ("order", "desc" if descending else "asc")]
        )
        aria = ("descending" if chosen.descending else "ascending") if current else None
        shown.append(
            {
                "key": column.key,
                "text": column.header,
                "aria_sort": aria,
                "href": href,
                "number": column.number,
            }
        )
    return shown


def workbook(title: str, columns: Sequence[Column[T]], items: Sequence[T]) -> bytes:
    """The rows as one sheet: bold Chinese headers, frozen and filterable; numbers stay numbers,
    text that a spreadsheet would run as a formula is neutralised."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([c.header for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for item in items:
        sheet.append([safe_cell(c.value(item)) for c in columns])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_download(data: bytes, filename: str) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }
    return Response(data, media_type=XLSX, headers=headers)
