"""The capacity check before planning names the binding limit first."""

from __future__ import annotations

from matcher.plan import Event, check_capacity, slots_from


def test_too_few_tables_is_the_first_thing_said():
    event = Event(slots=slots_from(4), tables=3, min_meetings=2, max_meetings=3)
    check = check_capacity(event, [f"P{i}" for i in range(10)], {f"R{j}": 8 for j in range(5)})
    assert (check.demand, check.room, check.supply) == (20, 12, 20)
    assert not check.ok
    assert check.lines()[0].startswith("时段×桌数最多容纳 12 场，少于最少需求 20 场")


def test_availability_and_capacity_overrides_count():
    event = Event(
        slots=slots_from(4),
        min_meetings=1,
        max_meetings=2,
        capacity={"R1": 1},
        availability={"R2": [0]},
        projects=["P1", "P2", "P3"],
    )
    check = check_capacity(event, ["P1", "P2", "P3", "P4"], {"R1": 8, "R2": 8})
    assert check.projects == 3 and check.supply == 1 + 1  # R1 overridden, R2 has one slot
    assert (
        check.lines()[0] == "资源方名额共 2 场，少于最少需求 3 场：缺 1 个名额，请增加资源方或名额"
    )


def test_an_event_that_fits_says_so():
    check = check_capacity(Event(slots=slots_from(6)), ["P1", "P2"], {"R1": 8, "R2": 8})
    assert check.ok and check.lines()[0].startswith("容量充足")
