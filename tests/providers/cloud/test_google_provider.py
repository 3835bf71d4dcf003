"""The Google provider as a whole: offers and availability, service-account OAuth, one request
through the full gateway."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from tests.providers.cloud.google_fixtures import (
    API_KEY,
    env_for,
    image_file,
    offer,
    png,
    run,
    service_account_file,
)
from tests.providers.cloud.harness import FakeVendor, Recorded, serve
from unigate.gateway import Gateway
from unigate.providers.errors import ProviderAuthError, ProviderUnavailable
from unigate.providers.google import GoogleProvider, config
from unigate.providers.google.auth import clear_token_cache
from unigate.providers.registry import ProviderRegistry
from unigate.settings import Settings

ANNOTATE = "/v1/images:annotate"
LEVELS = {"adult": "VERY_UNLIKELY", "spoof": "UNLIKELY", "medical": "VERY_UNLIKELY", "violence": "UNLIKELY"}
SAFE = {"responses": [{"safeSearchAnnotation": {**LEVELS, "racy": "POSSIBLE"}}]}
# OAuth 2.0 token endpoint answer for the JWT-bearer grant
# (https://developers.google.com/identity/protocols/oauth2/service-account#httprest).
TOKEN = {"access_token": "ya29.c.fake-access-token", "expires_in": 3599, "token_type": "Bearer"}


def test_every_offer_is_io_with_priced_models() -> None:
    offers = GoogleProvider().offers()
    assert offers
    for o in offers:
        assert o.compute == "io"
        for model in o.models:
            assert model.prices, (o.subfeature, model.name)


def test_provider_needs_a_key_or_a_service_account() -> None:
    provider = GoogleProvider()
    reason = provider.unavailable_reason({})
    assert reason is not None and "GOOGLE_API_KEY" in reason and "GOOGLE_APPLICATION_CREDENTIALS" in reason
    assert provider.unavailable_reason({"GOOGLE_API_KEY": "k"}) is None
    assert provider.unavailable_reason({"GOOGLE_APPLICATION_CREDENTIALS": "/sa.json"}) is None


def test_credentials_and_base_urls_come_from_the_environment() -> None:
    creds = GoogleProvider().credentials(
        {"GOOGLE_API_KEY": "k", "UNIGATE_GOOGLE_VISION_URL": "http://proxy:8080/"}
    )
    assert creds["api_key"] == "k"
    assert config.base_url(creds, config.Api.VISION) == "http://proxy:8080"
    assert config.base_url(creds, config.Api.LANGUAGE) == "https://language.googleapis.com"
    eu = GoogleProvider().credentials({"GOOGLE_CLOUD_LOCATION": "eu"})
    assert config.base_url(eu, config.Api.DOCUMENTAI) == "https://eu-documentai.googleapis.com"


def _token_route(fake: FakeVendor) -> None:
    def token(rec: Recorded) -> tuple[int, Any]:
        form = urllib.parse.parse_qs(rec.body.decode())
        assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
        assert form["assertion"][0].count(".") == 2  # a signed JWT
        return 200, TOKEN

    fake.on("POST", "/token", token)


async def test_service_account_bearer_token_is_fetched_once_and_reused(tmp_path: Path) -> None:
    clear_token_cache()
    fake = FakeVendor()
    _token_route(fake)
    fake.on("POST", ANNOTATE, (200, SAFE))
    files = {"img": image_file()}
    async with serve(fake):
        sa = str(service_account_file(tmp_path, fake.base_url + "/token"))
        for _ in range(2):
            await run(
                "image/explicit_content",
                {"file": "img"},
                fake,
                files=files,
                api_key=False,
                GOOGLE_APPLICATION_CREDENTIALS=sa,
            )
    assert len(fake.calls("POST", "/token")) == 1
    for rec in fake.calls("POST", ANNOTATE):
        assert rec.headers["Authorization"] == "Bearer " + TOKEN["access_token"]
        assert "x-goog-api-key" not in rec.headers


async def test_refused_token_is_an_auth_error(tmp_path: Path) -> None:
    fake = FakeVendor()
    fake.on(
        "POST", "/token", (400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
    )
    async with serve(fake):
        sa = str(service_account_file(tmp_path, fake.base_url + "/token"))
        with pytest.raises(ProviderAuthError, match="invalid_grant"):
            await run(
                "image/explicit_content",
                {"file": "img"},
                fake,
                files={"img": image_file()},
                api_key=False,
                GOOGLE_APPLICATION_CREDENTIALS=sa,
            )
    assert fake.calls("POST", ANNOTATE) == []


async def test_full_gateway_sync_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeVendor()
    fake.on("POST", ANNOTATE, (200, SAFE))
    async with serve(fake):
        for name, value in env_for(fake).items():
            monkeypatch.setenv(name, value)
        path = tmp_path / "photo.png"
        path.write_bytes(png(32, 24))
        gw = Gateway(Settings(data_dir=tmp_path / "data"), registry=ProviderRegistry([GoogleProvider()]))
        async with gw:
            body = await gw.arun("image/explicit_content/google", file=str(path))
    assert body["status"] == "success", body
    assert (body["provider"], body["model"]) == ("google", "builtin/stable")
    assert body["output"]["nsfw_likelihood"] == 3
    assert body["cost"] == "0.0015"  # one image at $1.50 per 1,000
    rec = fake.calls("POST", ANNOTATE)[0]
    assert rec.headers["x-goog-api-key"] == API_KEY
    assert rec.json()["requests"][0]["features"][0]["type"] == "SAFE_SEARCH_DETECTION"


def test_offer_lookup_helper() -> None:
    assert offer("ocr/ocr").default_model == "text-detection"


async def test_missing_service_account_file_is_unavailable(tmp_path: Path) -> None:
    fake = FakeVendor()
    async with serve(fake):
        with pytest.raises(ProviderUnavailable, match="cannot read the service-account file"):
            await run(
                "image/explicit_content",
                {"file": "img"},
                fake,
                files={"img": image_file()},
                api_key=False,
                GOOGLE_APPLICATION_CREDENTIALS=str(tmp_path / "missing.json"),
            )
    assert fake.requests == []


def test_service_account_without_google_auth_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "google_auth_missing", lambda: True)
    sa_only = {"GOOGLE_APPLICATION_CREDENTIALS": "/sa.json", "GOOGLE_CLOUD_PROJECT": "p"}
    assert "unigate[google]" in (GoogleProvider().unavailable_reason(sa_only) or "")
    assert GoogleProvider().unavailable_reason({**sa_only, "GOOGLE_API_KEY": "k"}) is None
    check = offer("translation/document_translation").unavailable_reason
    assert check is not None and "unigate[google]" in (check(sa_only) or "")
