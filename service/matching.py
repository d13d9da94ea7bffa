"""The live catalogue kept in step with the database: one writer at a time, readers never wait.

A write commits to the database first (the source of truth), then updates the catalogue and
its indexes. If the process dies in between, the next start finds the indexes stale against
the database and repairs them; if the catalogue update fails, a full resync from the database
runs and /readyz reports the problem until it succeeds.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from sqlalchemy.orm import Session, sessionmaker

from matcher.catalogue import Catalogue, Snapshot
from matcher.features import NEED_ENCODERS, project_vectors
from matcher.prose import need_text
from matcher.rank import Fusion, Match
from matcher.schema import RESOURCE_TYPE, TRACK, Project, Resource
from matcher.text.cache import CachedEncoder
from matcher.text.encoders import Encoder

from . import changes, crud, versions
from .errors import NotMatchableYet

log = logging.getLogger(__name__)
ANSWER_CACHE = 4096  # match lists kept per process (keyed by snapshot version)
DEFERRED_CHUNK = 64  # projects encoded at a time after a restart mid-import
CLOSE_SECONDS = 10.0  # how long closing waits for a background thread to finish its step


class Matching:
    """Writes go through here (database, then catalogue); reads come from the current snapshot.

    Every write notes its change in the change log (`changes.py`) in its own transaction, then
    applies everything the log holds past `seen` (its own change and any other process's). A
    follower thread (`follow`) checks the log every `interval` seconds and applies what other
    processes wrote, so with several server processes a write reaches every catalogue within
    the interval plus the time that catalogue takes to apply it.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._catalogue: Catalogue | None = None
        self.sessions = sessions
        self._write = threading.Lock()
        self.problem: str | None = None  # why answers cannot be trusted right now
        self._answers: LRUCache[tuple[Any, ...], Answer] = LRUCache(maxsize=ANSWER_CACHE)
        self._answers_lock = threading.Lock()
        self.on_change: Callable[[Snapshot], None] | None = None
        self.shipped: Fusion | None = None  # the model the service started with (version 0)
        self.seen = 0  # the change-log version the catalogue holds
        self.fusion_id: int | None = None  # the model version it scores with (0: shipped)
        # told of credentials revoked (None: any may have been) so credential caches drop them
        self.on_revoked: Callable[[set[str] | None], None] | None = None
        self._stop = threading.Event()
        self._follower: threading.Thread | None = None
        self._threads: list[threading.Thread] = []
        # projects on file whose texts were not encoded yet at start (a crash mid-import):
        # encoded in the background, unmatchable until then
        self.deferred: set[str] = set()

    # -- loading --------------------------------------------------------------------------------

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            raise RuntimeError("catalogue not loaded yet")
        return self._catalogue

    @property
    def writing(self) -> bool:
        """A write is between its database commit and the catalogue update."""
        return self._write.locked()

    @property
    def loaded(self) -> bool:
        return self._catalogue is not None and self._catalogue.loaded

    def behind(self, session: Session) -> bool:
        """The database holds changes this catalogue has not applied yet (another process's)."""
        return changes.latest(session) > self.seen

    def load(self, catalogue: Catalogue) -> Snapshot:
        """Score what the database holds with `catalogue`; its indexes are checked and repaired."""
        with self._write, self.sessions() as session:
            seen = changes.latest(session)  # first: a change after it is applied again later
            fusion = self._new_fusion(session)  # a version activated while the models loaded
            if fusion is not None:
                catalogue.fusion = fusion[1]
            projects, resources = crud.all_projects(session), crud.all_resources(session)
            ready, later = _split_encoded(catalogue.encoders, projects)
            snapshot = catalogue.load(ready, resources)
            self._catalogue, self.seen = catalogue, seen
            self.fusion_id = fusion[0] if fusion else self.fusion_id
            self.deferred = {p.project_id for p in later}
            self.problem = None
        self._changed(snapshot)
        if self.deferred:
            log.info("%d projects not encoded yet: serving the others meanwhile", len(later))
            self._started(threading.Thread(target=self._encode_deferred, name="encode-later"))
        return snapshot

    def _encode_deferred(self) -> None:
        """Encode the deferred projects a chunk at a time (outside the writer's lock: the cache
        keeps the vectors), then score each chunk in like a write."""
        while self.deferred and not self._stop.is_set():
            chunk = sorted(self.deferred)[:DEFERRED_CHUNK]
            try:
                with self.sessions() as session:
                    found = crud.projects_by_id(session, chunk)
                project_vectors(self.catalogue.encoders, found)  # the slow part, into the cache
                with self._write:
                    waiting = set(chunk) & self.deferred  # a write may have scored some since
                    with self.sessions() as session:
                        found = crud.projects_by_id(session, waiting)
                    gone = waiting - {p.project_id for p in found}
                    snapshot = self.catalogue.update_projects(found, gone)
                    self.deferred -= waiting
                self._changed(snapshot)
            except Exception:
                log.exception("encoding deferred projects failed; reloading everything")
                with self._write:
                    self.resync()
                    self.deferred = set()

    def resync(self) -> None:
        """Rebuild the catalogue from the database after a failed incremental update."""
        try:
            self._reload()
        except Exception as exc:
            log.exception("resync from the database failed")
            self.problem = f"catalogue out of step with the database: {exc}"

    def _reload(self) -> Snapshot:
        with self.sessions() as session:
            seen = changes.latest(session)
            fusion = self._new_fusion(session)
            projects, resources = crud.all_projects(session), crud.all_resources(session)
        if fusion is not None:
            self.catalogue.fusion = fusion[1]  # replace_all scores with it
        snapshot = self.catalogue.replace_all(projects, resources)
        self.seen = seen
        self.deferred = set()
        self.fusion_id = fusion[0] if fusion else self.fusion_id
        self.problem = None
        self._changed(snapshot)
        return snapshot

    def _new_fusion(self, session: Session) -> tuple[int, Fusion] | None:
        """The active model version and its fusion if it is not the one in use, else None."""
        if self.shipped is None:
            return None
        version_id = versions.active_id(session)
        if version_id == self.fusion_id:
            return None
        return version_id, versions.active_fusion(session, self.shipped)

    # -- following other processes ----------------------------------------------------------------

    def follow(self, interval: float) -> None:
        """Apply other processes' writes every `interval` seconds, in a daemon thread."""
        if self._follower is None:
            self._follower = threading.Thread(
                target=self._follow, args=(interval,), name="catalogue-follow"
            )
            self._started(self._follower)

    def _started(self, thread: threading.Thread) -> None:
        thread.daemon = True
        self._threads.append(thread)
        thread.start()

    def close(self, timeout: float = CLOSE_SECONDS) -> None:
        """Stop following and encoding, and wait for the threads: one still inside a session
        when the engine is disposed would leave its connection open."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def _follow(self, interval: float) -> None:
        while not self._stop.wait(interval):
            if not self.loaded:
                continue
            try:
                with self.sessions() as session:
                    if not self.behind(session):
                        continue
                with self._write:
                    self._catch_up()
            except Exception:
                log.exception("could not check the change log; trying again")

    def catch_up(self) -> Snapshot:
        """Apply whatever the change log holds past `seen`; the current snapshot after it."""
        with self._write:
            self._catch_up()
        return self.catalogue.current()

    def _catch_up(self) -> None:
        """With the writer's lock held: apply the pending changes (re-read from the database);
        on failure, reload everything (and say so on /readyz until that works)."""
        try:
            with self.sessions() as session:
                todo = changes.pending(session, self.seen)
                if todo is None:
                    return
                if self.on_revoked and (todo.revoked or todo.everything):
                    self.on_revoked(None if todo.everything else todo.revoked)
                if todo.everything:
                    self._reload()
                    return
                fusion = self._new_fusion(session) if todo.fusion else None
                resources = crud.resources_by_id(session, todo.resources)
                projects = crud.projects_by_id(session, todo.projects)
            snapshot = self.catalogue.current()
            if fusion is not None:
                snapshot = self.catalogue.use_fusion(fusion[1])
                self.fusion_id = fusion[0]
            if todo.resources:
                gone = todo.resources - {r.resource_id for r in resources}
                snapshot = self.catalogue.update_resources(resources, gone)
            if todo.projects:
                gone = todo.projects - {p.project_id for p in projects}
                snapshot = self.catalogue.update_projects(projects, gone)
                self.deferred -= todo.projects
            self.seen = todo.version
        except Exception:
            log.exception("incremental catalogue update failed; resyncing from the database")
            self.problem = "catalogue update failed; resyncing"
            self.resync()
            return
        self._changed(snapshot)

    # -- writing --------------------------------------------------------------------------------

    def save_projects(
        self, projects: Sequence[Project], replace_all: bool = False
    ) -> dict[str, int]:
        with self._write:
            with self.sessions() as session:
                version = changes.begin(session)
                before = set(crud.record_ids(session)[0])
                counts = crud.save_projects(session, projects, replace_all)
                removed = before - {p.project_id for p in projects} if replace_all else set()
                ids = {p.project_id for p in projects} | removed
                changes.note(session, version, "projects", ids)
                session.commit()
            self._catch_up()
        return counts

    def save_resources(
        self, resources: Sequence[Resource], replace_all: bool = False
    ) -> dict[str, int]:
        with self._write:
            with self.sessions() as session:
                version = changes.begin(session)
                before = set(crud.record_ids(session)[1])
                counts = crud.save_resources(session, resources, replace_all)
                removed = before - {r.resource_id for r in resources} if replace_all else set()
                ids = {r.resource_id for r in resources} | removed
                changes.note(session, version, "resources", ids)
                session.commit()
            self._catch_up()
        return counts

    def delete_project(self, project_id: str) -> bool:
        with self._write:
            with self.sessions() as session:
                version = changes.begin(session)
                found = crud.delete_project(session, project_id)
                if found:
                    changes.note(session, version, "projects", [project_id])
                    session.commit()
            if found:
                self._catch_up()
        return found

    def delete_resource(self, resource_id: str) -> bool:
        with self._write:
            with self.sessions() as session:
                version = changes.begin(session)
                found = crud.delete_resource(session, resource_id)
                if found:
                    changes.note(session, version, "resources", [resource_id])
                    session.commit()
            if found:
                self._catch_up()
        return found

    def refresh(self) -> Snapshot:
        """Rebuild from the database: refit lexical models, re-score everything, repair indexes;
        every other process does the same."""
        with self._write:
            with self.sessions() as session:
                changes.note(session, changes.begin(session), "all")
                session.commit()
            return self._reload()

    def use_fusion(self, fusion: Fusion) -> Snapshot:
        """Re-score everything with `fusion` in this process only (`versions.activate` tells
        every process); answers cached from the old model are dropped."""
        with self._write:
            snapshot = self.catalogue.use_fusion(fusion)
            self._changed(snapshot)
            return snapshot

    def _changed(self, snapshot: Snapshot) -> None:
        with self._answers_lock:
            self._answers.clear()
        if self.on_change:
            self.on_change(snapshot)

    # -- reading --------------------------------------------------------------------------------

    def cached_resources_for(self, project_id: str, k: int, types: tuple[str, ...]) -> bytes | None:
        """The answer's JSON if it is cached: the event loop may serve that inline, and hand a
        miss (a ranking with reasons, a few ms) to a thread."""
        found = self._cached(_key("p", self.catalogue.current(), project_id, k, types))
        return found.json if found else None

    def cached_projects_for(self, resource_id: str, k: int) -> bytes | None:
        found = self._cached(_key("r", self.catalogue.current(), resource_id, k))
        return found.json if found else None

    def resources_for(self, project_id: str, k: int, types: tuple[str, ...]) -> Answer | None:
        """A project's matches (cached per snapshot); None if the id is unknown."""
        snapshot = self.catalogue.current()
        key = _key("p", snapshot, project_id, k, types)
        cached = self._cached(key)
        if cached is not None:
            return cached
        if project_id not in snapshot.project_row:
            if project_id in self.deferred:
                raise NotMatchableYet(project_id, len(self.deferred))
            return None
        matches = snapshot.resources_for(project_id, k, types)
        return self._remember(key, Answer.of(project_id, provider_matches(snapshot, matches)))

    def projects_for(self, resource_id: str, k: int) -> Answer | None:
        """A provider's matches (cached per snapshot); None if the id is unknown."""
        snapshot = self.catalogue.current()
        key = _key("r", snapshot, resource_id, k)
        cached = self._cached(key)
        if cached is not None:
            return cached
        if resource_id not in snapshot.resource_col:
            return None
        matches = snapshot.projects_for(resource_id, k)
        return self._remember(key, Answer.of(resource_id, project_matches(snapshot, matches)))

    def query(
        self, texts: Sequence[str], ks: Sequence[int], types: Sequence[Sequence[str]]
    ) -> list[list[dict[str, Any]]]:
        """Providers for free texts (one batch), ranked and described from one snapshot."""
        snapshot = self.catalogue.current()
        answers = self.catalogue.query(texts, ks, types, snapshot=snapshot)
        return [provider_matches(snapshot, matches) for matches in answers]

    def _cached(self, key: tuple[Any, ...]) -> Answer | None:
        with self._answers_lock:
            return self._answers.get(key)

    def _remember(self, key: tuple[Any, ...], answer: Answer) -> Answer:
        with self._answers_lock:
            self._answers[key] = answer
        return answer


def _split_encoded(
    encoders: Mapping[str, Encoder], projects: Sequence[Project]
) -> tuple[list[Project], list[Project]]:
    """(projects whose texts every encoder's cache holds, the others). Without caches in front
    of the encoders nothing can be told apart: all count as ready."""
    caches = [e for e in encoders.values() if isinstance(e, CachedEncoder)]
    if not projects or len(caches) != len(encoders):
        return list(projects), []
    texts = [p.text for p in projects]
    ready = [True] * len(projects)
    for name, cache in zip(encoders, caches, strict=True):
        wanted = texts + [need_text(t) for t in texts] if name in NEED_ENCODERS else texts
        found = cache.cached(wanted)
        for i in range(len(projects)):
            ready[i] = (
                ready[i] and found[i] and (name not in NEED_ENCODERS or found[len(texts) + i])
            )
    return (
        [p for p, ok in zip(projects, ready, strict=True) if ok],
        [p for p, ok in zip(projects, ready, strict=True) if not ok],
    )


@dataclass(frozen=True)
class Answer:
    """A ranked list as the pages use it (`data`, MatchPublic-shaped) and as the API sends it."""

    for_id: str
    data: list[dict[str, Any]]
    json: bytes

    @classmethod
    def of(cls, for_id: str, data: list[dict[str, Any]]) -> Answer:
        body = {"for_id": for_id, "data": data, "count": len(data)}
        return cls(
            for_id, data, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        )


def _key(
    side: str, snapshot: Snapshot, record_id: str, k: int, types: tuple[str, ...] = ()
) -> tuple[Any, ...]:
    """An answer's cache key: a new snapshot version makes every older answer unreachable."""
    return (side, snapshot.version, record_id, k, types)


def provider_matches(snapshot: Snapshot, matches: Sequence[Match]) -> list[dict[str, Any]]:
    """Matches as MatchPublic fields, described from the snapshot that ranked them."""
    out = []
    for m in matches:
        r = snapshot.resources[snapshot.resource_col[m.resource_id]]
        out.append(
            {
                "rank": m.rank,
                "id": r.resource_id,
                "name": r.name,
                "type": r.type,
                "type_label": RESOURCE_TYPE.label(r.type),
                "score": round(m.score, 4),
                "reasons": m.reasons,
            }
        )
    return out


def project_matches(snapshot: Snapshot, matches: Sequence[Match]) -> list[dict[str, Any]]:
    out = []
    for m in matches:
        p = snapshot.projects[snapshot.project_row[m.project_id]]
        out.append(
            {
                "rank": m.rank,
                "id": p.project_id,
                "name": p.title,
                "type": p.track,
                "type_label": TRACK.labels.get(p.track, ""),
                "score": round(m.score, 4),
                "reasons": m.reasons,
            }
        )
    return out
