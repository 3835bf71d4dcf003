"""The Universal AI endpoints end to end through the ASGI app, with scriptable fake providers."""

from __future__ import annotations

import asyncio
import re
import uuid

from tests.conftest import Api
from tests.fakes import FakeProvider

COST = re.compile(r"^(?!^[-+.]*$)[+-]?0*\d*\.?\d*$")
ENVELOPE_KEYS = {
    "status",
    "cost",
    "provider",
    "feature",
    "subfeature",
    "created_at",
    "output",
    "error",
    "model",
}


async def test_sync_envelope_and_exact_cost(api_both: Api) -> None:
    api = api_both
    r = await api.post(
        "/v3/universal-ai", json={"model": "text/embeddings/fake", "input": {"texts": ["a", "bb"]}}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["status"] == "success"
    assert body["provider"] == "fake" and body["model"] == "small"
    assert (body["feature"], body["subfeature"]) == ("text", "embeddings")
    assert body["output"] == {"items": [{"embedding": [1.0, 1.0, 0.5]}, {"embedding": [2.0, 1.0, 0.5]}]}
    # 3 characters billed as one 100-character step at $0.10 per 1M characters.
    assert body["cost"] == "0.00001"
    assert COST.match(body["cost"])
    assert body["error"] is None
    assert body["created_at"].endswith("Z")


async def test_model_part_may_contain_slashes(api_both: Api) -> None:
    api = api_both
    r = await api.post(
        "/v3/universal-ai", json={"model": "text/embeddings/fake/org/large-v2", "input": {"texts": ["abcd"]}}
    )
    body = r.json()
    assert body["status"] == "success" and body["model"] == "org/large-v2"
    assert body["cost"] == "0.0000052"  # 4 chars at $1.30 per 1M, no step


async def test_original_response_only_when_asked(api_both: Api) -> None:
    api = api_both
    req = {"model": "text/embeddings/fake", "input": {"texts": ["a"]}, "show_original_response": True}
    body = (await api.post("/v3/universal-ai", json=req)).json()
    assert body["original_response"] == {"data": [{"embedding": [1.0, 1.0, 0.5]}], "key": "x"}


async def test_fallback_serves_when_primary_fails(
    api_both: Api, fakes: tuple[FakeProvider, FakeProvider]
) -> None:
    api = api_both
    req = {
        "model": "text/embeddings/fake",
        "input": {"texts": ["a"]},
        "provider_params": {"fail": "server", "fail_provider": "fake"},
        "fallbacks": ["fake2"],
    }
    body = (await api.post("/v3/universal-ai", json=req)).json()
    assert body["status"] == "success"
    assert body["provider"] == "fake2"
    # A transient failure is retried on its route first (engine/retry.py), then the fallback serves.
    retries = api.gateway.settings.retry_max_attempts
    assert fakes[0].calls["embeddings"] == retries and fakes[1].calls["embeddings"] == 1


async def test_fallback_forms(api_both: Api) -> None:
    api = api_both
    for fb in ["fake2/org/large-v2", "text/embeddings/fake2/org/large-v2"]:
        req = {
            "model": "text/embeddings/fake",
            "input": {"texts": ["a"]},
            "provider_params": {"fail": "server", "fail_provider": "fake"},
            "fallbacks": [fb],
        }
        body = (await api.post("/v3/universal-ai", json=req)).json()
        assert (body["provider"], body["model"]) == ("fake2", "org/large-v2"), fb


async def test_too_many_fallbacks(api_both: Api) -> None:
    api = api_both
    req = {"model": "text/embeddings/fake", "input": {"texts": ["a"]}, "fallbacks": ["fake2"] * 4}
    r = await api.post("/v3/universal-ai", json=req)
    assert r.status_code == 422


async def test_provider_failure_is_a_fail_envelope_not_an_http_error(api_both: Api) -> None:
    api = api_both
    for mode, code in [("server", "provider_server_error"), ("auth", "provider_auth_error")]:
        req = {"model": "text/embeddings/fake", "input": {"texts": ["a"]}, "provider_params": {"fail": mode}}
        r = await api.post("/v3/universal-ai", json=req)
        assert r.status_code == 200
        body = r.json()
        assert body["status"] == "fail" and body["output"] is None
        assert body["error"]["error_code"] == code
        assert "secret-never-shown" not in r.text


async def test_adapter_bug_and_bad_output_end_as_fail(api_both: Api) -> None:
    api = api_both
    r = await api.post(
        "/v3/universal-ai",
        json={"model": "text/embeddings/fake", "input": {"texts": ["a"]}, "provider_params": {"crash": True}},
    )
    assert r.status_code == 200 and r.json()["error"]["error_code"] == "provider_error"
    r = await api.post(
        "/v3/universal-ai",
        json={
            "model": "text/embeddings/fake",
            "input": {"texts": ["a"]},
            "provider_params": {"bad_output": True},
        },
    )
    assert r.status_code == 200 and r.json()["error"]["error_code"] == "provider_bad_response"


async def test_unavailable_provider_fails_with_reason(
    api: Api, fakes: tuple[FakeProvider, FakeProvider]
) -> None:
    fakes[0].missing_credentials = True
    body = (
        await api.post("/v3/universal-ai", json={"model": "text/embeddings/fake", "input": {"texts": ["a"]}})
    ).json()
    assert body["status"] == "fail"
    assert body["error"] == {"message": "FAKE_API_KEY is not set", "error_code": "provider_unavailable"}


async def test_unknown_names_suggest_closest(api_both: Api) -> None:
    api = api_both
    r = await api.post("/v3/universal-ai", json={"model": "text/embedings/fake", "input": {"texts": ["a"]}})
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert detail["loc"] == ["body", "model"] and "text/embeddings" in detail["msg"]
    r = await api.post("/v3/universal-ai", json={"model": "text/embeddings/fak", "input": {"texts": ["a"]}})
    assert r.status_code == 422 and "fake" in r.json()["detail"][0]["msg"]
    r = await api.post(
        "/v3/universal-ai", json={"model": "text/embeddings/fake/smal", "input": {"texts": ["a"]}}
    )
    assert r.status_code == 422 and "small" in r.json()["detail"][0]["msg"]
    r = await api.post("/v3/universal-ai", json={"model": "text", "input": {}})
    assert r.status_code == 422 and "feature/subfeature/provider" in r.json()["detail"][0]["msg"]


async def test_input_validation_errors_use_fastapi_detail(api_both: Api) -> None:
    api = api_both
    r = await api.post("/v3/universal-ai", json={"model": "text/embeddings/fake", "input": {"texts": []}})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][:3] == ["body", "input", "texts"]
    r = await api.post("/v3/universal-ai", json={"model": "text/embeddings/fake", "input": {"text": ["a"]}})
    assert r.status_code == 422
    r = await api.client.post(
        "/v3/universal-ai",
        content=b'{"model": "text/embeddings/fake", "input": ',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "json_invalid"
    r = await api.post("/v3/universal-ai", json={"input": {"texts": ["a"]}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "model"]


async def test_constraint_violation_is_422_before_the_call(
    api: Api, fakes: tuple[FakeProvider, FakeProvider]
) -> None:
    r = await api.post(
        "/v3/universal-ai",
        json={"model": "translation/language_detection/fake", "input": {"text": "x" * 1001}},
    )
    assert r.status_code == 422 and "1000" in r.text
    assert fakes[0].calls["langdetect"] == 0


async def test_auth(api_both: Api) -> None:
    api = api_both
    req = {"model": "text/embeddings/fake", "input": {"texts": ["a"]}}
    r = await api.client.post("/v3/universal-ai", json=req, headers={"Authorization": ""})
    assert r.status_code == 401
    r = await api.client.post("/v3/universal-ai", json=req, headers={"Authorization": "Bearer ug_wrong"})
    assert r.status_code == 401
    key, secret = await api.gateway.keys.create("other")
    await api.gateway.keys.revoke(key.id)
    r = await api.client.post("/v3/universal-ai", json=req, headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 401


async def test_async_only_subfeature_refused_on_sync_endpoint(api_both: Api) -> None:
    api = api_both
    r = await api.post("/v3/universal-ai", json={"model": "ocr/ocr_async/fake", "input": {"file": "x"}})
    assert r.status_code == 400 and "/v3/universal-ai/async" in r.json()["detail"]


async def test_async_job_with_provider_side_launch_and_poll(
    api: Api, fakes: tuple[FakeProvider, FakeProvider]
) -> None:
    up = await api.upload(b"%PDF-1.4\n%%EOF\n", "doc.pdf")
    assert up.status_code == 200, up.text
    r = await api.post(
        "/v3/universal-ai/async",
        json={
            "model": "ocr/ocr_async/fake",
            "input": {"file_id": up.json()["file_id"]},
            "provider_params": {"polls": 3},
        },
    )
    assert r.status_code == 202, r.text
    created = r.json()
    assert created["status"] == "processing" and created["cost"] == "0.000" and created["output"] is None
    uuid.UUID(created["public_id"])
    done = await api.wait(created["public_id"])
    assert done["status"] == "success", done
    assert done["output"]["raw_text"] == "done fake-job-1 after 3 polls"
    assert done["cost"] == "0.0045"  # 3 pages at $1.5 per 1,000
    assert fakes[0].launches == ["fake-job-1"] and fakes[0].calls["poll"] == 3
    job = await api.gateway.jobs.get(created["public_id"])
    assert job is not None and job.provider_job_id == "fake-job-1"


async def test_async_job_failure_ends_fail(api_both: Api) -> None:
    api = api_both
    r = await api.post(
        "/v3/universal-ai/async",
        json={
            "model": "text/embeddings/fake",
            "input": {"texts": ["a"]},
            "provider_params": {"fail": "invalid"},
        },
    )
    done = await api.wait(r.json()["public_id"])
    assert done["status"] == "fail" and done["error"]["error_code"] == "provider_invalid_input"


async def test_jobs_are_private_to_their_key(api_both: Api) -> None:
    api = api_both
    r = await api.post(
        "/v3/universal-ai/async", json={"model": "text/embeddings/fake", "input": {"texts": ["a"]}}
    )
    job_id = r.json()["public_id"]
    _, other = await api.gateway.keys.create("other")
    headers = {"Authorization": f"Bearer {other}"}
    assert (await api.client.get(f"/v3/universal-ai/async/{job_id}", headers=headers)).status_code == 404
    assert (await api.client.delete(f"/v3/universal-ai/async/{job_id}", headers=headers)).status_code == 404
    listed = (await api.client.get("/v3/universal-ai/async", headers=headers)).json()
    assert listed["items"] == []
    assert (await api.get(f"/v3/universal-ai/async/{uuid.uuid4()}")).status_code == 404


async def test_list_jobs_newest_first_paginated_and_filtered(api_both: Api) -> None:
    api = api_both
    ids = []
    for i in range(5):
        model = "text/embeddings/fake" if i % 2 == 0 else "translation/language_detection/fake"
        inp = {"texts": ["a"]} if i % 2 == 0 else {"text": "hello"}
        ids.append(
            (await api.post("/v3/universal-ai/async", json={"model": model, "input": inp})).json()[
                "public_id"
            ]
        )
    for job_id in ids:
        await api.wait(job_id)
    page1 = (await api.get("/v3/universal-ai/async", params={"limit": 2})).json()
    assert [j["public_id"] for j in page1["items"]] == ids[::-1][:2]
    page2 = (
        await api.get("/v3/universal-ai/async", params={"limit": 2, "cursor": page1["next_cursor"]})
    ).json()
    page3 = (
        await api.get("/v3/universal-ai/async", params={"limit": 2, "cursor": page2["next_cursor"]})
    ).json()
    assert [j["public_id"] for j in page2["items"] + page3["items"]] == ids[::-1][2:]
    assert page3["next_cursor"] is None
    only = (await api.get("/v3/universal-ai/async", params={"subfeature": "embeddings"})).json()
    assert {j["subfeature"] for j in only["items"]} == {"embeddings"} and len(only["items"]) == 3
    fails = (await api.get("/v3/universal-ai/async", params={"status": "fail"})).json()
    assert fails["items"] == []
    bad = await api.get("/v3/universal-ai/async", params={"cursor": "!!"})
    assert bad.status_code == 422


async def test_cancel_running_job(api_both: Api) -> None:
    api = api_both
    r = await api.post(
        "/v3/universal-ai/async",
        json={"model": "text/embeddings/fake", "input": {"texts": ["a"]}, "provider_params": {"sleep": 30}},
    )
    job_id = r.json()["public_id"]
    for _ in range(100):  # wait until a worker has claimed it
        job = await api.gateway.jobs.get(job_id)
        if job is not None and job.state == "running":
            break
        await asyncio.sleep(0.02)
    r = await api.delete(f"/v3/universal-ai/async/{job_id}")
    assert r.status_code == 200, r.text
    assert r.json()["result"] in {"cancelled", "cancelling"}
    done = await api.wait(job_id, timeout_s=10)
    assert done["status"] == "fail" and done["error"]["error_code"] == "cancelled"
    assert (await api.delete(f"/v3/universal-ai/async/{job_id}")).status_code == 409


async def test_upload_then_file_input_and_aliases(api_both: Api) -> None:
    api = api_both
    png = _png()
    up = (await api.upload(png, "scan.txt")).json()  # the name lies: the type comes from the content
    assert up["file_mimetype"] == "image/png" and up["file_size"] == len(png)
    assert set(up) == {
        "file_id",
        "file_name",
        "file_size",
        "file_mimetype",
        "purpose",
        "created_at",
        "metadata",
        "expires_at",
    }
    for field in ("file", "file_id"):
        body = (
            await api.post(
                "/v3/universal-ai", json={"model": "ocr/ocr/fake", "input": {field: up["file_id"]}}
            )
        ).json()
        assert body["status"] == "success" and body["output"]["text"] == f"image/png:{len(png)}"


async def test_file_errors(api_both: Api) -> None:
    api = api_both
    r = await api.post(
        "/v3/universal-ai", json={"model": "ocr/ocr/fake", "input": {"file": str(uuid.uuid4())}}
    )
    assert r.status_code == 404
    wav = (await api.upload(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40, "a.wav")).json()
    r = await api.post("/v3/universal-ai", json={"model": "ocr/ocr/fake", "input": {"file": wav["file_id"]}})
    assert r.status_code == 415 and "image/png" in r.text
    r = await api.post(
        "/v3/universal-ai", json={"model": "ocr/ocr/fake", "input": {"file": "http://10.1.2.3/x.png"}}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "url_refused"
    r = await api.post(
        "/v3/universal-ai",
        json={"model": "ocr/ocr/fake", "input": {"file": _png_id_placeholder(), "language": "fr"}},
    )
    assert r.status_code in (404, 422)


async def test_upload_limits_and_delete(api_both: Api) -> None:
    api = api_both
    api.gateway.settings.max_upload_bytes = 1000
    r = await api.upload(b"x" * 1001, "big.txt")
    assert r.status_code == 413
    up = (await api.upload(_png(), "a.png", expires_in_days="2", purpose="ocr")).json()
    assert up["purpose"] == "ocr"
    r = await api.upload(_png(), "a.png", expires_in_days="31")
    assert r.status_code == 422
    _, other = await api.gateway.keys.create("other")
    r = await api.client.post(
        "/v3/upload/delete", json={"file_ids": [up["file_id"]]}, headers={"Authorization": f"Bearer {other}"}
    )
    assert r.json() == {"deleted_count": 0}
    r = await api.post("/v3/upload/delete", json={"file_ids": [up["file_id"]]})
    assert r.json() == {"deleted_count": 1}
    r = await api.post("/v3/universal-ai", json={"model": "ocr/ocr/fake", "input": {"file": up["file_id"]}})
    assert r.status_code == 404


async def test_pdf_page_count_metadata(api_both: Api) -> None:
    api = api_both
    import io

    from PIL import Image

    buf = io.BytesIO()
    pages = [Image.new("RGB", (50, 50), "white") for _ in range(3)]
    pages[0].save(buf, format="PDF", save_all=True, append_images=pages[1:])
    up = (await api.upload(buf.getvalue(), "doc.pdf")).json()
    assert up["file_mimetype"] == "application/pdf" and up["metadata"] == {"page_count": 3}


def _png_id_placeholder() -> str:
    return str(uuid.uuid4())


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, format="PNG")
    return buf.getvalue()


async def test_request_body_is_bounded(api_both: Api) -> None:
    api = api_both
    limit = api.gateway.settings.max_request_bytes
    big = {"model": "text/embeddings/fake", "input": {"texts": ["x" * (limit + 10)]}}
    r = await api.post("/v3/universal-ai", json=big)
    assert r.status_code == 413


async def test_produced_files_get_a_signed_resource_url(api: Api) -> None:
    r = await api.post(
        "/v3/universal-ai", json={"model": "audio/text_to_speech/fake", "input": {"text": "hello"}}
    )
    body = r.json()
    assert body["status"] == "success", body
    url = body["output"]["audio_resource_url"]
    assert url.startswith("http://127.0.0.1:8000/v3/files/") and "signature=" in url
    path = url.removeprefix("http://127.0.0.1:8000")
    anonymous = {"Authorization": ""}
    got = await api.client.get(path, headers=anonymous)  # the signature is the credential
    assert got.status_code == 200 and got.content == b"ID3fake-mp3-hello"
    assert got.headers["content-type"] == "audio/mpeg"
    tampered = path.replace("signature=", "signature=0")
    assert (await api.client.get(tampered, headers=anonymous)).status_code == 403
    file_id = path.split("/")[3]
    expired = api.gateway.files.signer.url(file_id, now=0).removeprefix("http://127.0.0.1:8000")
    assert (await api.client.get(expired, headers=anonymous)).status_code == 403


async def test_media_duration_is_read_enforced_and_billed(api: Api) -> None:
    from pathlib import Path

    wav = (Path(__file__).parent / "data" / "speech_fox.wav").read_bytes()  # 4.9 s
    up = (await api.upload(wav, "fox.wav")).json()
    r = await api.post(
        "/v3/universal-ai/async",
        json={"model": "audio/speech_to_text_async/fake", "input": {"file": up["file_id"]}},
    )
    assert r.status_code == 422 and "longer than the 3 s" in r.text
    # A 2-second clip passes and is billed in 15-second steps at $0.006 per minute.
    import io
    import wave

    with wave.open(io.BytesIO(wav)) as src:
        frames = src.readframes(src.getframerate() * 2)
        params = src.getparams()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as dst:
        dst.setparams(params)
        dst.writeframes(frames)
    up = (await api.upload(buf.getvalue(), "short.wav")).json()
    r = await api.post(
        "/v3/universal-ai/async",
        json={"model": "audio/speech_to_text_async/fake", "input": {"file": up["file_id"]}},
    )
    done = await api.wait(r.json()["public_id"])
    assert done["status"] == "success" and done["output"]["text"] == "2.0 s"
    assert done["cost"] == "0.0015"


async def test_inline_media_is_stored_and_linked(api: Api) -> None:
    """A provider that returns base64 media with an empty resource URL gets the URL filled in."""
    from urllib.parse import urlsplit

    r = await api.post(
        "/v3/universal-ai",
        json={"model": "image/generation/fake", "input": {"text": "a red dot", "num_images": 2}},
    )
    items = r.json()["output"]["items"]
    assert len(items) == 2 and all(i["image_resource_url"] for i in items)
    assert items[0]["image_resource_url"] != items[1]["image_resource_url"]  # one stored file each
    url = urlsplit(items[0]["image_resource_url"])
    got = await api.client.get(f"{url.path}?{url.query}", headers={"Authorization": ""})
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    import base64

    assert got.content == base64.b64decode(items[0]["image"])
