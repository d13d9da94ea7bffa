"""The organisers' dashboard: need coverage by track, provider capacity use, score distribution
and the project × provider score heatmap of one event (with its latest plan's meetings)."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from matcher.catalogue import Snapshot
from matcher.fusion import MAX_GRADE
from matcher.plan import Event, MatchScores
from matcher.schema import NEED, RESOURCE_TYPE, TRACK

from .. import crud, planning
from ..db import PlanRow
from ..deps import MatchingDep, SessionDep
from . import charts
from .render import page
from .session import OrganiserPage

router = APIRouter(include_in_schema=False)
_SCORES: dict[int, MatchScores] = {}  # snapshot version → match scores (the latest only)


def match_scores(snapshot: Snapshot) -> MatchScores:
    found = _SCORES.get(snapshot.version)
    if found is None:
        found = snapshot.match_scores()
        _SCORES.clear()
        _SCORES[snapshot.version] = found
    return found


def expected_grades(snapshot: Snapshot, scores: MatchScores) -> np.ndarray:
    """Every pair's expected expert grade (0–3); pairs the provider excludes are NaN (never
    shown). The planner's scores are these grades / 3."""
    if snapshot.ranker is None:
        return np.full(scores.scores.shape, np.nan)
    grades = np.asarray(snapshot.ranker.scores, dtype=np.float64)
    return np.where(grades < 0, np.nan, grades)


def coverage(scores: MatchScores, plan: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Per track and need: projects with the need, and how many have it covered — met by a
    strong provider serving it in the plan, or (without a plan) such a provider exists."""
    counts = {(t, n): [0, 0] for t in TRACK.keys for n in NEED.keys}
    if plan is not None:
        for p in plan.get("projects", []):
            needs = [*p["needs_covered"], *p["needs_uncovered"], *p["needs_unavailable"]]
            for need in needs:
                if (p["track"], need) in counts:
                    counts[p["track"], need][1] += 1
                    counts[p["track"], need][0] += need in p["needs_covered"]
    else:
        for i, project in enumerate(scores.projects):
            for need in project.needs:
                if (project.track, need) in counts and need in scores.serves_need:
                    counts[project.track, need][1] += 1
                    strong = scores.strong[i] & scores.serves_need[need][i]
                    counts[project.track, need][0] += bool(strong.any())
    rows = []
    for track in TRACK.keys:
        cells = []
        for need in NEED.keys:
            covered, total = counts[track, need]
            cells.append(
                {
                    "need": need,
                    "covered": covered,
                    "total": total,
                    "share": covered / total if total else None,
                }
            )
        rows.append({"track": track, "cells": cells})
    return rows


def utilisation(plan: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Providers by share of their capacity used in the plan, fullest first."""
    if plan is None:
        return []
    out = [
        {
            "id": r["resource_id"],
            "name": r["name"],
            "type": r["type"],
            "meetings": r["meetings"],
            "capacity": r["capacity"],
            "share": min(r["meetings"] / r["capacity"], 1.0) if r["capacity"] else 0.0,
        }
        for r in plan.get("resources", [])
    ]
    return sorted(out, key=lambda r: (-r["share"], -r["meetings"], r["id"]))


def heatmap_input(
    scores: MatchScores, grades: np.ndarray, event: Event | None, plan: dict[str, Any] | None
) -> tuple[np.ndarray, list[tuple[str, int]], list[tuple[str, int]], list[tuple[int, int]]]:
    """Attending projects (by track) × providers (by type), their groups and the meetings."""
    rows = [
        i
        for i, p in enumerate(scores.projects)
        if event is None or event.projects is None or p.project_id in event.projects
    ]
    cols = [
        j
        for j, r in enumerate(scores.resources)
        if event is None or event.resources is None or r.resource_id in event.resources
    ]
    track_order = {k: n for n, k in enumerate(TRACK.keys)}
    type_order = {k: n for n, k in enumerate(RESOURCE_TYPE.keys)}
    rows.sort(
        key=lambda i: (track_order.get(scores.projects[i].track, 99), scores.projects[i].project_id)
    )
    cols.sort(
        key=lambda j: (
            type_order.get(scores.resources[j].type, 99),
            scores.resources[j].resource_id,
        )
    )
    row_groups = _groups([scores.projects[i].track for i in rows], TRACK.labels)
    col_groups = _groups([scores.resources[j].type for j in cols], RESOURCE_TYPE.labels)
    where_p = {scores.projects[i].project_id: a for a, i in enumerate(rows)}
    where_r = {scores.resources[j].resource_id: b for b, j in enumerate(cols)}
    meetings = [
        (where_p[m["project_id"]], where_r[m["resource_id"]])
        for m in (plan or {}).get("meetings", [])
        if m["project_id"] in where_p and m["resource_id"] in where_r
    ]
    return grades[np.ix_(rows, cols)], row_groups, col_groups, meetings


def _groups(keys: list[str], labels: dict[str, str]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for key in keys:
        name = charts.text(labels.get(key, key), key)
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + 1)
        else:
            out.append((name, 1))
    return out


def shown_plan(plans: list[PlanRow], wanted: int | None) -> PlanRow | None:
    """The plan the dashboard shows: the one asked for, else the published one, else the newest."""
    by_id = {p.id: p for p in plans}
    if wanted in by_id:
        return by_id[wanted]
    published = [p for p in plans if p.status == "published"]
    return (published or plans)[-1] if plans else None


@router.get("/dashboard")
def dashboard(
    request: Request,
    visitor: OrganiserPage,
    session: SessionDep,
    matching: MatchingDep,
    event: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    plan_id: Annotated[int | None, Query(alias="plan", ge=1, le=2**31 - 1)] = None,
) -> Response:
    snapshot = matching.catalogue.current()
    scores = match_scores(snapshot)
    events = crud.list_events(session)
    chosen = next((e for e in events if e.id == event), events[-1] if events else None)
    plans = crud.list_plans(session, chosen.id, archived=False) if chosen else []
    plan_row = shown_plan(plans, plan_id)
    plan = plan_row.body if plan_row else None
    spec = planning.event_of(chosen) if chosen else None
    plan_key = plan_row.id if plan_row else 0
    grades = expected_grades(snapshot, scores)
    met = [m["score"] * MAX_GRADE for m in (plan or {}).get("meetings", [])]
    histogram = charts.render(
        ("hist", snapshot.version, plan_key), charts.score_histogram, grades, met
    )
    heatmap = ""
    if scores.scores.size:
        attending = (tuple(spec.projects or ()), tuple(spec.resources or ())) if spec else ()
        heatmap = charts.render(
            ("heat", snapshot.version, plan_key, attending),
            lambda: charts.score_heatmap(*heatmap_input(scores, grades, spec, plan)),
        )
    return page(
        request,
        "dashboard.html",
        visitor,
        events=events,
        event=chosen,
        plan=plan_row,
        plans=plans,
        coverage=coverage(scores, plan),
        utilisation=utilisation(plan),
        histogram=histogram,
        heatmap=heatmap,
        projects=len(snapshot.projects),
        resources=len(snapshot.resources),
        meetings=len((plan or {}).get("meetings", [])),
    )
