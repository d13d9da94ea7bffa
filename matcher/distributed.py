"""Ranking on a Ray cluster: projects in shards, the providers prepared once per worker.

A project's row depends only on itself and the providers (see ARCHITECTURE.md), so shards of
projects ranked apart and put back in the projects' order give the single process's rows, to the
bit (features.py sums similarities so that no block shape or thread count changes them).
Each worker of a Ray Data actor pool loads the encoders and prepares the providers once
(`Catalogue.load([], providers)`: lexical models fitted, vectors read or encoded), then ranks shard
after shard with `Catalogue.score_projects` and `rank_rows`, the command line's own functions.

    ranking = rank_on_ray(projects, providers, fusion, Cluster(workers=2), top_k=10)

Every node must see the models and the embedding cache at the paths in `Settings`.
"""

from __future__ import annotations

import logging
import os
import pickle
import resource
import socket
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .catalogue import DEFAULT_COVERAGE
from .errors import ClusterError
from .features import Progress
from .fusion import Fusion
from .rank_rows import RankRow, rank_rows
from .schema import Project, Resource
from .settings import Settings

log = logging.getLogger(__name__)

DEFAULT_SHARD = 256  # projects per shard: the blocks `Ranker` scores at once
PROBE_SECONDS = 5.0  # Ray itself retries an unreachable address for minutes


@dataclass(frozen=True)
class Cluster:
    """Where to rank: an existing cluster at `address`, or a local one with `workers` CPUs."""

    address: str | None = None
    workers: int = 2
    quiet: bool = True  # keep Ray's own log lines and bars out of the terminal


@dataclass
class RayRanking:
    """The rows in the projects' order, and each worker's peak memory (MB) by host:pid."""

    rows: list[RankRow]
    worker_peak_mb: dict[str, float] = field(default_factory=dict)


@contextmanager
def connected(cluster: Cluster) -> Iterator[None]:
    """Connect to `cluster.address`, or start a local instance and shut it down afterwards.

    A process already connected (`ray.init` called by the caller) keeps its connection.
    """
    if cluster.address:
        _probe(cluster.address)
    import ray

    if ray.is_initialized():
        yield
        return
    try:
        ray.init(
            address=cluster.address,
            num_cpus=None if cluster.address else cluster.workers,
            include_dashboard=False if not cluster.address else None,
            log_to_driver=not cluster.quiet,
            logging_level=logging.ERROR if cluster.quiet else logging.INFO,
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ClusterError(f"Ray 集群无法连接 cannot connect to Ray: {exc}") from exc
    try:
        yield
    finally:
        ray.shutdown()  # stops a local instance; only disconnects from a cluster


def _probe(address: str) -> None:
    """Fail fast, with the address in the message, when nothing listens there."""
    if address == "auto":
        return  # Ray reads the address of the cluster started on this machine
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(f"--address {address!r}: 应为 host:port (e.g. 10.0.0.5:6379)")
    try:
        socket.create_connection((host, int(port)), timeout=PROBE_SECONDS).close()
    except OSError as exc:
        raise ClusterError(
            f"Ray 集群无法连接 cannot reach a Ray cluster at {address}: {exc}"
        ) from exc


def rank_on_ray(
    projects: Sequence[Project],
    providers: Sequence[Resource],
    fusion: Fusion,
    cluster: Cluster,
    top_k: int = 10,
    types: Sequence[str] = (),
    coverage: bool = DEFAULT_COVERAGE,
    shard_size: int = DEFAULT_SHARD,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> RayRanking:
    """The rows of a rank file, ranked by a pool of `cluster.workers` actors on the cluster."""
    shards = [list(projects[i : i + shard_size]) for i in range(0, len(projects), shard_size)]
    if not shards:
        return RayRanking([])
    with connected(cluster):
        import ray
        import ray.data

        _quiet_ray_data(cluster.quiet)
        items = [{"shard": k, "projects": pickle.dumps(s)} for k, s in enumerate(shards)]
        dataset = ray.data.from_items(items, override_num_blocks=len(items))
        with warnings.catch_warnings():
            # Ray 2.60 names no parameter for max_restarts yet, only the deprecated extra kwargs
            warnings.simplefilter("ignore", DeprecationWarning)
            ranked = dataset.map_batches(
                ShardRanker,
                batch_size=1,
                compute=ray.data.ActorPoolStrategy(size=min(cluster.workers, len(shards))),
                num_cpus=1,
                # Fail fast: a lost worker fails the run (exit 2, nothing written) rather than
                # restarting, and Ray prints no restart caveat per worker.
                max_restarts=0,
                fn_constructor_kwargs={
                    "providers": ray.put(list(providers)),  # sent once, shared by the workers
                    "fusion": fusion,
                    "settings": settings or Settings.from_env(),
                    "top_k": top_k,
                    "types": tuple(types),
                    "coverage": coverage,
                },
            )
        by_shard: dict[int, list[RankRow]] = {}
        peaks: dict[str, float] = {}
        done = 0
        if progress:  # the line shows (with its clock) while the workers load their models
            progress("排序 ranking", 0, len(projects))
        try:
            for batch in ranked.iter_batches(batch_size=None, batch_format="numpy"):
                for k, rows, n, worker, peak in zip(
                    batch["shard"],
                    batch["rows"],
                    batch["projects_ranked"],
                    batch["worker"],
                    batch["peak_mb"],
                    strict=True,
                ):
                    by_shard[int(k)] = pickle.loads(rows)
                    peaks[str(worker)] = max(peaks.get(str(worker), 0.0), float(peak))
                    done += int(n)
                if progress:
                    progress("排序 ranking", done, len(projects))
        except ray.exceptions.RayError as exc:
            raise ClusterError(f"Ray 排序失败 ranking on Ray failed: {exc}") from exc
    log.info("%d shards on %d workers; peak MB per worker %s", len(shards), len(peaks), peaks)
    return RayRanking([row for k in range(len(shards)) for row in by_shard[k]], peaks)


class ShardRanker:
    """One Ray worker: encoders and providers prepared once, then one shard of projects a call."""

    def __init__(
        self,
        providers: Any,
        fusion: Fusion,
        settings: Settings,
        top_k: int,
        types: tuple[str, ...],
        coverage: bool,
    ) -> None:
        import ray

        from .engine import open_catalogue

        providers = ray.get(providers)  # a reference: Ray Data pickles these arguments as given
        self.catalogue = open_catalogue([], providers, settings, fusion, coverage=coverage)
        self.top_k, self.types = top_k, types
        self.worker = f"{socket.gethostname()}:{os.getpid()}"

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        ranked, counts = [], []
        for blob in batch["projects"]:
            shard: list[Project] = pickle.loads(blob)
            snapshot = self.catalogue.score_projects(shard)
            ranked.append(pickle.dumps(rank_rows(snapshot, shard, self.top_k, self.types)))
            counts.append(len(shard))
        n = len(counts)
        return {
            "shard": np.asarray(batch["shard"]),
            "rows": np.array(ranked, dtype=object),
            "projects_ranked": np.array(counts),
            "worker": np.array([self.worker] * n, dtype=object),
            "peak_mb": np.full(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }


def _quiet_ray_data(quiet: bool) -> None:
    """No Ray Data bars or execution lines in the terminal (its log file keeps them)."""
    import ray.data

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = not quiet
    context.print_on_execution_start = not quiet
    context.enable_auto_log_stats = not quiet
    if quiet:
        for handler in logging.getLogger("ray.data").handlers:
            if handler.name == "console":  # the handler Ray Data's logging config names so
                handler.setLevel(logging.ERROR)
