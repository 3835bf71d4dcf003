"""/v3/info (generated from the registries) and the OpenAPI document."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Api

SPEC = Path(__file__).parents[1] / "spec"


async def test_info_lists_every_subfeature_with_providers_and_schemas(api: Api) -> None:
    r = await api.client.get("/v3/info", headers={"Authorization": ""})  # public, no key needed
    assert r.status_code == 200
    body = r.json()
    subs = {f"{f['feature']}/{s['subfeature']}": s for f in body["features"] for s in f["subfeatures"]}
    expected = {p.parent.name + "/" + p.stem.split("__")[0] for p in (SPEC / "outputs").glob("*/*.json")}
    expected.discard("llm/achat")  # an alias of llm/chat in the reference
    assert expected <= set(subs)
    emb = subs["text/embeddings"]
    assert emb["mode"] == "sync" and emb["endpoint"] == "/v3/universal-ai"
    fake = next(p for p in emb["providers"] if p["name"] == "fake")
    assert fake["available"] is True and fake["default_model"] == "small"
    small = next(m for m in fake["models"] if m["name"] == "small")
    assert small["model_string"] == "text/embeddings/fake/small"
    assert small["prices"] == [
        {"unit": "char", "amount": "0.10", "per": 1000000, "step": 100, "currency": "USD"}
    ]
    assert emb["input_schema"]["properties"]["texts"]["type"] == "array"
    assert "items" in emb["output_schema"]["properties"]
    assert subs["audio/speech_to_text_async"]["mode"] == "async"
    # Subfeatures no provider serves yet are listed, with an empty provider list.
    assert subs["video/shot_change_detection_async"]["providers"] == []
    names = {p["name"] for p in body["providers"]}
    assert {"fake", "fake2"} <= names


async def test_info_marks_unavailable_providers(api: Api, fakes) -> None:  # type: ignore[no-untyped-def]
    fakes[0].missing_credentials = True
    body = (await api.get("/v3/info/text/embeddings")).json()
    fake = next(p for p in body["providers"] if p["name"] == "fake")
    assert fake["available"] is False and fake["unavailable_reason"] == "FAKE_API_KEY is not set"


async def test_info_feature_and_subfeature(api: Api) -> None:
    body = (await api.get("/v3/info/ocr")).json()
    assert {f["feature"] for f in body["features"]} == {"ocr"}
    one = (await api.get("/v3/info/ocr/ocr")).json()
    assert one["subfeature"] == "ocr"
    file_prop = one["input_schema"]["properties"]["file"]
    assert file_prop.get("x-file-ref") is True
    r = await api.get("/v3/info/ocr/ocrr")
    assert r.status_code == 404 and "ocr/ocr" in r.json()["detail"]
    r = await api.get("/v3/info/txt")
    assert r.status_code == 404 and "text" in r.json()["detail"]


async def test_input_schema_matches_validation(api: Api) -> None:
    """What /v3/info documents is what the endpoint enforces: a required field is required."""
    one = (await api.get("/v3/info/text/embeddings")).json()
    assert "texts" in one["input_schema"]["required"]
    r = await api.post("/v3/universal-ai", json={"model": "text/embeddings/fake", "input": {}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "input", "texts"]


async def test_openapi_document(api: Api) -> None:
    doc = (await api.get("/openapi.json")).json()
    paths = doc["paths"]
    for path in [
        "/v3/universal-ai",
        "/v3/universal-ai/async",
        "/v3/universal-ai/async/{public_id}",
        "/v3/upload",
        "/v3/upload/delete",
        "/v3/info",
        "/v3/info/{feature}/{subfeature}",
    ]:
        assert path in paths, path
    create = paths["/v3/universal-ai/async"]["post"]
    assert "202" in create["responses"]
    assert "delete" in paths["/v3/universal-ai/async/{public_id}"]
    assert "get" in paths["/v3/universal-ai/async"]
    schemes = doc["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    body_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    props = doc["components"]["schemas"][body_ref]["properties"]
    assert {
        "model",
        "input",
        "provider_params",
        "show_original_response",
        "fallbacks",
        "webhook_receiver",
    } <= set(props)
    upload = paths["/v3/upload"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    json.dumps(doc)
    docs = await api.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_openapi_publishes_every_subfeature_input_schema(api: Api) -> None:
    doc = (await api.get("/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    mapping = schemas["UniversalAIRequest"]["properties"]["input"]["x-unigate-input-schemas"]
    assert len(mapping) >= 75
    ref = mapping["ocr/ocr"]["$ref"].split("/")[-1]
    assert "file" in schemas[ref]["properties"]
    for target in mapping.values():  # every reference resolves
        assert target["$ref"].split("/")[-1] in schemas
