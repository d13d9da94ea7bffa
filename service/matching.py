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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from sqlalchemy.orm import Session, sessionmaker

from matcher.catalogue import Catalogue, Snapshot
from matcher.rank import Fusion, Match
from matcher.schema import RESOURCE_TYPE, TRACK, Project, Resource

from . import crud

log = logging.getLogger(__name__)
ANSWER_CACHE = 4096  # match lists kept per process (keyed by snapshot version)


class Matching:
    """Writes go through here (database, then catalogue); reads come from the current snapshot."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._catalogue: Catalogue | None = None
        self.sessions = sessions
        self._write = threading.Lock()
        self.problem: str | None = None  # why answers cannot be trusted right now
        self._answers: LRUCache[tuple[Any, ...], Answer] = LRUCache(maxsize=ANSWER_CACHE)
        self._answers_lock = threading.Lock()
        self.on_change: Callable[[Snapshot], None] | None = None
        self.shipped: Fusion | None = None  # the model the service started with (version 0)

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

    def load(self, catalogue: Catalogue) -> Snapshot:
        """Score what the database holds with `catalogue`; its indexes are checked and repaired."""
        with self._write, self.sessions() as session:
            projects, resources = crud.all_projects(session), crud.all_resources(session)
            snapshot = catalogue.load(projects, resources)
            self._catalogue = catalogue
            self.problem = None
        self._changed(snapshot)
        return snapshot

    def resync(self) -> None:
        """Rebuild the catalogue from the database after a failed incremental update."""
        try:
            self._reload()
        except Exception as exc:
            log.exception("resync from the database failed")
            self.problem = f"catalogue out of step with the database: {exc}"

    def _reload(self) -> Snapshot:
        with self.sessions() as session:
            projects, resources = crud.all_projects(session), crud.all_resources(session)
        snapshot = self.catalogue.replace_all(projects, resources)
        self.problem = None
        self._changed(snapshot)
        return snapshot

    # -- writing --------------------------------------------------------------------------------

    def save_projects(
        self, projects: Sequence[Project], replace_all: bool = False
    ) -> dict[str, int]:
        with self._write:
            with self.sessions() as session:
                before = set(crud.record_ids(session)[0])
                counts = crud.save_projects(session, projects, replace_all)
                session.commit()
            removed = before - {p.project_id for p in projects} if replace_all else set()
            self._apply(lambda: self.catalogue.update_projects(projects, removed))
        return counts

    def save_resources(
        self, resources: Sequence[Resource], replace_all: bool = False
    ) -> dict[str, int]:
        with self._write:
            with self.sessions() as session:
                before = set(crud.record_ids(session)[1])
                counts = crud.save_resources(session, resources, replace_all)
                session.commit()
            removed = before - {r.resource_id for r in resources} if replace_all else set()
            self._apply(lambda: self.catalogue.update_resources(resources, removed))
        return counts

    def delete_project(self, project_id: str) -> bool:
        with self._write:
            with self.sessions() as session:
                found = crud.delete_project(session, project_id)
                session.commit()
            if found:
                self._apply(lambda: self.catalogue.update_projects(removed=[project_id]))
        return found

    def delete_resource(self, resource_id: str) -> bool:
        with self._write:
            with self.sessions() as session:
                found = crud.delete_resource(session, resource_id)
                session.commit()
            if found:
                self._apply(lambda: self.catalogue.update_resources(removed=[resource_id]))
        return found

    def refresh(self) -> Snapshot:
        """Rebuild from the database: refit lexical models, re-score everything, repair indexes."""
        with self._write:
            return self._reload()

    def use_fusion(self, fusion: Fusion) -> Snapshot:
        """Re-score everything with `fusion` (a model version activated); answers cached from
        the old model are dropped."""
        with self._write:
            snapshot = self.catalogue.use_fusion(fusion)
            self._changed(snapshot)
            return snapshot

    def _apply(self, change: Callable[[], Snapshot]) -> None:
        try:
            snapshot = change()
        except Exception:
            log.exception("incremental catalogue update failed; resyncing from the database")
            self.problem = "catalogue update failed; resyncing"
            self.resync()
            return
        self._changed(snapshot)

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
