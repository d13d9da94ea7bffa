"""Labels from people become grades by one documented mapping; contradictions are reported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from matcher.labels import Label, combine, grade_from_outcome, grade_from_rating

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("stars", "follow_up", "grade"),
    [
        (1, False, 0),
        (2, False, 1),
        (3, False, 1),
        (4, False, 2),
        (5, False, 3),
        (1, True, 2),
        (5, True, 3),
    ],
)
def test_meeting_ratings_map_to_grades(stars, follow_up, grade):
    assert grade_from_rating(stars, follow_up) == grade


def test_outcomes_map_to_grades_and_unknown_ones_are_refused():
    assert [grade_from_outcome(o) for o in ("met", "follow_up", "signed")] == [1, 2, 3]
    with pytest.raises(ValueError, match="unknown outcome"):
        grade_from_outcome("maybe")
    with pytest.raises(ValueError, match="1–5"):
        grade_from_rating(6)


def test_the_latest_organiser_grade_wins_over_meetings():
    grades, contradictions = combine(
        [
            Label("P1", "R1", 3, "organiser", T0),
            Label("P1", "R1", 1, "organiser", T0 + timedelta(days=1)),
            Label("P1", "R1", 3, "outcome", T0 + timedelta(days=2)),
        ]
    )
    assert grades == {"P1": {"R1": 1}}
    assert [c.resource_id for c in contradictions] == ["R1"]  # 1 vs 3: reported
    assert "organiser 1" in contradictions[0].describe()


def test_meeting_labels_alone_are_averaged_and_close_ones_do_not_contradict():
    grades, contradictions = combine(
        [
            Label("P1", "R2", 2, "rating"),
            Label("P1", "R2", 3, "outcome"),
            Label("P2", "R2", 0, "rating"),
        ]
    )
    assert grades == {"P1": {"R2": 3}, "P2": {"R2": 0}}  # (2 + 3) / 2 = 2.5 rounds up
    assert contradictions == []
