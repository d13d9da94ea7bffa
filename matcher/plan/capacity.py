"""Before planning: can the event hold what it asks for? The binding limit is named first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.plan.event import Event


@dataclass(frozen=True)
class CapacityCheck:
    projects: int
    providers: int
    demand: int  # meetings the projects need at least (min meetings each)
    wanted: int  # meetings the projects would take at most
    supply: int  # meetings the providers offer (capacity, within their available slots)
    room: int  # meetings the slots × tables can hold (availability of both sides counted)

    @property
    def ok(self) -> bool:
        return self.demand <= min(self.supply, self.room)

    def lines(self) -> list[str]:
        """Chinese sentences, the binding shortage first."""
        out = []
        if self.room < self.demand:
            out.append(
                f"时段×桌数最多容纳 {self.room} 场，少于最少需求 {self.demand} 场"
                f"（{self.projects} 个项目）：请增加桌数或时段"
            )
        if self.supply < self.demand:
            out.append(
                f"资源方名额共 {self.supply} 场，少于最少需求 {self.demand} 场："
                f"缺 {self.demand - self.supply} 个名额，请增加资源方或名额"
            )
        if not out:
            out.append(
                f"容量充足：最少需求 {self.demand} 场，资源方名额 {self.supply} 场，"
                f"时段×桌数可容纳 {self.room} 场"
            )
        limit = min(self.supply, self.room)
        if self.ok and limit < self.wanted:
            out.append(f"每个项目最多场次合计 {self.wanted} 场，最多能排 {limit} 场")
        return out


def check_capacity(
    event: Event, project_ids: Sequence[str], capacities: Mapping[str, int]
) -> CapacityCheck:
    """`project_ids` and `capacities` ({provider id: 接洽名额}) of the records on file; the
    event's own lists, capacity overrides and availability apply."""
    projects = [p for p in project_ids if event.projects is None or p in set(event.projects)]
    providers = [r for r in capacities if event.resources is None or r in set(event.resources)]
    n_slots = len(event.slots)
    project_slots = np.zeros(n_slots, dtype=np.int64)
    for p in projects:
        project_slots[event.available_slots(p)] += 1
    provider_slots = np.zeros(n_slots, dtype=np.int64)
    supply = 0
    for r in providers:
        slots = event.available_slots(r)
        provider_slots[slots] += 1
        supply += min(event.capacity.get(r, capacities[r]), len(slots))
    tables = len(event.table_names(len(providers)))
    room = int(np.minimum(np.minimum(project_slots, provider_slots), tables).sum())
    wanted = sum(min(event.max_meetings, len(event.available_slots(p))) for p in projects)
    return CapacityCheck(
        len(projects), len(providers), event.min_meetings * len(projects), wanted, supply, room
    )
