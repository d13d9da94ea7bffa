"""A readable summary of a ranked match list: `python -m matcher.summary ranked.csv`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from .ingest import read_projects, read_resources
from .schema import RESOURCE_TYPE, TRACK


def summarise(ranked: Path, projects: Path, resources: Path, examples: int = 3) -> None:
    ps = {p.project_id: p for p in read_projects(projects)}
    rs = {r.resource_id: r for r in read_resources(resources)}
    frame = pd.read_csv(ranked, dtype=str, encoding="utf-8-sig")
    console = Console()
    per_type = Counter(rs[rid].type for rid in frame[frame["rank"] == "1"]["resource_id"])
    console.print(
        f"[bold]{len(ps)} 个项目 × {len(rs)} 个资源方 → {len(frame)} 条推荐[/] ({ranked})"
    )
    table = Table(title="首选资源方的类型分布 type of each project's first suggestion")
    table.add_column("类型")
    table.add_column("项目数", justify="right")
    for key, count in per_type.most_common():
        table.add_row(RESOURCE_TYPE.label(key), str(count))
    console.print(table)
    shown: set[str] = set()
    for pid in frame["project_id"]:
        track = ps[pid].track
        if track in shown:
            continue
        shown.add(track)
        rows = frame[frame["project_id"] == pid].head(examples)
        table = Table(title=f"{pid} {ps[pid].title}（{TRACK.label(track)}）", show_lines=True)
        table.add_column("#")
        table.add_column("资源方", no_wrap=True)
        table.add_column("得分")
        table.add_column("推荐理由", overflow="fold")
        for _, row in rows.iterrows():
            table.add_row(
                row["rank"],
                f"{row['resource_id']} {rs[row['resource_id']].name}",
                row["score"],
                row["reasons"],
            )
        console.print(table)


def main(
    ranked: Path,
    projects: Annotated[Path, typer.Option("--projects")],
    resources: Annotated[Path, typer.Option("--resources")],
) -> None:
    summarise(ranked, projects, resources)


if __name__ == "__main__":
    typer.run(main)
