"""The label store: organiser judgments, meeting ratings and outcomes as `matcher.labels.Label`s,
combined into one grade per pair (the mapping and the rules live in `matcher/labels.py`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.labels import Contradiction, Label, combine, grade_from_outcome, grade_from_rating

from . import crud, planning
from .auth import Principal
from .db import JudgmentRow, OutcomeRow, RatingRow, utcnow
from .errors import Forbidden, Invalid, NotFound, issue


@dataclass(frozen=True)
class Judgment:
    project_id: str
    resource_id: str
    grade: int


@dataclass(frozen=True)
class Combined:
    """Every labelled pair's grade, how many labels of each source it has, and contradictions."""

    grades: dict[str, dict[str, int]]
    counts: dict[tuple[str, str], Counter[str]]
    contradictions: list[Contradiction]

    @property
    def by_source(self) -> Counter[str]:
        return sum(self.counts.values(), Counter())

    def graded_projects(self, project_ids: Iterable[str], resource_ids: Iterable[str]) -> int:
        """How many of these projects have a grade for at least one of these providers."""
        providers = set(resource_ids)
        return sum(any(rid in providers for rid in self.grades.get(pid, {})) for pid in project_ids)


def check_known(session: Session, judgments: Sequence[Judgment]) -> None:
    """Invalid (422) naming every unknown project or provider id, with its item's index."""
    projects, resources = (set(ids) for ids in crud.record_ids(session))
    problems = [
        issue(["body", i, key], f"未知编号 unknown id {value!r}", "unknown_id")
        for i, j in enumerate(judgments)
        for key, value, known in (
            ("project_id", j.project_id, projects),
            ("resource_id", j.resource_id, resources),
        )
        if value not in known
    ]
    if problems:
        raise Invalid(problems)


def add_judgments(session: Session, judgments: Sequence[Judgment], who: str) -> int:
    """Save organiser grades (all or none); a pair graded again keeps both, the latest counts."""
    now = utcnow()
    session.add_all(
        JudgmentRow(
            project_id=j.project_id,
            resource_id=j.resource_id,
            grade=j.grade,
            source="organiser",
            who=who,
            created_at=now,
        )
        for j in judgments
    )
    session.commit()
    return len(judgments)


def rate_meeting(
    session: Session,
    principal: Principal,
    event_id: int,
    project_id: str,
    resource_id: str,
    stars: int,
    follow_up: bool,
) -> RatingRow:
    """A token holder's rating of their own meeting in the event's published plan; rating
    again replaces their earlier rating. Forbidden for anyone else, NotFound without a meeting."""
    side = principal.role
    own = {"project": project_id, "resource": resource_id}.get(side)
    if own is None or principal.subject_id != own:
        raise Forbidden(
            "only the project or provider of a meeting may rate it", "只有会面双方可以评价该会面。"
        )
    meetings = planning.agenda(session, project_id=project_id).data
    if not any(m.event_id == event_id and m.resource_id == resource_id for m in meetings):
        raise NotFound("meeting", f"{project_id} ↔ {resource_id} in event {event_id}")
    row = session.scalar(
        select(RatingRow).where(
            RatingRow.event_id == event_id,
            RatingRow.project_id == project_id,
            RatingRow.resource_id == resource_id,
            RatingRow.side == side,
        )
    )
    if row is None:
        row = RatingRow(event_id=event_id, project_id=project_id, resource_id=resource_id)
        row.side = side
        session.add(row)
    row.stars, row.follow_up, row.rated_at = stars, follow_up, utcnow()
    session.commit()
    return row


def ratings_by(session: Session, side: str, subject_id: str) -> dict[tuple[int, str], RatingRow]:
    """A token holder's own ratings, keyed by (event id, partner id)."""
    mine = RatingRow.project_id if side == "project" else RatingRow.resource_id
    rows = session.scalars(select(RatingRow).where(RatingRow.side == side, mine == subject_id))
    return {(r.event_id, r.resource_id if side == "project" else r.project_id): r for r in rows}


def all_labels(session: Session) -> list[Label]:
    """Every label the database holds, on the grade scale."""
    labels = [
        Label(r.project_id, r.resource_id, r.grade, "organiser", r.created_at)
        for r in session.scalars(select(JudgmentRow))
    ]
    labels += [
        Label(
            r.project_id,
            r.resource_id,
            grade_from_rating(r.stars, r.follow_up),
            "rating",
            r.rated_at,
        )
        for r in session.scalars(select(RatingRow))
    ]
    labels += [
        Label(r.project_id, r.resource_id, grade_from_outcome(r.outcome), "outcome", r.recorded_at)
        for r in session.scalars(select(OutcomeRow))
    ]
    return labels


def combined(session: Session) -> Combined:
    labels = all_labels(session)
    grades, contradictions = combine(labels)
    counts: dict[tuple[str, str], Counter[str]] = {}
    for label in labels:
        counts.setdefault((label.project_id, label.resource_id), Counter())[label.source] += 1
    return Combined(grades, counts, contradictions)


def organiser_grades(session: Session, project_id: str) -> dict[str, int]:
    """The project's providers → the latest organiser grade (what its page shows)."""
    rows = session.scalars(
        select(JudgmentRow)
        .where(JudgmentRow.project_id == project_id)
        .order_by(JudgmentRow.created_at, JudgmentRow.id)
    )
    return {r.resource_id: r.grade for r in rows}
