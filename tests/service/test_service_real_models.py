"""The built encoders behind the API: a free-text query, and concurrent queries batched."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from service_helpers import settings_for, wait_ready

from matcher.engine import DEFAULT_ENCODERS
from matcher.engine import Settings as ModelSettings
from matcher.text.encoders import ENCODERS, models_dir
from service.main import create_app

QUERIES = [
    "可降解冠脉支架，正在开展多中心临床试验，需要临床资源",
    "经典名方中药配方颗粒，希望对接中药提取生产",
    "ADC偶联药物，临床前药效完成，急需CDMO中试放大",
    "冠脉介入球囊导管，准备临床试验",
]


@pytest.mark.slow
def test_free_text_queries_with_the_built_encoders(tmp_path, admin):
    models = models_dir()
    if not all(
        (models / ENCODERS[n].folder / ENCODERS[n].stamp_file).is_file() for n in DEFAULT_ENCODERS
    ):
        pytest.skip("encoders not built (run `make setup`)")
    settings = settings_for(
        tmp_path,
        models=ModelSettings.from_env(
            {}, models_dir=models, cache_dir=tmp_path / "cache", encoders=DEFAULT_ENCODERS
        ),
    )
    with TestClient(create_app(settings)) as client:  # real encoders, z-score fusion
        wait_ready(client, timeout=300)
        first = client.post("/api/query", json={"text": QUERIES[0], "k": 3}, headers=admin)
        assert first.status_code == 200, first.text
        assert first.json()["data"][0]["id"] == "R1" and first.json()["track"] == "device"

        with ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(
                    lambda text: client.post(
                        "/api/query", json={"text": text, "k": 1}, headers=admin
                    ),
                    QUERIES * 4,
                )
            )
        assert [a.json()["data"][0]["id"] for a in answers[:3]] == ["R1", "R3", "R2"]
        batches = client.app.state.metrics.batch.collect()[0].samples
        count = next(s.value for s in batches if s.name.endswith("_count"))
        assert count < 1 + len(answers)  # some of the 16 concurrent queries shared a batch
