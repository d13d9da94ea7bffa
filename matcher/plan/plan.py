"""The Plan record: meetings, shortfalls, diagnostics, stats and version fields; JSON round-trip."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from matcher.errors import InputError, InputIssue

FORMAT_VERSION = 1
STATUSES = ("draft", "published")


@dataclass(frozen=True)
class Meeting:
    project_id: str
    resource_id: str
    slot: str
    table: str
    score: float
    reasons: str = ""
    project_title: str = ""
    resource_name: str = ""
    pinned: bool = False
    edited: bool = False  # moved by hand after planning (matcher.plan.edit)

    @property
    def pair(self) -> tuple[str, str]:
        return (self.project_id, self.resource_id)


@dataclass(frozen=True)
class ProjectSummary:
    """How a project fared: meetings against its minimum, needs covered, and why if short."""

    project_id: str
    title: str
    track: str
    meetings: int
    min_meetings: int
    strong_meetings: int
    needs_covered: tuple[str, ...] = ()
    needs_uncovered: tuple[str, ...] = ()  # a strong serving provider existed but was not met
    needs_unavailable: tuple[str, ...] = ()  # no strong provider at the event serves it
    reason: str = ""

    @property
    def shortfall(self) -> int:
        return max(self.min_meetings - self.meetings, 0)


@dataclass(frozen=True)
class ResourceSummary:
    resource_id: str
    name: str
    type: str
    capacity: int  # effective for this event
    meetings: int
    available_slots: int
    idle_gaps: int
    tables: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanStats:
    objective: float  # planning objective (quality + fairness gains + coverage bonuses)
    quality: float  # Σ match scores of the meetings
    upper_bound: float
    bound_kind: str  # "lp" or "topk" (bound.BOUND_KINDS)
    gap: float  # (upper_bound − objective) / upper_bound
    greedy_objective: float
    greedy_quality: float
    greedy_meetings: int
    meetings: int
    unscheduled: int
    idle_gaps: int
    candidate_pairs: int
    wall_seconds: float
    bound_seconds: float = 0.0  # of wall_seconds, spent on the upper bound


@dataclass(frozen=True)
class Plan:
    event_name: str
    slots: tuple[str, ...]
    tables: tuple[str, ...]
    meetings: tuple[Meeting, ...]
    projects: tuple[ProjectSummary, ...]
    resources: tuple[ResourceSummary, ...]
    diagnostics: tuple[str, ...]
    stats: PlanStats
    inputs_hash: str
    settings: dict[str, Any]
    seed: int
    status: str = "draft"
    previous_id: str = ""
    unscheduled: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    edits: tuple[str, ...] = ()  # hand edits since planning, one Chinese line each, oldest first

    @property
    def plan_id(self) -> str:
        """Content hash of inputs, settings, seed and meetings (status aside)."""
        body = json.dumps(
            [self.inputs_hash, self.settings, self.seed, [_hashed(m) for m in self.meetings]],
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    @property
    def shortfalls(self) -> list[ProjectSummary]:
        """Projects with fewer meetings than the event's minimum (each says why)."""
        return [p for p in self.projects if p.shortfall]

    def published(self) -> Plan:
        return replace(self, status="published")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["format_version"] = FORMAT_VERSION
        data["plan_id"] = self.plan_id
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"unsupported plan format {data.get('format_version')!r}")
        if data.get("status") not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")

        def build(kind: type, item: dict[str, Any]) -> Any:
            names = {f.name for f in fields(kind)}
            return kind(
                **{k: tuple(v) if isinstance(v, list) else v for k, v in item.items() if k in names}
            )

        return cls(
            event_name=data["event_name"],
            slots=tuple(data["slots"]),
            tables=tuple(data["tables"]),
            meetings=tuple(build(Meeting, m) for m in data["meetings"]),
            projects=tuple(build(ProjectSummary, p) for p in data["projects"]),
            resources=tuple(build(ResourceSummary, r) for r in data["resources"]),
            diagnostics=tuple(data["diagnostics"]),
            stats=build(PlanStats, data["stats"]),
            inputs_hash=data["inputs_hash"],
            settings=dict(data["settings"]),
            seed=int(data["seed"]),
            status=data["status"],
            previous_id=data.get("previous_id", ""),
            unscheduled=tuple(tuple(x) for x in data.get("unscheduled", [])),
            edits=tuple(data.get("edits", [])),
        )


def _hashed(meeting: Meeting) -> dict[str, Any]:
    """A meeting's fields for the plan's hash; `edited` only when set, so a plan's id did not
    change when hand edits arrived."""
    data = asdict(meeting)
    if not meeting.edited:
        del data["edited"]
    return data


def read_plan(path: str | Path) -> Plan:
    """A plan written by `write_plan` as JSON; InputError if it is not one."""
    try:
        return Plan.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError([InputIssue(str(path), None, None, f"not a plan file: {exc}")]) from exc


@dataclass(frozen=True)
class PlanDiff:
    added: tuple[Meeting, ...]
    moved: tuple[tuple[Meeting, Meeting], ...]  # (old, new): same pair, other slot or table
    cancelled: tuple[Meeting, ...]
    unchanged: int

    def summary(self) -> str:
        return (
            f"新增 {len(self.added)} 场，调整 {len(self.moved)} 场，"
            f"取消 {len(self.cancelled)} 场，不变 {self.unchanged} 场"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": [asdict(m) for m in self.added],
            "moved": [{"old": asdict(a), "new": asdict(b)} for a, b in self.moved],
            "cancelled": [asdict(m) for m in self.cancelled],
            "unchanged": self.unchanged,
        }


def diff_plans(old: Plan, new: Plan) -> PlanDiff:
    """Meetings added, moved (slot or table changed) and cancelled from `old` to `new`."""
    before = {m.pair: m for m in old.meetings}
    after = {m.pair: m for m in new.meetings}
    moved = tuple(
        (before[k], after[k])
        for k in after
        if k in before and (before[k].slot, before[k].table) != (after[k].slot, after[k].table)
    )
    return PlanDiff(
        added=tuple(after[k] for k in after if k not in before),
        moved=moved,
        cancelled=tuple(before[k] for k in before if k not in after),
        unchanged=sum(1 for k in after if k in before) - len(moved),
    )
