"""Input limits: sizes, lengths and top-k give 4xx with a clear message, never 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from service_helpers import fake_models, settings_for, wait_ready

from service.main import create_app


def test_k_above_100_is_422_in_fastapis_format(client, admin):
    response = client.get("/api/projects/P1/matches?k=101", headers=admin)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail[0]["loc"] == ["query", "k"]


@pytest.mark.parametrize(
    "body",
    [
        {"text": "x" * 5001},
        {"text": ""},
        {"text": "   "},
        {"text": "有\x00空字符"},
        {"text": "正常", "k": 0},
        {"text": "正常", "k": 1000},
        {"text": "正常", "types": ["spaceship"]},
        {"text": "正常", "unexpected": 1},
    ],
)
def test_bad_queries_are_422(client, admin, body):
    response = client.post("/api/query", json=body, headers=admin)
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], list)


def test_malformed_json_is_422_not_500(client, admin):
    response = client.post(
        "/api/query", content=b"{not json", headers={**admin, "content-type": "application/json"}
    )
    assert response.status_code == 422


def test_a_json_body_over_the_limit_is_413(client, admin):
    response = client.post("/api/query", json={"text": "长" * 200_000}, headers=admin)
    assert response.status_code == 413 and "limit" in response.json()["detail"]


def test_a_chunked_body_over_the_limit_is_413(client, admin):
    def chunks():
        for _ in range(100):
            yield b"x" * 10_000

    response = client.post(
        "/api/query", content=chunks(), headers={**admin, "content-type": "application/json"}
    )
    assert response.status_code == 413


def test_an_upload_over_the_limit_is_413(tmp_path, hash_encoder, admin):
    settings = settings_for(tmp_path, max_upload_bytes=50_000)
    with TestClient(create_app(settings, fake_models(hash_encoder))) as client:
        wait_ready(client)
        files = {"file": ("big.csv", b"a," * 60_000, "text/csv")}
        response = client.post("/api/projects/import", files=files, headers=admin)
        assert response.status_code == 413


def test_ids_with_slashes_or_control_characters_are_refused(client, admin):
    body = {"project_id": "a/b", "title": "t", "track": "ai", "stage": "concept"}
    assert client.post("/api/projects", json=body, headers=admin).status_code == 422
    body["project_id"] = "a\x00b"
    assert client.post("/api/projects", json=body, headers=admin).status_code == 422


def test_the_configured_limits_on_k_and_free_text_are_enforced(tmp_path, hash_encoder, admin):
    # MATCHER_MAX_K and MATCHER_MAX_TEXT_CHARS were settings no code read
    settings = settings_for(tmp_path, max_k=5, max_text_chars=20)
    with TestClient(create_app(settings, fake_models(hash_encoder))) as client:
        wait_ready(client)
        assert client.get("/api/projects/P1/matches?k=5", headers=admin).json()["count"] == 5
        for path in ("/api/projects/P1/matches?k=6", "/api/resources/R1/matches?k=6"):
            response = client.get(path, headers=admin)
            assert response.status_code == 422 and response.json()["detail"][0]["loc"] == [
                "query",
                "k",
            ]
        too_many = client.post("/api/query", json={"text": "需要融资", "k": 6}, headers=admin)
        assert too_many.status_code == 422 and too_many.json()["detail"][0]["loc"] == ["body", "k"]
        too_long = client.post("/api/query", json={"text": "长" * 21}, headers=admin)
        assert too_long.status_code == 422 and too_long.json()["detail"][0]["loc"] == [
            "body",
            "text",
        ]
        assert (
            client.post("/api/query", json={"text": "长" * 20, "k": 5}, headers=admin).status_code
            == 200
        )


ODD_JSON = {
    "lone surrogate": '{"text": "\\ud800", "title": "\\ud800", "project_id": "\\ud800", "resource_id": "R1"}',
    "surrogate key": '{"text": "正常", "\\udfff": 1}',
    "surrogate in a list": '{"text": "正常", "types": ["\\ud800"], "needs": ["\\ud800"]}',
    "1e309": '{"text": 1e309, "k": 1e309, "title": 1e309, "project_id": 1e309}',
    "-1e309": '{"text": "正常", "k": -1e309, "title": "t", "track": -1e309, "event_id": -1e309}',
    "NaN": '{"text": NaN, "k": NaN, "title": NaN, "outcome": NaN, "project_id": "P1"}',
    "Infinity": '{"text": "正常", "k": Infinity, "stage": Infinity}',
}


@pytest.mark.parametrize("body", ODD_JSON.values(), ids=ODD_JSON.keys())
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/query"),
        ("put", "/api/projects/P1"),
        ("post", "/api/outcomes"),
        ("put", "/api/resources/R1"),
    ],
)
def test_odd_json_is_4xx_not_500(client, admin, method, path, body):
    headers = {**admin, "content-type": "application/json"}
    response = client.request(method, path, content=body.encode(), headers=headers)
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], list)  # and the answer is valid JSON


@pytest.mark.parametrize("path", ["/api/projects/a%5Cb", "/api/resources/a%5Cb"])
def test_put_refuses_an_id_post_would_refuse(client, admin, path):
    body = (
        {"title": "t", "track": "device", "stage": "clinical"}
        if "projects" in path
        else {"name": "n", "type": "bank"}
    )
    response = client.put(path, json=body, headers=admin)
    assert response.status_code == 422, response.text
    assert client.get(path, headers=admin).status_code in (404, 422)


@pytest.mark.parametrize("capacity", [False, True, "8", 8.5])
def test_capacity_must_be_a_whole_number_not_a_boolean(client, admin, capacity):
    body = {"name": "示例银行", "type": "bank", "capacity": capacity}
    assert client.put("/api/resources/R9", json=body, headers=admin).status_code == 422


def test_personal_link_tokens_never_reach_the_access_log(client):
    import logging

    from service.logs import RedactTokens

    assert any(isinstance(f, RedactTokens) for f in logging.getLogger("uvicorn.access").filters)
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/me?token=mk_ab.secret&x=1", "1.1", 200),
        None,
    )
    assert RedactTokens().filter(record)
    assert "secret" not in record.getMessage() and "/me?token=…&x=1" in record.getMessage()


def test_the_schema_states_the_control_character_rules(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    project = schemas["ProjectCreate"]["properties"]
    assert (
        "\\u0000" in project["title"]["pattern"] and "\\u0000" in project["description"]["pattern"]
    )
    assert "/" in project["project_id"]["pattern"]


def test_a_malformed_upload_is_a_documented_400(client, admin):
    headers = {**admin, "content-type": "multipart/form-data; boundary=zz"}
    assert (
        client.post("/api/projects/import", content=b"garbage", headers=headers).status_code == 400
    )
    paths = client.get("/openapi.json").json()["paths"]
    for kind in ("projects", "resources"):
        assert "400" in paths[f"/api/{kind}/import"]["post"]["responses"]
