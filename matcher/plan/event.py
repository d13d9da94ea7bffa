"""An event as organisers describe it: who attends, slots, tables, capacities, pins, blocks, wishes.

One mapping format, read by `Event.from_mapping` for every way in: the YAML file (`load_event`),
the API's body and the web form (service.schemas.EventCreate) and the stored spec of an event.
Every key is optional; ids are project_id / resource_id::

    name: 天津中医药大学复赛
    slots: {start: "14:00", end: "17:00", minutes: 15}   # or a list of labels
    tables: 30                    # or a list of names [A1, A2]; omit: one table per provider
    meetings_per_project: {min: 2, max: 4, extra_min_grade: 1}
                                  # beyond min, only meetings expected to grade >= this (0-3)
    capacity: {R007: 6}           # overrides Resource.capacity for this event
    availability:                 # per provider (or project): slot labels, indices or windows
      R003: ["14:00-15:30"]
      R009: [0, 1, 2, "16:00-16:15"]
    projects: [P001, P002]        # attending; omit for all
    resources: [R001, R003]       # attending; omit for all
    pins: [[P001, R003]]          # must meet
    blocks: [[P002, R003]]        # must not meet
    wishes: [[P001, R003, 想见], [R009, P002, 不考虑]]
    wishes_file: wishes.xlsx      # columns from_id,to_id,wish; relative to this file
    conflict_of_interest: true    # block project/provider of the same institution

Two spellings are accepted where the API has always used flat keys: ``start``/``end``/
``minutes`` for ``slots: {start, end, minutes}``, and ``min_meetings``/``max_meetings``/
``extra_min_grade`` for ``meetings_per_project``. ``wishes_file`` is read only from a file
(``load_event``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from matcher.errors import InputError, InputIssue

DEFAULT_START, DEFAULT_END, DEFAULT_MINUTES = "14:00", "17:00", 15  # slots of the afternoon
DEFAULT_MIN_MEETINGS, DEFAULT_MAX_MEETINGS = 1, 4
DEFAULT_EXTRA_MIN_GRADE = 1.0
WISH_WORDS = {"想见": "want", "want": "want", "不考虑": "no", "no": "no"}
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_WINDOW = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–~至]\s*(\d{1,2}:\d{2})\s*$")


def _minutes(text: str) -> int:
    match = _TIME.match(text)
    if not match:
        raise ValueError(f"not a time HH:MM: {text!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def make_slots(
    start: str = DEFAULT_START, end: str = DEFAULT_END, minutes: int = DEFAULT_MINUTES
) -> list[str]:
    """Slot labels like "14:00-14:15" covering [start, end) in steps of `minutes`."""
    begin, stop = _minutes(start), _minutes(end)
    if minutes <= 0 or stop <= begin:
        raise ValueError("slots need end after start and a positive length")
    return [
        _clock(t) + "-" + _clock(t + minutes) for t in range(begin, stop - minutes + 1, minutes)
    ]


def slots_from(count: int, start: str = DEFAULT_START, minutes: int = DEFAULT_MINUTES) -> list[str]:
    """`count` consecutive slots of `minutes` from `start`."""
    return make_slots(start, _clock(_minutes(start) + minutes * count), minutes)


@dataclass
class Event:
    """One semifinal event. `None` for `projects`/`resources` means everyone in the scores."""

    name: str = ""
    slots: list[str] = field(default_factory=make_slots)
    tables: int | list[str] | None = None  # None: one table per attending provider
    min_meetings: int = DEFAULT_MIN_MEETINGS
    max_meetings: int = DEFAULT_MAX_MEETINGS
    extra_min_grade: float = DEFAULT_EXTRA_MIN_GRADE
    capacity: dict[str, int] = field(default_factory=dict)
    availability: dict[str, list[int | str]] = field(default_factory=dict)
    projects: list[str] | None = None
    resources: list[str] | None = None
    pins: list[tuple[str, str]] = field(default_factory=list)
    blocks: list[tuple[str, str]] = field(default_factory=list)
    wishes: list[tuple[str, str, str]] = field(default_factory=list)
    conflict_of_interest: bool = True

    def __post_init__(self) -> None:
        if self.min_meetings < 0 or self.max_meetings < self.min_meetings:
            raise ValueError("meetings per project need 0 <= min <= max")
        _check_bar(self.extra_min_grade)
        self.pins = [(str(p), str(r)) for p, r in self.pins]
        self.blocks = [(str(p), str(r)) for p, r in self.blocks]
        self.wishes = [(str(a), str(b), parse_wish(str(w))) for a, b, w in self.wishes]

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], source: str = "event", folder: Path | None = None
    ) -> Event:
        """The event a mapping describes (format in this module's docstring).

        `source` names it in errors; `folder` is where a file's `wishes_file` is found (None:
        not allowed). Raises InputError naming every key at fault.
        """
        return _from_mapping(data, source, folder)

    def restricted_to(self, known: set[str]) -> tuple[Event, list[str]]:
        """This event without the ids `known` lacks (records deleted since it was set up), and a
        Chinese line per kind of thing dropped (empty when nothing was)."""
        dropped: dict[str, int] = {}

        def keep(items: list, kind: str, ids) -> list:
            kept = [x for x in items if all(i in known for i in ids(x))]
            if len(kept) < len(items):
                dropped[kind] = len(items) - len(kept)
            return kept

        event = replace(
            self,
            projects=None
            if self.projects is None
            else keep(self.projects, "参会项目", lambda x: [x]),
            resources=None
            if self.resources is None
            else keep(self.resources, "参会资源方", lambda x: [x]),
            pins=keep(self.pins, "必见", lambda x: x),
            blocks=keep(self.blocks, "屏蔽", lambda x: x),
            wishes=keep(self.wishes, "意愿", lambda x: x[:2]),
            capacity={k: v for k, v in self.capacity.items() if k in known},
            availability={k: v for k, v in self.availability.items() if k in known},
        )
        notes = [f"已忽略指向已删除记录的{kind} {n} 条" for kind, n in dropped.items()]
        return event, notes

    def table_names(self, n_providers: int) -> list[str]:
        """Table names; one per provider when the event does not say."""
        if self.tables is None:
            return [f"{i + 1}号桌" for i in range(n_providers)]
        if isinstance(self.tables, int):
            return [f"{i + 1}号桌" for i in range(self.tables)]
        return [str(t) for t in self.tables]

    def available_slots(self, who: str) -> list[int]:
        """Slot indices in which a project or provider can meet (all when not stated)."""
        if who not in self.availability:
            return list(range(len(self.slots)))
        found: set[int] = set()
        for entry in self.availability[who]:
            found.update(self._slot_indices(entry))
        return sorted(found)

    def _slot_indices(self, entry: int | str) -> list[int]:
        if isinstance(entry, int):
            if not 0 <= entry < len(self.slots):
                raise ValueError(f"slot index {entry} outside 0..{len(self.slots) - 1}")
            return [entry]
        if entry in self.slots:
            return [self.slots.index(entry)]
        window = _WINDOW.match(entry)
        if not window:
            raise ValueError(f"not a slot label, index or HH:MM-HH:MM window: {entry!r}")
        lo, hi = _minutes(window.group(1)), _minutes(window.group(2))
        inside = []
        for i, label in enumerate(self.slots):
            start, end = (_minutes(t) for t in label.split("-"))
            if lo <= start and end <= hi:
                inside.append(i)
        return inside

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["pins"] = [list(x) for x in self.pins]
        data["blocks"] = [list(x) for x in self.blocks]
        data["wishes"] = [list(x) for x in self.wishes]
        return data


def parse_wish(value: str) -> str:
    """'want' or 'no' for 想见/want/不考虑/no; ValueError otherwise."""
    key = WISH_WORDS.get(value.strip().lower())
    if key is None:
        raise ValueError(f"wish must be 想见/want or 不考虑/no, got {value!r}")
    return key


def _pairs(value: Any, width: int) -> list[tuple[str, ...]]:
    if value is None:
        return []
    if not isinstance(value, list) or any(
        not isinstance(x, list | tuple) or len(x) != width for x in value
    ):
        raise ValueError(f"expected a list of [{', '.join(['id'] * width)}] lists")
    return [tuple(str(v) for v in x) for x in value]


def load_event(path: str | Path) -> Event:
    """Read an event YAML file (format in this module's docstring); InputError if malformed."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError([InputIssue(str(path), None, None, f"cannot read YAML: {exc}")]) from exc
    return Event.from_mapping(data, str(path), path.parent)


def _slots(data: Mapping[str, Any]) -> list[str]:
    value = data.get("slots")
    if isinstance(value, list | tuple) and value:
        return [str(x) for x in value]
    if value is not None and not isinstance(value, Mapping | list | tuple):
        raise ValueError("slots: a list of labels or {start, end, minutes}")
    window = value if isinstance(value, Mapping) else data  # the API's flat start/end/minutes
    return make_slots(
        str(window.get("start") or DEFAULT_START),
        str(window.get("end") or DEFAULT_END),
        int(window.get("minutes") or DEFAULT_MINUTES),
    )


def _meetings(data: Mapping[str, Any]) -> dict[str, Any]:
    value = data.get("meetings_per_project")
    counts = value if isinstance(value, Mapping) else {}
    if value is not None and not isinstance(value, Mapping):
        raise ValueError("meetings_per_project: {min, max, extra_min_grade}")
    low = counts.get("min", data.get("min_meetings", DEFAULT_MIN_MEETINGS))
    high = counts.get("max", data.get("max_meetings", DEFAULT_MAX_MEETINGS))
    grade = float(
        counts.get("extra_min_grade", data.get("extra_min_grade", DEFAULT_EXTRA_MIN_GRADE))
    )
    _check_bar(grade)  # here too, so the error names the key
    return {"min_meetings": int(low), "max_meetings": int(high), "extra_min_grade": grade}


def _check_bar(grade: float) -> None:
    if not 0 <= grade <= 3:
        raise ValueError("extra_min_grade is an expected grade in 0..3")


def _tables(value: Any) -> int | list[str] | None:
    if value is None or isinstance(value, int):
        return value
    return [str(x) for x in value]


def _ids(value: Any) -> list[str] | None:
    return None if value is None else [str(x) for x in value]


def _availability(value: Any) -> dict[str, list[int | str]]:
    return {str(k): [x if isinstance(x, int) else str(x) for x in v] for k, v in value.items()}


# key → (the keys it is read with, how); one reader per Event field
_READERS: dict[str, tuple[tuple[str, ...], Any]] = {
    "name": (("name",), lambda d: str(d["name"])),
    "slots": (("slots", "start", "end", "minutes"), _slots),
    "tables": (("tables",), lambda d: _tables(d["tables"])),
    "meetings": (
        ("meetings_per_project", "min_meetings", "max_meetings", "extra_min_grade"),
        _meetings,
    ),
    "capacity": (("capacity",), lambda d: {str(k): int(c) for k, c in d["capacity"].items()}),
    "availability": (("availability",), lambda d: _availability(d["availability"])),
    "projects": (("projects",), lambda d: _ids(d["projects"])),
    "resources": (("resources",), lambda d: _ids(d["resources"])),
    "pins": (("pins",), lambda d: _pairs(d["pins"], 2)),
    "blocks": (("blocks",), lambda d: _pairs(d["blocks"], 2)),
    "wishes": (
        ("wishes",),
        lambda d: [(a, b, parse_wish(w)) for a, b, w in _pairs(d["wishes"], 3)],
    ),
    "conflict_of_interest": (("conflict_of_interest",), lambda d: bool(d["conflict_of_interest"])),
}
KEYS = frozenset(k for keys, _ in _READERS.values() for k in keys) | {"wishes_file"}


def _from_mapping(data: Mapping[str, Any], name: str, folder: Path | None) -> Event:
    if not isinstance(data, Mapping):
        raise InputError([InputIssue(name, None, None, "the top level must be a mapping")])
    issues = [InputIssue(name, None, str(k), "unknown key") for k in data if k not in KEYS]
    kwargs: dict[str, Any] = {}
    for field_name, (keys, read) in _READERS.items():
        present = [k for k in keys if k in data]
        if not present:
            continue
        try:
            value = read(data)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            issues.append(InputIssue(name, None, present[0], str(exc)))
            continue
        kwargs.update(value if field_name == "meetings" else {field_name: value})
    if "wishes_file" in data:
        if folder is None:
            issues.append(InputIssue(name, None, "wishes_file", "only an event file may name one"))
        else:
            try:
                extra = read_wishes(folder / str(data["wishes_file"]))
            except InputError as exc:
                issues += exc.issues
            else:
                kwargs["wishes"] = kwargs.get("wishes", []) + extra
    if issues:
        raise InputError(issues)
    try:
        event = Event(**kwargs)
    except ValueError as exc:
        raise InputError([InputIssue(name, None, None, str(exc))]) from exc
    for who in event.availability:  # every problem at once: slots that do not exist or none
        try:
            if not event.available_slots(who):
                issues.append(
                    InputIssue(
                        name,
                        None,
                        "availability",
                        f"{who} 的可参会时间不在活动时段内 availability of {who} names no slot "
                        f"of the event ({event.slots[0].split('-')[0]}–"
                        f"{event.slots[-1].split('-')[-1]})",
                    )
                )
        except ValueError as exc:
            issues.append(InputIssue(name, None, "availability", f"{who}: {exc}"))
    if issues:
        raise InputError(issues)
    return event


_WISH_HEADERS = {
    "from_id": ("from_id", "发起方", "发起方编号"),
    "to_id": ("to_id", "对象", "对象编号"),
    "wish": ("wish", "意愿"),
}


def _rows(path: Path) -> list[list[str]]:
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
        book.close()
        return rows
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [row for row in csv.reader(handle)]


def read_wishes(path: str | Path) -> list[tuple[str, str, str]]:
    """Wishes from a CSV/xlsx with columns from_id,to_id,wish (wish 想见/want or 不考虑/no)."""
    path = Path(path)
    name = str(path)
    try:
        rows = _rows(path)
    except (OSError, ValueError, KeyError) as exc:
        raise InputError([InputIssue(name, None, None, f"cannot read file: {exc}")]) from exc
    if not rows:
        raise InputError([InputIssue(name, None, None, "empty file")])
    header = [h.strip() for h in rows[0]]
    columns: dict[str, int] = {}
    issues = []
    for key, spellings in _WISH_HEADERS.items():
        hits = [i for i, h in enumerate(header) if h.lower() in spellings]
        if hits:
            columns[key] = hits[0]
        else:
            issues.append(InputIssue(name, 1, key, f"missing column {key}"))
    if issues:
        raise InputError(issues)
    wishes = []
    for number, row in enumerate(rows[1:], start=2):
        cells = {k: (row[i].strip() if i < len(row) else "") for k, i in columns.items()}
        if not any(cells.values()):
            continue
        row_issues = [
            InputIssue(name, number, k, "empty") for k in ("from_id", "to_id") if not cells[k]
        ]
        try:
            wish = parse_wish(cells["wish"])
        except ValueError as exc:
            row_issues.append(InputIssue(name, number, "wish", str(exc)))
        issues += row_issues
        if not row_issues:
            wishes.append((cells["from_id"], cells["to_id"], wish))
    if issues:
        raise InputError(issues)
    return wishes
