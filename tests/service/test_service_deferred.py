"""After a crash mid-import (records committed, their texts not yet encoded), the restarted
service serves what is ready at once and encodes the rest in the background, saying which
projects are not matchable yet (issue 13, defect 6)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient
from service_helpers import ADMIN_KEY, bearer, settings_for, wait_ready
from sqlalchemy.orm import sessionmaker

from matcher.features import feature_names
from matcher.fusion import Fusion
from matcher.schema import Project
from matcher.text.cache import CachedEncoder
from service import crud
from service.db import make_engine
from service.main import Models, create_app

ADMIN = bearer(ADMIN_KEY)


class SlowEncoder:
    """An encoder held back until the test lets it go (a big import's encoding)."""

    def __init__(self, encoder) -> None:
        self.encoder, self.model_id, self.dim = encoder, encoder.model_id, encoder.dim
        self.release = threading.Event()

    def _encode(self, texts):
        self.release.wait(30)
        return self.encoder.encode_queries(texts)

    encode_queries = _encode
    encode_passages = _encode


def _models(encoder, cache: Path) -> Models:
    cached = CachedEncoder(encoder, cache)
    return Models({"hash": cached}, Fusion(feature_names(("hash",)), "zsum"), {"hash": encoder})  # type: ignore[dict-item]


def _committed_not_encoded(settings, count: int) -> list[str]:
    """Projects written to the database as a killed import leaves them: no vectors cached."""
    engine = make_engine(settings.database_url)
    projects = [
        Project(
            f"N{i}",
            f"第{i}号冠脉支架",
            "冠脉介入器械，需要临床试验",
            "device",
            "clinical",
            ("clinical",),
        )
        for i in range(count)
    ]
    with sessionmaker(engine)() as session:
        crud.save_projects(session, projects)
        session.commit()
    engine.dispose()
    return [p.project_id for p in projects]


def test_what_is_encoded_is_served_at_once_and_the_rest_follows_with_progress(
    tmp_path, hash_encoder
):
    settings = settings_for(tmp_path)
    with TestClient(create_app(settings, _models(hash_encoder, tmp_path / "cache"))) as client:
        wait_ready(client)  # the fixtures encoded and cached
    new = _committed_not_encoded(settings, 20)

    slow = SlowEncoder(hash_encoder)
    with TestClient(create_app(settings, _models(slow, tmp_path / "cache"))) as client:
        wait_ready(client, timeout=10)  # not held up by the 20 new projects
        ready = client.get("/readyz").json()
        assert ready["status"] == "ready" and ready["updating"] is True
        assert set(ready["not_matchable"]) == set(new) and ready["projects"] == 3
        assert client.get("/api/projects/P1/matches", headers=ADMIN).json()["count"] == 6
        waiting = client.get("/api/projects/N0/matches", headers=ADMIN)
        assert waiting.status_code == 503 and "not matchable yet" in waiting.json()["detail"]
        assert waiting.headers["Retry-After"]

        slow.release.set()
        deadline = time.monotonic() + 30
        while client.get("/readyz").json()["not_matchable"]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert client.get("/readyz").json() | {"version": 0, "process": 0} == {
            "status": "ready",
            "projects": 23,
            "resources": 6,
            "version": 0,
            "problems": [],
            "updating": False,
            "pending": [],
            "not_matchable": [],
            "process": 0,
        }
        for project_id in new:
            assert (
                client.get(f"/api/projects/{project_id}/matches", headers=ADMIN).json()["count"]
                == 6
            )


def test_a_write_to_a_waiting_project_makes_it_matchable_at_once(tmp_path, hash_encoder):
    settings = settings_for(tmp_path)
    with TestClient(create_app(settings, _models(hash_encoder, tmp_path / "cache"))) as client:
        wait_ready(client)
    _committed_not_encoded(settings, 5)
    slow = SlowEncoder(hash_encoder)
    with TestClient(create_app(settings, _models(slow, tmp_path / "cache"))) as client:
        wait_ready(client, timeout=10)
        body = {
            "title": "新球囊",
            "description": "冠脉介入，需要临床",
            "track": "device",
            "stage": "clinical",
        }
        threading.Timer(0.5, slow.release.set).start()  # the write's own encoding needs it too
        assert client.put("/api/projects/N3", json=body, headers=ADMIN).status_code == 200
        assert client.get("/api/projects/N3/matches", headers=ADMIN).status_code == 200
        assert "N3" not in client.get("/readyz").json()["not_matchable"]
