"""Spreadsheets (CSV or .xlsx, Chinese or English headers) → validated records.

An import is all-or-nothing: every problem is collected with its file, row and column, and
raised together as one `InputError`; no partial list is ever returned.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, iterparse

import pandas as pd

from .errors import InputError, InputIssue
from .schema import (
    LIST_SEPARATORS,
    NEED,
    REGION,
    RESOURCE_TYPE,
    STAGE,
    TRACK,
    Project,
    Resource,
    Vocabulary,
)
from .text.fold import fold_key

log = logging.getLogger(__name__)

# Canonical key -> accepted headers (English key first, then Chinese spellings).
PROJECT_COLUMNS: dict[str, tuple[str, ...]] = {
    "project_id": ("project_id", "项目编号", "项目id", "编号"),
    "title": ("title", "项目名称", "名称"),
    "description": ("description", "项目简介", "简介"),
    "track": ("track", "赛道"),
    "stage": ("stage", "阶段", "项目阶段"),
    "needs": ("needs", "需求", "项目需求"),
    "region": ("region", "地区"),
    "institution": ("institution", "申报单位", "单位"),
}
RESOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "resource_id": ("resource_id", "资源方编号", "资源编号", "编号"),
    "name": ("name", "名称", "资源方名称"),
    "type": ("type", "类型", "资源类型"),
    "description": ("description", "简介", "能力描述", "简介/能力描述"),
    "offers": ("offers", "可提供资源", "提供资源"),
    "tracks": ("tracks", "服务赛道"),
    "stages": ("stages", "服务阶段"),
    "region": ("region", "地区"),
    "capacity": ("capacity", "接洽名额", "名额"),
}
QRELS_COLUMNS: dict[str, tuple[str, ...]] = {
    "project_id": ("project_id", "项目编号"),
    "resource_id": ("resource_id", "资源方编号"),
    "grade": ("grade", "评分", "相关度"),
}
MAX_TEXT = 5000  # characters in one cell; longer text is a pasting accident
MAX_SHOWN = 40  # characters of a bad cell repeated in its message
MAX_UNZIPPED = 256 * 1024 * 1024  # an .xlsx's parts expanded; more is a zip bomb, not a sheet
MAX_COLUMNS = 200
DEFAULT_CAPACITY = 8
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CELL_COLUMN = re.compile(r"[A-Z]+")


@dataclass
class _Table:
    """A sheet with its columns mapped to canonical keys, and the header each came from."""

    path: Path
    rows: list[dict[str, str]]
    headers: dict[str, str]  # canonical key -> header as written in the file
    issues: list[InputIssue]  # problems with the header row (missing or duplicate columns)


def read_projects(
    path: str | Path, max_rows: int | None = None, max_unzipped: int = MAX_UNZIPPED
) -> list[Project]:
    """Read and validate a projects sheet; raises `InputError` listing every problem.

    A sheet over `max_rows` data rows, or an .xlsx expanding past `max_unzipped` bytes, is
    refused before it is parsed."""
    table = _read_table(
        path,
        PROJECT_COLUMNS,
        ("project_id", "title", "track", "stage"),
        max_rows,
        max_unzipped,
    )
    checker = _Checker(table)
    projects: list[Project] = []
    for line, row in enumerate(table.rows, start=2):
        project = Project(
            project_id=checker.identifier(line, row, "project_id"),
            title=checker.text(line, row, "title", required=True),
            description=checker.text(line, row, "description"),
            track=checker.one(line, row, "track", TRACK, required=True),
            stage=checker.one(line, row, "stage", STAGE, required=True),
            needs=checker.many(line, row, "needs", NEED),
            region=checker.one(line, row, "region", REGION),
            institution=checker.text(line, row, "institution"),
        )
        projects.append(project)
    checker.raise_if_any()
    log.info("read %d projects from %s", len(projects), table.path)
    return projects


def read_resources(
    path: str | Path, max_rows: int | None = None, max_unzipped: int = MAX_UNZIPPED
) -> list[Resource]:
    """Read and validate a resources sheet; raises `InputError` listing every problem (caps as
    in `read_projects`)."""
    table = _read_table(
        path, RESOURCE_COLUMNS, ("resource_id", "name", "type"), max_rows, max_unzipped
    )
    checker = _Checker(table)
    resources: list[Resource] = []
    for line, row in enumerate(table.rows, start=2):
        resource = Resource(
            resource_id=checker.identifier(line, row, "resource_id"),
            name=checker.text(line, row, "name", required=True),
            type=checker.one(line, row, "type", RESOURCE_TYPE, required=True),
            description=checker.text(line, row, "description"),
            offers=checker.many(line, row, "offers", NEED),
            tracks=checker.many(line, row, "tracks", TRACK),
            stages=checker.many(line, row, "stages", STAGE),
            region=checker.one(line, row, "region", REGION),
            capacity=checker.count(line, row, "capacity", default=DEFAULT_CAPACITY),
        )
        resources.append(resource)
    checker.raise_if_any()
    log.info("read %d resources from %s", len(resources), table.path)
    return resources


def read_qrels(
    path: str | Path,
    project_ids: Iterable[str] | None = None,
    resource_ids: Iterable[str] | None = None,
    max_rows: int | None = None,
    max_unzipped: int = MAX_UNZIPPED,
) -> dict[str, dict[str, int]]:
    """Graded judgments {project_id: {resource_id: grade 0–3}}; unknown ids are errors. Sheets
    over the limits are refused before they are parsed (as in `read_projects`)."""
    table = _read_table(
        path, QRELS_COLUMNS, ("project_id", "resource_id", "grade"), max_rows, max_unzipped
    )
    known = {
        "project_id": set(project_ids) if project_ids is not None else None,
        "resource_id": set(resource_ids) if resource_ids is not None else None,
    }
    checker = _Checker(table)
    qrels: dict[str, dict[str, int]] = {}
    for line, row in enumerate(table.rows, start=2):
        ids = {}
        for key in ("project_id", "resource_id"):
            value = checker.text(line, row, key, required=True)
            allowed = known[key]
            if value and allowed is not None and value not in allowed:
                checker.add(line, key, f"未知编号 unknown id {_shown(value)}")
            ids[key] = value
        grade = checker.count(line, row, "grade", default=None, maximum=3)
        qrels.setdefault(ids["project_id"], {})[ids["resource_id"]] = grade
    checker.raise_if_any()
    return qrels


def _read_table(
    path: str | Path,
    columns: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    max_rows: int | None = None,
    max_unzipped: int = MAX_UNZIPPED,
) -> _Table:
    path = Path(path)
    frame, encoding = _read_frame(path, max_rows, max_unzipped)
    headers: dict[str, str] = {}
    issues: list[InputIssue] = []
    for header in frame.columns:
        key = _canonical(str(header), columns)
        if key is None:
            log.info("%s: ignoring column %r", path.name, header)
        elif key in headers:
            message = f"重复的列 duplicate column for {column_label(key, columns)} ({key})"
            issues.append(InputIssue(str(path), 1, str(header), message))
        else:
            headers[key] = str(header)
    missing = [key for key in required if key not in headers]
    if missing and not headers and encoding not in (None, "utf-8-sig"):  # no header of ours
        raise InputError([InputIssue(str(path), None, None, _encoding_message(path, columns))])
    issues += [  # the cells of the columns present are still checked: one pass shows all
        InputIssue(
            str(path),
            1,
            column_label(key, columns),
            f"缺少必需的列 missing required column {key}; "
            f"accepted headers: {' / '.join(_chinese_first(columns[key]))}",
        )
        for key in missing
    ]
    rows = [
        {key: _clean(record[header]) for key, header in headers.items()}
        for record in frame.to_dict("records")
    ]
    return _Table(path, rows, headers, issues)


def column_label(key: str, columns: dict[str, tuple[str, ...]]) -> str:
    """A column as people name it: its first Chinese header (赛道 for track)."""
    return _chinese_first(columns[key])[0]


def _chinese_first(spellings: tuple[str, ...]) -> list[str]:
    return [*spellings[1:], spellings[0]] if len(spellings) > 1 else list(spellings)


def _read_frame(
    path: Path, max_rows: int | None, max_unzipped: int
) -> tuple[pd.DataFrame, str | None]:
    """The sheet as text cells, and the encoding a CSV was read with (None for .xlsx)."""
    where = str(path)
    if not path.is_file():
        raise InputError([InputIssue(where, None, None, "文件不存在 file not found")])
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            check_workbook(path, max_rows, max_unzipped)
            with open(path, "rb") as handle:  # openpyxl leaves a path it opened itself unclosed
                frame = pd.read_excel(handle, dtype=str, keep_default_na=False, engine="openpyxl")
            return _capped(frame, where, max_rows), None
        if suffix in (".csv", ".txt", ".tsv"):
            sep = "\t" if suffix == ".tsv" else ","
            nrows = None if max_rows is None else max_rows + 1  # one more tells "too many"
            for encoding in ("utf-8-sig", "gb18030"):  # Excel in China often saves GBK
                try:
                    frame = pd.read_csv(
                        path,
                        dtype=str,
                        keep_default_na=False,
                        sep=sep,
                        encoding=encoding,
                        nrows=nrows,
                    )
                    return _capped(frame, where, max_rows), encoding
                except UnicodeDecodeError:
                    continue
            raise InputError(
                [InputIssue(where, None, None, "无法识别的编码 not UTF-8 or GB18030 text")]
            )
    except InputError:
        raise
    except Exception as exc:  # pandas/openpyxl raise many types for unreadable files
        raise InputError(
            [InputIssue(where, None, None, f"无法读取 unreadable file: {exc}")]
        ) from exc
    raise InputError(
        [
            InputIssue(
                where,
                None,
                None,
                f"不支持的文件类型 unsupported file type {suffix!r}; use .csv or .xlsx",
            )
        ]
    )


def _too_many_rows(where: str, max_rows: int) -> InputError:
    message = f"行数过多 more than {max_rows} rows; split the sheet into smaller files"
    return InputError([InputIssue(where, None, None, message)])


def _capped(frame: pd.DataFrame, where: str, max_rows: int | None) -> pd.DataFrame:
    if max_rows is not None and len(frame) > max_rows:
        raise _too_many_rows(where, max_rows)
    return frame


def check_workbook(
    path: Path | IO[bytes], max_rows: int | None, max_unzipped: int = MAX_UNZIPPED
) -> None:
    """Refuse an .xlsx that would expand past `max_unzipped` bytes, or whose sheets hold more
    than `max_rows` data rows or `MAX_COLUMNS` columns, before openpyxl expands any of it.

    zipfile never reads past an entry's declared size, so summing those sizes bounds what
    openpyxl can inflate; rows are counted by streaming each sheet's XML, stopping early."""
    where = str(path) if isinstance(path, Path) else "workbook"
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if sum(e.file_size for e in entries) > max_unzipped:
                message = f"文件解压后过大 the workbook expands to more than {max_unzipped} bytes"
                raise InputError([InputIssue(where, None, None, message)])
            for entry in entries:
                if not entry.filename.startswith("xl/worksheets/"):
                    continue
                if not entry.filename.endswith(".xml"):
                    continue
                with archive.open(entry) as sheet:
                    _check_sheet(iterparse(sheet, events=("end",)), where, max_rows)
    except (zipfile.BadZipFile, OSError, SyntaxError) as exc:  # ParseError is a SyntaxError
        message = f"无法读取 unreadable file: {exc}"
        raise InputError([InputIssue(where, None, None, message)]) from exc


def _check_sheet(events: Iterable[tuple[str, Element]], where: str, max_rows: int | None) -> None:
    rows = 0
    for _, element in events:
        if element.tag.endswith("}row"):
            rows += 1
            number = int(element.get("r") or rows)
            if max_rows is not None and max(rows, number) > max_rows + 1:  # + the header row
                raise _too_many_rows(where, max_rows)
        elif element.tag.endswith("}c"):
            found = _CELL_COLUMN.match(element.get("r") or "")
            if found and _column_number(found.group()) > MAX_COLUMNS:
                message = f"列数过多 more than {MAX_COLUMNS} columns"
                raise InputError([InputIssue(where, None, None, message)])
        element.clear()


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


_BIG5_HINTS = ("項目", "編號", "名稱", "類型", "階段", "賽道", "地區", "簡介")  # our headers, 繁體


def _encoding_message(path: Path, columns: dict[str, tuple[str, ...]]) -> str:
    """Why a non-UTF-8 CSV shows none of the expected headers: most likely its encoding."""
    with open(path, "rb") as handle:
        header = handle.readline(4096).decode("big5", errors="replace")
    if any(hint in header for hint in _BIG5_HINTS):
        guess = "it looks like Big5 (繁體)"
    else:
        guess = "read as GB18030/GBK none of its headers is one we know"
    names = " / ".join(spellings[0] for spellings in columns.values())
    return (
        f"无法识别的编码 the file is not UTF-8 and {guess}: save it as 'CSV UTF-8' "
        f"(Excel: 另存为 → CSV UTF-8) with the headers {names} or their Chinese spellings"
    )


def _canonical(header: str, columns: dict[str, tuple[str, ...]]) -> str | None:
    folded = fold_key(header)
    for key, spellings in columns.items():
        if folded in (fold_key(s) for s in spellings):
            return key
    return None


def _clean(value: object) -> str:
    return ("" if value is None else str(value)).strip()


def _shown(value: str) -> str:
    """A bad cell as its message repeats it: quoted, and cut short."""
    return repr(value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…")


class _Checker:
    """Parses cells of one table, collecting issues instead of stopping at the first."""

    def __init__(self, table: _Table) -> None:
        self.table = table
        self.issues: list[InputIssue] = list(table.issues)
        self.seen_ids: dict[str, int] = {}
        for line, row in enumerate(table.rows, start=2):
            for key, value in row.items():
                if _CONTROL.search(value):  # as the JSON API: refused, never silently dropped
                    self.add(line, key, "控制字符 control characters (such as NUL) are not allowed")

    def add(self, line: int, key: str, message: str) -> None:
        if key not in self.table.headers:  # a missing column is reported once, not per row
            return
        column = self.table.headers[key]
        self.issues.append(InputIssue(str(self.table.path), line, column, message))

    def raise_if_any(self) -> None:
        if not self.table.rows:
            self.issues.append(
                InputIssue(str(self.table.path), None, None, "没有数据行 no data rows")
            )
        if self.issues:
            raise InputError(self.issues)

    def text(self, line: int, row: dict[str, str], key: str, required: bool = False) -> str:
        value = row.get(key, "")
        if required and not value:
            self.add(line, key, "不能为空 must not be empty")
        if len(value) > MAX_TEXT:
            self.add(line, key, f"文本过长 text longer than {MAX_TEXT} characters")
        return value

    def identifier(self, line: int, row: dict[str, str], key: str) -> str:
        value = self.text(line, row, key, required=True)
        if value in self.seen_ids:
            self.add(
                line,
                key,
                f"编号重复 duplicate id {_shown(value)} (first on row {self.seen_ids[value]})",
            )
        elif value:
            self.seen_ids[value] = line
        return value

    def one(
        self, line: int, row: dict[str, str], key: str, vocab: Vocabulary, required: bool = False
    ) -> str:
        value = row.get(key, "")
        if not value:
            if required:
                self.add(line, key, f"不能为空 must not be empty; allowed: {vocab.allowed()}")
            return ""
        parsed = vocab.parse(value)
        if parsed is None:
            self.add(
                line, key, f"无效取值 invalid value {_shown(value)}; allowed: {vocab.allowed()}"
            )
            return ""
        return parsed

    def many(self, line: int, row: dict[str, str], key: str, vocab: Vocabulary) -> tuple[str, ...]:
        keys: list[str] = []
        for part in split_list(row.get(key, "")):
            parsed = vocab.parse(part)
            if parsed is None:
                message = f"无效取值 invalid value {_shown(part)}; allowed: {vocab.allowed()}"
                self.add(line, key, message)
            elif parsed not in keys:
                keys.append(parsed)
        return tuple(keys)

    def count(
        self,
        line: int,
        row: dict[str, str],
        key: str,
        default: int | None,
        maximum: int | None = None,
    ) -> int:
        value = row.get(key, "")
        if not value:
            if default is None:
                self.add(line, key, "不能为空 must not be empty")
                return 0
            return default
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        bound = f" between 0 and {maximum}" if maximum is not None else " ≥ 0"
        if not number.is_integer() or number < 0 or (maximum is not None and number > maximum):
            self.add(line, key, f"应为整数 expected a whole number{bound}, got {_shown(value)}")
            return 0
        return int(number)


def split_list(cell: str) -> list[str]:
    """Items of a list cell: `;` `；` `、` `,` all separate."""
    return [part.strip() for part in LIST_SEPARATORS.split(cell) if part.strip()]
