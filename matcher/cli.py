"""Command line: `matcher rank | rank-projects | query | evaluate | fit | plan`.

(`matcher serve` is added by `service.cli`, which the installed `matcher` script runs, so that
the library never imports the web layer.)

Each command is one library call plus formatting; input problems exit with status 2 and a
message naming file, row, column and the allowed values, and nothing is written.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from .errors import MatcherError
from .files import atomic_path, write_csv
from .schema import RESOURCE_TYPE

app = typer.Typer(
    help="医疗创新项目与资源方智能匹配 — match medical-innovation projects with resource providers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()
T = TypeVar("T")

ProjectsOpt = Annotated[
    Path, typer.Option("--projects", "-p", help="项目表 projects sheet (.csv or .xlsx)")
]
ResourcesOpt = Annotated[
    Path, typer.Option("--resources", "-r", help="资源方表 resources sheet (.csv or .xlsx)")
]
TopKOpt = Annotated[
    int, typer.Option("--top-k", "-k", min=1, max=1000, help="每个对象返回的数量 results per item")
]


class Engine(StrEnum):
    """Where `matcher rank` ranks: this process, or shards of projects on a Ray cluster."""

    local = "local"
    ray = "ray"


ModelOpt = Annotated[
    Path | None,
    typer.Option(
        "--model", help="用此融合模型 rank with the fusion in this folder (default models/fusion)"
    ),
]


def _fusion(folder: Path | None):
    from .engine import Settings, load_fusion

    return load_fusion(Settings.from_env(), folder)


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def update(what: str, done: int, total: int) -> None:
        if what not in tasks:
            tasks[what] = bars.add_task(what, total=total)
        bars.update(tasks[what], completed=done, total=total)

    with bars:
        yield update


def _run(action: Callable[[], T]) -> T:
    """Translate library errors into a clear message and exit status 2."""
    try:
        return action()
    except MatcherError as exc:
        console.print(f"[bold red]错误 error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc


def _types(type_: list[str] | None) -> tuple[str, ...]:
    keys = []
    for value in type_ or []:
        key = RESOURCE_TYPE.parse(value)
        if key is None:
            raise typer.BadParameter(
                f"{value!r}; allowed: {RESOURCE_TYPE.allowed()}", param_hint="--type"
            )
        keys.append(key)
    return tuple(keys)


@app.callback()
def main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="详细日志 verbose logging")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


@app.command()
def rank(
    projects: ProjectsOpt,
    resources: ResourcesOpt,
    out_path: Annotated[
        Path,
        typer.Option("--out", "-o", help="输出 CSV: project_id,rank,resource_id,score,reasons"),
    ],
    top_k: TopKOpt = 10,
    type_: Annotated[
        list[str] | None,
        typer.Option(
            "--type",
            "-t",
            help="只看某类资源方 only providers of this type (bank, investor, …); repeatable",
        ),
    ] = None,
    coverage: Annotated[
        bool,
        typer.Option(
            help="每项需求至少一个强匹配 hold a strong provider for each need in the top-k"
        ),
    ] = True,
    model: ModelOpt = None,
    engine: Annotated[
        Engine,
        typer.Option(help="local: 本进程 this process; ray: Ray 集群 shards of projects on Ray"),
    ] = Engine.local,
    address: Annotated[
        str | None,
        typer.Option(
            help="Ray 集群地址 host:port of a running cluster (default: start a local one)"
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=10_000, help="Ray 工作进程数 Ray workers (local CPUs)")
    ] = 2,
    batch_size: Annotated[
        int, typer.Option(min=1, max=100_000, help="每个分片的项目数 projects per Ray shard")
    ] = 256,
) -> None:
    """为每个项目推荐资源方 — rank providers for every project."""
    from .ingest import read_projects, read_resources
    from .rank_rows import RANK_HEADER

    types = _types(type_)
    if engine is Engine.local and address is not None:
        raise typer.BadParameter("--address goes with --engine ray", param_hint="--address")

    def action() -> int:
        ps, rs = read_projects(projects), read_resources(resources)
        with _progress() as progress:
            fusion = _fusion(model)
            if engine is Engine.ray:
                from .distributed import Cluster, rank_on_ray

                cluster = Cluster(address, workers, quiet=not _verbose())
                rows = rank_on_ray(
                    ps, rs, fusion, cluster, top_k, types, coverage, batch_size, progress=progress
                ).rows
            else:
                rows = _rank_here(ps, rs, fusion, top_k, types, coverage, progress)
        write_csv(out_path, RANK_HEADER, rows)
        return len(rows)

    n = _run(action)
    console.print(f"已写入 wrote {n} rows → {out_path}")


def _rank_here(ps, rs, fusion, top_k: int, types: tuple[str, ...], coverage: bool, progress):
    """The single-process engine: one in-memory catalogue of every project."""
    from .engine import open_catalogue
    from .rank_rows import rank_rows

    catalogue = open_catalogue(ps, rs, fusion=fusion, progress=progress, coverage=coverage)
    return rank_rows(catalogue.current(), ps, top_k, types)


def _verbose() -> bool:
    """`matcher -v`: the library logs at INFO, and Ray's own lines are shown too."""
    return logging.getLogger().getEffectiveLevel() <= logging.INFO


@app.command("rank-projects")
def rank_projects(
    projects: ProjectsOpt,
    resources: ResourcesOpt,
    out_path: Annotated[
        Path,
        typer.Option("--out", "-o", help="输出 CSV: resource_id,rank,project_id,score,reasons"),
    ],
    top_k: TopKOpt = 10,
    model: ModelOpt = None,
) -> None:
    """为每个资源方推荐项目 — rank projects for every provider (the reverse direction)."""
    from .engine import open_catalogue
    from .ingest import read_projects, read_resources

    def action() -> int:
        ps, rs = read_projects(projects), read_resources(resources)
        with _progress() as progress:
            fusion = _fusion(model)
            snapshot = open_catalogue(ps, rs, fusion=fusion, progress=progress).current()
            rows = [
                (m.resource_id, m.rank, m.project_id, f"{m.score:.4f}", m.reasons)
                for r in rs
                for m in snapshot.projects_for(r.resource_id, top_k)
            ]
        write_csv(out_path, ("resource_id", "rank", "project_id", "score", "reasons"), rows)
        return len(rows)

    n = _run(action)
    console.print(f"已写入 wrote {n} rows → {out_path}")


@app.command()
def query(
    text: Annotated[str, typer.Argument(help="一段项目描述 a project description")],
    resources: ResourcesOpt,
    top_k: TopKOpt = 5,
    type_: Annotated[
        list[str] | None,
        typer.Option("--type", "-t", help="只看某类资源方 only this provider type; repeatable"),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON 输出 machine-readable output")
    ] = False,
    model: ModelOpt = None,
) -> None:
    """输入一段描述，推荐资源方 — suggest providers for free text."""
    from .engine import open_catalogue
    from .ingest import read_resources

    types = _types(type_)
    if not text.strip():
        raise typer.BadParameter(
            "描述不能为空 the description must not be empty", param_hint="TEXT"
        )

    def action() -> tuple[list, list]:
        rs = read_resources(resources)
        catalogue = open_catalogue([], rs, fusion=_fusion(model))
        return catalogue.query([text], top_k, [types])[0], rs

    matches, rs = _run(action)
    names = {r.resource_id: r for r in rs}
    if as_json:
        out.print_json(
            json.dumps(
                [
                    {
                        "rank": m.rank,
                        "resource_id": m.resource_id,
                        "name": names[m.resource_id].name,
                        "type": names[m.resource_id].type,
                        "score": round(m.score, 4),
                        "reasons": m.reasons,
                    }
                    for m in matches
                ],
                ensure_ascii=False,
            )
        )
        return
    table = Table(title="推荐资源方 suggested partners", show_lines=True)
    for column in ("#", "编号", "名称", "类型", "得分"):
        table.add_column(column, no_wrap=True)
    table.add_column("推荐理由", overflow="fold")
    for m in matches:
        r = names[m.resource_id]
        table.add_row(
            str(m.rank),
            r.resource_id,
            r.name,
            RESOURCE_TYPE.label(r.type),
            f"{m.score:.2f}",
            m.reasons,
        )
    out.print(table)


@app.command()
def evaluate(
    projects: Annotated[
        Path | None,
        typer.Option(
            "--projects", "-p", help="项目表; 省略则按数据来源报告 omit for the per-source report"
        ),
    ] = None,
    resources: Annotated[Path | None, typer.Option("--resources", "-r", help="资源方表")] = None,
    qrels: Annotated[
        Path | None,
        typer.Option("--qrels", "-q", help="标注 judgments: project_id,resource_id,grade (0–3)"),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON 输出 machine-readable output")
    ] = False,
    cv: Annotated[
        int,
        typer.Option(
            help="也用 K 折交叉验证拟合各候选 also fit every candidate with K-fold CV on these judgments (0 = off)"
        ),
    ] = 0,
    plot: Annotated[
        Path | None, typer.Option(help="条形图 also draw the table as a bar chart (.png or .svg)")
    ] = None,
    model: ModelOpt = None,
) -> None:
    """nDCG@10 与 Recall@5 — every baseline, signal and fusion side by side, per data source.

    Without --projects/--resources/--qrels: the shipped protocol — every candidate fitted on one
    hand-judged catalogue ranked by models fitted on the others (what chooses), judged-train CV,
    and every locked part, fitted as shipped (all training parts) and on the other catalogues.
    """
    from .quality import quality_tables

    files = [f for f in (projects, resources, qrels) if f is not None]
    if files and len(files) != 3:
        raise typer.BadParameter("--projects, --resources and --qrels go together")

    def action() -> dict[str, list]:
        with _progress() as progress:
            return quality_tables(files or None, _fusion(model), cv_folds=cv, progress=progress)

    tables = _run(action)
    if plot is not None:
        from .plots import quality_chart

        console.print(f"已写入 wrote {quality_chart(tables, plot)}")
    if as_json:
        out.print_json(
            json.dumps(
                {source: [r.as_dict() for r in rows] for source, rows in tables.items()},
                ensure_ascii=False,
            )
        )
        return
    for source, rows in tables.items():
        table = Table(title=f"排序质量 ranking quality — {source}")
        for column in ("ranker", "kind", "nDCG@10 lin", "nDCG@10 exp", "Recall@5"):
            table.add_column(column, justify="left" if column in ("ranker", "kind") else "right")
        for r in rows:
            table.add_row(
                r.name, r.kind, f"{r.ndcg10:.3f}", f"{r.ndcg10_exp:.3f}", f"{r.recall5:.3f}"
            )
        out.print(table)


@app.command()
def fit(
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="写入此目录 write the fitted fusion here (default models/fusion)"
        ),
    ] = None,
    projects: Annotated[
        Path | None, typer.Option("--projects", "-p", help="评分涉及的项目表 projects of --qrels")
    ] = None,
    resources: Annotated[
        Path | None,
        typer.Option("--resources", "-r", help="评分涉及的资源方表 providers of --qrels"),
    ] = None,
    qrels: Annotated[
        Path | None,
        typer.Option(
            "--qrels",
            "-q",
            help="组织方评分 organiser grades project_id,resource_id,grade (0–3); a listed "
            "project is fully judged (unlisted pairs count 0)",
        ),
    ] = None,
    model: ModelOpt = None,
) -> None:
    """选择并拟合融合模型 — choose the fusion on judged data and fit it (models/fusion).

    Candidates are chosen on hand-judged catalogues they were not fitted on (each catalogue's
    training part ranked by a candidate fitted on the others'), then refitted on every training
    part; the locked test parts are only scored. See README "Ranking quality".

    With --projects/--resources/--qrels (and --out): the organiser's grades are added to the
    project's own judged data, a challenger is fitted and compared with the current model
    (--model, default models/fusion) on held-out graded projects, and the winner is written.
    """
    if qrels is None and (projects or resources):
        raise typer.BadParameter(
            "give --qrels with --projects and --resources", param_hint="--qrels"
        )
    if qrels is not None:
        _refit_from_grades(projects, resources, qrels, out_dir, model)
        return
    from .datasets import load as load_source
    from .engine import Settings, load_encoders, write_centres
    from .selection import Protocol, fit_shipped

    def action() -> dict:
        settings = Settings.from_env()
        train = load_source("judged-train").judged_projects
        write_centres(settings, [p.text for p in train], "judged-train")
        with _progress() as progress:
            protocol = Protocol.load(load_encoders(settings), progress)
            fusion = fit_shipped(protocol)
        fusion.save(out_dir or settings.fusion_dir)
        return fusion.meta

    meta = _run(action)
    console.print(
        f"融合模型已保存 fusion saved ({meta['shipped']}, chosen: {meta['candidate']}); "
        "locked nDCG@10(exp), fitted on every catalogue's training part:"
    )
    for part, scored in meta["locked"].items():
        console.print(
            f"  {part}: chosen {scored['chosen']['ndcg10_exp']:.3f}, naive z-sum "
            f"{scored['zsum']['ndcg10_exp']:.3f}, best single signal "
            f"{scored['best_single']['name']} {scored['best_single']['ndcg10_exp']:.3f}"
        )
    if meta["note"]:
        console.print(meta["note"])


def _refit_from_grades(
    projects: Path | None,
    resources: Path | None,
    qrels: Path,
    out_dir: Path | None,
    model: Path | None,
) -> None:
    if projects is None or resources is None:
        raise typer.BadParameter(
            "--qrels needs --projects and --resources (the records it grades)",
            param_hint="--qrels",
        )
    if out_dir is None:
        raise typer.BadParameter(
            "with --qrels give --out DIR: the shipped model is never replaced silently",
            param_hint="--out",
        )
    from .engine import Settings, load_encoders
    from .learning import adopted, base_data, refit

    def action():
        settings = Settings.from_env()
        champion = _fusion(model)
        encoders = load_encoders(settings)
        with _progress() as progress:
            event = featurise_files(projects, resources, qrels, encoders, progress)
            result = refit(champion, base_data(encoders, progress), event, progress=progress)
        winner = adopted(champion, result)
        winner.save(out_dir)
        return result.comparison

    comparison = _run(action)
    table = Table(title=f"组织方评分的留出项目 held-out graded projects ({comparison.projects})")
    for column in ("model", "nDCG@10 (exp)", "nDCG@10 (linear)", "Recall@5"):
        table.add_column(column)
    for name, r in (
        ("当前 champion", comparison.champion),
        ("新 challenger", comparison.challenger),
    ):
        table.add_row(name, f"{r.ndcg10_exp:.4f}", f"{r.ndcg10:.4f}", f"{r.recall5:.4f}")
    console.print(table)
    verdict = (
        f"新模型胜出，已写入 challenger wins ({comparison.recipe}, +{comparison.gain:.4f})"
        if comparison.wins
        else "新模型未胜出，写入的是当前模型 challenger did not win; the current model was "
        f"written unchanged (gain {comparison.gain:+.4f} ≤ margin)"
    )
    console.print(f"{verdict} → {out_dir}")


def featurise_files(projects: Path, resources: Path, qrels: Path, encoders, progress):
    from .datasets import from_files
    from .selection import featurise

    return featurise(from_files("organiser", projects, resources, qrels), encoders, progress)


@app.command()
def plan(
    projects: ProjectsOpt,
    resources: ResourcesOpt,
    out_paths: Annotated[
        list[Path],
        typer.Option("--out", "-o", help="方案文件 plan file(s): .xlsx, .csv or .json; repeatable"),
    ],
    event_file: Annotated[
        Path | None,
        typer.Option(
            "--event",
            "-e",
            help="活动设置 event YAML (slots, tables, attendance, pins, blocks, wishes)",
        ),
    ] = None,
    meetings_per_project: Annotated[
        int | None,
        typer.Option(
            "--meetings-per-project", min=1, max=50, help="每个项目的洽谈场数 meetings per project"
        ),
    ] = None,
    extra_min_grade: Annotated[
        float | None,
        typer.Option(
            "--extra-min-grade",
            min=0.0,
            max=3.0,
            help="超出最少场数的洽谈，预期评分（0–3）须达此值 a meeting beyond each project's "
            "minimum only when expected to grade at least this (default 1 一般; 0 fills every place)",
        ),
    ] = None,
    slots: Annotated[
        int | None,
        typer.Option(
            "--slots",
            min=1,
            max=200,
            help="时段数 number of slots from the default start (14:00, 15 minutes each)",
        ),
    ] = None,
    tables: Annotated[
        int | None, typer.Option("--tables", min=1, max=2000, help="桌数 number of tables")
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous", help="已发布的方案 JSON: re-plan with minimal change and write the diff"
        ),
    ] = None,
    solver: Annotated[str, typer.Option(help="flow | milp | greedy")] = "flow",
    bound: Annotated[
        bool,
        typer.Option(
            "--bound",
            help="计算 LP 上界 the exact LP bound and its gap at any size "
            "(≈30 s or more at 10,000 × 1,000; by default only up to 100,000 candidate pairs, "
            "the cheap top-k bound above)",
        ),
    ] = False,
    seed: Annotated[int, typer.Option(help="随机种子 seed")] = 0,
    model: ModelOpt = None,
) -> None:
    """排洽谈日程 — plan an event's face-to-face meetings under capacities, then schedule them."""
    from dataclasses import replace

    from .engine import open_catalogue
    from .ingest import read_projects, read_resources
    from .plan import (
        Event,
        PlanSettings,
        diff_plans,
        load_event,
        plan_event,
        read_plan,
        standby_lists,
        write_plan,
    )
    from .plan.bound import BOUND_KINDS

    def action() -> tuple[object, list[Path], str]:
        from .errors import UsageError
        from .plan.event import DEFAULT_MINUTES, DEFAULT_START, slots_from
        from .plan.export import GRADE_HEADER, PLAN_FORMATS, grade
        from .plan.solvers import SOLVERS

        # Refuse what cannot work before reading or ranking anything.
        for path in out_paths:
            if path.suffix.lower() not in PLAN_FORMATS:
                raise UsageError(f"--out {path}: 方案文件须为 {' / '.join(PLAN_FORMATS)}")
        if solver not in SOLVERS:
            raise UsageError(f"--solver {solver}: 可选 {' | '.join(SOLVERS)}")
        event = load_event(event_file) if event_file else Event(name="洽谈会")
        if meetings_per_project is not None:
            event = replace(
                event, min_meetings=meetings_per_project, max_meetings=meetings_per_project
            )
        if extra_min_grade is not None:
            event = replace(event, extra_min_grade=extra_min_grade)
        if slots is not None:
            event = replace(event, slots=slots_from(slots, DEFAULT_START, DEFAULT_MINUTES))
        if tables is not None:
            event = replace(event, tables=tables)
        ps, rs = read_projects(projects), read_resources(resources)
        old = read_plan(previous) if previous else None
        with _progress() as progress:
            fusion = _fusion(model)
            catalogue = open_catalogue(ps, rs, fusion=fusion, progress=progress)
            scores = catalogue.current().match_scores()
            settings = PlanSettings(bound="lp" if bound else "auto")
            result = plan_event(
                scores, event, previous=old, seed=seed, solver=solver, settings=settings
            )
        written = [write_plan(result, path) for path in out_paths]
        first = out_paths[0]
        standby = standby_lists(result, scores, event)
        standby_path = first.with_name(first.stem + "_standby.csv")
        write_csv(
            standby_path,
            ("资源方编号", "时段", "候补顺序", "项目编号", GRADE_HEADER, "推荐理由"),
            (
                (s.resource_id, s.slot, s.rank, s.project_id, f"{grade(s.score):.2f}", s.reasons)
                for lists in standby.values()
                for s in lists
            ),
        )
        written.append(standby_path)
        summary = ""
        if old is not None:
            diff = diff_plans(old, result)
            diff_path = first.with_name(first.stem + "_diff.json")
            with atomic_path(diff_path) as tmp:
                tmp.write_text(
                    json.dumps(diff.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
                )
            written.append(diff_path)
            summary = diff.summary()
        return result, written, summary

    result, written, summary = _run(action)
    stats = result.stats  # type: ignore[attr-defined]
    console.print(
        f"洽谈 {stats.meetings} 场；目标值 {stats.objective:.1f}，"
        f"{BOUND_KINDS.get(stats.bound_kind, stats.bound_kind)} {stats.upper_bound:.1f}"
        f"（差距 {100 * stats.gap:.2f}%），贪心基线 {stats.greedy_objective:.1f}；"
        f"用时 {stats.wall_seconds:.1f} 秒（其中上界 {stats.bound_seconds:.1f} 秒）"
    )
    if stats.meetings:
        from .plan.export import LEGEND, grade

        mean = grade(stats.quality / stats.meetings)
        console.print(f"会面平均预计专家评分 {mean:.2f}（{LEGEND}）")
    for line in result.diagnostics:  # type: ignore[attr-defined]
        console.print(f"  · {line}")
    if summary:
        console.print(f"变更 changes: {summary}")
    for path in written:
        console.print(f"已写入 wrote {path}")


if __name__ == "__main__":
    app()
