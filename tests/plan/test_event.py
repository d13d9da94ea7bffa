from pathlib import Path

import pytest
from openpyxl import Workbook

from matcher.errors import InputError
from matcher.plan import Event, load_event, make_slots, read_wishes

EXAMPLE = """\
name: 天津中医药大学复赛
slots: {start: "14:00", end: "15:00", minutes: 15}
tables: [A1, A2]
meetings_per_project: {min: 1, max: 3, extra_min_grade: 1.5}
capacity: {R1: 2}
availability:
  R1: ["14:00-14:30"]
  R2: [3, "14:30-14:45"]
projects: [P1, P2]
pins: [[P1, R1]]
blocks: [[P2, R1]]
wishes: [[P1, R2, 想见], [R2, P2, 不考虑]]
wishes_file: wishes.csv
"""


def test_make_slots_covers_the_afternoon_in_quarters():
    slots = make_slots("14:00", "17:00", 15)
    assert len(slots) == 12
    assert slots[0] == "14:00-14:15" and slots[-1] == "16:45-17:00"


def test_load_event_reads_every_key(tmp_path: Path):
    (tmp_path / "wishes.csv").write_text("from_id,to_id,wish\nR1,P1,want\n", encoding="utf-8-sig")
    path = tmp_path / "event.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    event = load_event(path)
    assert event.slots == ["14:00-14:15", "14:15-14:30", "14:30-14:45", "14:45-15:00"]
    assert event.table_names(5) == ["A1", "A2"]
    assert (event.min_meetings, event.max_meetings, event.extra_min_grade) == (1, 3, 1.5)
    assert event.capacity == {"R1": 2}
    assert event.available_slots("R1") == [0, 1]
    assert event.available_slots("R2") == [2, 3]
    assert event.available_slots("P1") == [0, 1, 2, 3]
    assert event.pins == [("P1", "R1")] and event.blocks == [("P2", "R1")]
    assert event.wishes == [("P1", "R2", "want"), ("R2", "P2", "no"), ("R1", "P1", "want")]


def test_default_tables_are_one_per_provider():
    assert Event().table_names(3) == ["1号桌", "2号桌", "3号桌"]


@pytest.mark.parametrize(
    "text, column",
    [
        ("slots: {start: '15:00', end: '14:00'}", "slots"),
        ("meetings_per_project: {min: x}", "meetings_per_project"),
        ("colour: red", "colour"),
        ("pins: [[P1]]", "pins"),
    ],
)
def test_load_event_reports_bad_keys(tmp_path: Path, text: str, column: str):
    path = tmp_path / "event.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_event(path)
    assert caught.value.issues[0].column == column


def test_read_wishes_from_xlsx_with_chinese_words(tmp_path: Path):
    book = Workbook()
    book.active.append(["from_id", "to_id", "wish"])
    book.active.append(["P1", "R1", "想见"])
    book.active.append(["R2", "P1", "不考虑"])
    book.save(tmp_path / "w.xlsx")
    assert read_wishes(tmp_path / "w.xlsx") == [("P1", "R1", "want"), ("R2", "P1", "no")]


def test_read_wishes_reports_each_bad_row(tmp_path: Path):
    path = tmp_path / "w.csv"
    path.write_text("from_id,to_id,wish\nP1,R1,maybe\n,R2,want\nP3,R3,no\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_wishes(path)
    where = [(i.row, i.column) for i in caught.value.issues]
    assert where == [(2, "wish"), (3, "from_id")]


def test_read_wishes_missing_column(tmp_path: Path):
    path = tmp_path / "w.csv"
    path.write_text("from_id,to_id\nP1,R1\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_wishes(path)
    assert caught.value.issues[0].column == "wish"


def test_the_files_and_the_apis_spellings_read_into_the_same_event():
    as_file = {
        "name": "复赛",
        "slots": {"start": "09:00", "end": "10:00", "minutes": 20},
        "meetings_per_project": {"min": 2, "max": 3, "extra_min_grade": 0},
        "pins": [["P1", "R1"]],
    }
    as_api = {
        "name": "复赛",
        "slots": None,
        "start": "09:00",
        "end": "10:00",
        "minutes": 20,
        "min_meetings": 2,
        "max_meetings": 3,
        "extra_min_grade": 0,
        "pins": [["P1", "R1"]],
        "wishes": [],
    }
    assert Event.from_mapping(as_file) == Event.from_mapping(as_api)
    assert Event.from_mapping(as_api).slots == ["09:00-09:20", "09:20-09:40", "09:40-10:00"]


def test_an_empty_mapping_is_the_default_event():
    assert Event.from_mapping({}) == Event()
    assert Event().slots == make_slots() and len(Event().slots) == 12


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"colour": "red"}, "colour"),
        ({"tables": 3.5}, "tables"),
        ({"pins": [["P1"]]}, "pins"),
        ({"wishes": [["P1", "R1", "maybe"]]}, "wishes"),
        ({"min_meetings": "many"}, "min_meetings"),
        ({"extra_min_grade": 4}, "extra_min_grade"),
        ({"meetings_per_project": {"extra_min_grade": "high"}}, "meetings_per_project"),
        ({"slots": "afternoon"}, "slots"),
        ({"wishes_file": "/etc/passwd"}, "wishes_file"),  # only an event file may name one
    ],
)
def test_every_way_in_names_the_key_at_fault(data, key):
    with pytest.raises(InputError) as info:
        Event.from_mapping(data, "body")
    assert [(i.file, i.column) for i in info.value.issues] == [("body", key)]


def test_conflict_of_interest_lives_on_the_event_alone():
    from matcher.plan import PlanSettings

    assert "conflict_of_interest" not in PlanSettings().to_dict()
    # plans stored before still load their settings
    assert PlanSettings.from_dict({"conflict_of_interest": False, "top_k": 7}).top_k == 7
