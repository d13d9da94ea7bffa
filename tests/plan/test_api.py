import matcher.plan as plan


def test_all_is_honest():
    assert sorted(plan.__all__) == sorted(
        name
        for name in vars(plan)
        if not name.startswith("_")
        and name
        not in {
            "capacity",
            "conflict",
            "edit",
            "event",
            "export",
            "inputs",
            "plan",
            "planner",
            "settings",
            "solvers",
            "standby",
            "problem",
            "bound",
            "diagnostics",
            "schedule",
        }
    )
    for name in plan.__all__:
        assert hasattr(plan, name)
