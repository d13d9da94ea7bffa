"""Put meetings into slots and at tables: a bipartite edge colouring with availability.

Meetings are placed first-fit, provider by provider (tightest first), so a provider's
meetings pack together; when a project and a provider have no common free slot, a Kempe
chain (swap two slots along an alternating path) frees one, as in König's edge-colouring
proof. Idle gaps are then closed by moving a provider's last meeting into a gap.
Tables: a provider keeps one table for the whole event whenever tables allow.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)


@dataclass
class Schedule:
    slot: np.ndarray  # per meeting, -1 when it could not be placed
    table: np.ndarray  # per meeting, -1 when unplaced


class _Grid:
    def __init__(self, mp, mr, project_slots, resource_slots, n_tables: int, locked) -> None:
        self.mp, self.mr, self.locked = mp, mr, locked
        self.p_ok, self.r_ok = project_slots, resource_slots
        n_s = project_slots.shape[1]
        self.at_p = np.full(project_slots.shape, -1, dtype=np.int64)
        self.at_r = np.full(resource_slots.shape, -1, dtype=np.int64)
        self.load = np.zeros(n_s, dtype=np.int64)
        self.n_tables = n_tables
        self.slot = np.full(mp.size, -1, dtype=np.int64)

    def place(self, m: int, s: int) -> None:
        self.at_p[self.mp[m], s] = m
        self.at_r[self.mr[m], s] = m
        self.slot[m] = s
        self.load[s] += 1

    def remove(self, m: int) -> None:
        s = self.slot[m]
        self.at_p[self.mp[m], s] = -1
        self.at_r[self.mr[m], s] = -1
        self.slot[m] = -1
        self.load[s] -= 1

    def fits(self, m: int, s: int) -> bool:
        p, r = self.mp[m], self.mr[m]
        return bool(
            self.p_ok[p, s]
            and self.r_ok[r, s]
            and self.at_p[p, s] < 0
            and self.at_r[r, s] < 0
            and self.load[s] < self.n_tables
        )

    def first_fit(self, m: int) -> bool:
        p, r = self.mp[m], self.mr[m]
        free = (
            self.p_ok[p]
            & self.r_ok[r]
            & (self.at_p[p] < 0)
            & (self.at_r[r] < 0)
            & (self.load < self.n_tables)
        )
        hits = np.flatnonzero(free)
        if hits.size == 0:
            return False
        self.place(m, int(hits[0]))
        return True

    def kempe(self, m: int, allow_locked: bool) -> bool:
        """Free a slot for m by swapping slots a/b along the alternating path from its provider."""
        p, r = self.mp[m], self.mr[m]
        for a in np.flatnonzero(self.p_ok[p] & self.r_ok[r] & (self.at_p[p] < 0)):
            for b in np.flatnonzero(self.r_ok[r] & (self.at_r[r] < 0)):
                path = self._path(int(r), int(a), int(b))
                if path is not None and self._swap_ok(path, int(a), int(b), allow_locked):
                    moves = [(x, int(b) if self.slot[x] == a else int(a)) for x in path]
                    for x, _ in moves:
                        self.remove(x)
                    for x, s in moves:
                        self.place(x, s)
                    self.place(m, int(a))
                    return True
        return False

    def _path(self, r: int, a: int, b: int) -> list[int] | None:
        path: list[int] = []
        vertex, on_resource, colour = r, True, a
        while len(path) <= self.mp.size:
            m = (self.at_r if on_resource else self.at_p)[vertex, colour]
            if m < 0:
                return path
            path.append(int(m))
            vertex = self.mp[m] if on_resource else self.mr[m]
            on_resource, colour = not on_resource, (b if colour == a else a)
        return None

    def _swap_ok(self, path: list[int], a: int, b: int, allow_locked: bool) -> bool:
        n_a = sum(1 for x in path if self.slot[x] == a)
        n_b = len(path) - n_a
        if self.load[a] - n_a + n_b + 1 > self.n_tables or self.load[b] - n_b + n_a > self.n_tables:
            return False
        for x in path:
            new = b if self.slot[x] == a else a
            if not (self.p_ok[self.mp[x], new] and self.r_ok[self.mr[x], new]):
                return False
            if self.locked[x] and not allow_locked:
                return False
        return True

    def close_gaps(self) -> None:
        """Move a provider's first or last meeting into an idle gap while that helps."""
        for r in range(self.at_r.shape[0]):
            for _ in range(self.at_r.shape[1]):
                busy = np.flatnonzero(self.at_r[r] >= 0)
                if busy.size < 2:
                    break
                gaps = [s for s in range(busy[0], busy[-1]) if self.at_r[r, s] < 0]
                if not gaps or not self._fill_gap(r, busy, gaps):
                    break

    def _fill_gap(self, r: int, busy: np.ndarray, gaps: list[int]) -> bool:
        for end in (busy[-1], busy[0]):
            m = int(self.at_r[r, end])
            if self.locked[m]:
                continue
            for g in gaps:
                self.remove(m)
                if self.fits(m, g):
                    self.place(m, g)
                    return True
                self.place(m, int(end))
        return False


def idle_gaps(slots: np.ndarray, owners: np.ndarray, n_owners: int) -> np.ndarray:
    """Empty slots between an owner's first and last meeting, per owner."""
    gaps = np.zeros(n_owners, dtype=np.int64)
    placed = slots >= 0
    for o in np.unique(owners[placed]):
        mine = slots[placed & (owners == o)]
        gaps[o] = mine.max() - mine.min() + 1 - mine.size
    return gaps


def schedule_meetings(
    mp: np.ndarray,
    mr: np.ndarray,
    project_slots: np.ndarray,
    resource_slots: np.ndarray,
    n_tables: int,
    *,
    table_per_provider: bool,
    preferred_slot: np.ndarray | None = None,
    preferred_table: np.ndarray | None = None,
) -> Schedule:
    """Slots and tables for meetings (project index mp[i] with provider index mr[i]).

    `preferred_slot[i]` (−1 for none) keeps a published meeting's slot when still valid;
    `preferred_table[r]` (−1 for none) is a provider's table in the previous plan. With
    `table_per_provider`, provider r sits at table r.
    """
    n_m = mp.size
    preferred_slot = np.full(n_m, -1) if preferred_slot is None else preferred_slot
    locked = preferred_slot >= 0
    grid = _Grid(mp, mr, project_slots, resource_slots, n_tables, locked)
    for m in np.flatnonzero(locked):
        if grid.fits(int(m), int(preferred_slot[m])):
            grid.place(int(m), int(preferred_slot[m]))
        else:
            locked[m] = False
    # tightest providers first: most meetings per available slot
    per_r = np.bincount(mr, minlength=resource_slots.shape[0])
    tight = per_r / np.maximum(resource_slots.sum(axis=1), 1)
    order = np.lexsort((mp, mr, -tight[mr]))
    left = []
    for m in order:
        if grid.slot[m] < 0 and not grid.first_fit(int(m)):
            left.append(int(m))
    for allow_locked in (False, True):
        left = [m for m in left if not grid.kempe(m, allow_locked)]
    if left:
        log.info("%d meeting(s) could not be placed in any slot", len(left))
    grid.close_gaps()
    table = _tables(
        grid.slot, mr, n_tables, resource_slots.shape[0], table_per_provider, preferred_table
    )
    return Schedule(slot=grid.slot, table=table)


def _tables(slot, mr, n_tables, n_r, table_per_provider, preferred) -> np.ndarray:
    table = np.full(slot.size, -1, dtype=np.int64)
    placed = slot >= 0
    if table_per_provider:
        table[placed] = mr[placed]
        return table
    n_s = int(slot.max()) + 1 if placed.any() else 0
    taken = np.zeros((n_tables, n_s), dtype=bool)
    counts = np.bincount(mr[placed], minlength=n_r)
    for r in np.argsort(-counts, kind="stable"):
        mine = np.flatnonzero(placed & (mr == r))
        if mine.size == 0:
            continue
        slots = slot[mine]
        first = [int(preferred[r])] if preferred is not None and preferred[r] >= 0 else []
        whole = [
            t for t in first + list(range(n_tables)) if t < n_tables and not taken[t, slots].any()
        ]
        if whole:
            table[mine] = whole[0]
            taken[whole[0], slots] = True
            continue
        last = -1
        for m in mine[np.argsort(slots)]:
            free = np.flatnonzero(~taken[:, slot[m]])
            t = last if last in free else int(free[0])
            table[m], last = t, t
            taken[t, slot[m]] = True
    return table
