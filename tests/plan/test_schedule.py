import numpy as np

from matcher.plan.schedule import idle_gaps, schedule_meetings


def _check(mp, mr, slot, p_ok, r_ok):
    placed = slot >= 0
    for owners in (mp, mr):
        keys = list(zip(owners[placed].tolist(), slot[placed].tolist(), strict=True))
        assert len(keys) == len(set(keys))
    assert p_ok[mp[placed], slot[placed]].all() and r_ok[mr[placed], slot[placed]].all()


def test_a_full_bipartite_graph_needs_exactly_max_degree_slots():
    # K(3,3): 9 meetings in 3 slots only works as a Latin square; first-fit alone can fail
    mp = np.repeat(np.arange(3), 3)
    mr = np.tile(np.arange(3), 3)
    ok = np.ones((3, 3), dtype=bool)
    result = schedule_meetings(mp, mr, ok, ok, 3, table_per_provider=True)
    assert (result.slot >= 0).all()
    _check(mp, mr, result.slot, ok, ok)
    assert (result.table == mr).all()


def test_kempe_chain_frees_a_slot():
    # order forces a conflict: P0-R0 in s0, P1-R1 in s0, then P0-R1 and P1-R0 need s1... then
    # P2-R0 with R0 only available in s0/s1 requires swapping.
    mp = np.array([0, 1, 0, 1, 2])
    mr = np.array([0, 1, 1, 0, 0])
    p_ok = np.ones((3, 3), dtype=bool)
    r_ok = np.ones((2, 3), dtype=bool)
    result = schedule_meetings(mp, mr, p_ok, r_ok, 2, table_per_provider=False)
    assert (result.slot >= 0).all()
    _check(mp, mr, result.slot, p_ok, r_ok)


def test_impossible_meetings_are_left_unplaced():
    mp, mr = np.array([0, 1]), np.array([0, 0])
    r_ok = np.array([[True, False]])
    result = schedule_meetings(
        mp, mr, np.ones((2, 2), dtype=bool), r_ok, 1, table_per_provider=True
    )
    assert sorted(result.slot.tolist()) == [-1, 0]


def test_preferred_slots_are_kept_and_gaps_closed():
    mp, mr = np.array([0, 1]), np.array([0, 0])
    ok = np.ones((2, 4), dtype=bool)
    result = schedule_meetings(
        mp,
        mr,
        ok,
        np.ones((1, 4), dtype=bool),
        1,
        table_per_provider=True,
        preferred_slot=np.array([2, -1]),
    )
    assert result.slot[0] == 2 and result.slot[1] in (1, 3)
    assert idle_gaps(result.slot, mr, 1).tolist() == [0]
