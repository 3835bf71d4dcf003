"""Amazon Translate: translation/automatic_translation (TranslateText).

Wire format source: https://docs.aws.amazon.com/translate/latest/APIReference/API_TranslateText.html
(request/response syntax; errors UnsupportedLanguagePairException, DetectedLanguageLowConfidenceException,
TextSizeLimitExceededException, TooManyRequestsException) and CommonErrors.html.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.providers.cloud.amazon_fixtures.fake import (
    SECRET,
    aws_error,
    aws_fake,
    check_output,
    creds,
    verify_sigv4,
)
from tests.providers.cloud.harness import context
from unigate.catalog.schemas.translation import AutomaticTranslationInput
from unigate.engine.pricing import price_usage
from unigate.providers.amazon import AmazonProvider, translate
from unigate.providers.base import Offer
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderInvalidInput,
    ProviderRateLimited,
    UnsupportedLanguage,
)

OP = "AWSShineFrontendService_20170701.TranslateText"


def offer() -> Offer:
    [found] = [o for o in AmazonProvider().offers() if o.subfeature == "translation/automatic_translation"]
    return found


async def translate_with(reply: Any, input: AutomaticTranslationInput) -> tuple[Any, Any]:
    async with aws_fake() as fake:
        fake.target(OP, reply)
        async with context(creds(fake)) as ctx:
            run = offer().run
            assert run is not None
            result = await run(input, ctx)
    return result, fake


async def test_translate_request_and_output() -> None:
    reply = {
        "TranslatedText": "Bonjour tout le monde",
        "SourceLanguageCode": "en",
        "TargetLanguageCode": "fr-CA",
        "AppliedSettings": {"Formality": "FORMAL"},
    }
    result, fake = await translate_with(
        (200, reply), AutomaticTranslationInput(text="Hello everyone", target_language="fr-CA")
    )
    [rec] = fake.ops(OP)
    verify_sigv4(rec, fake, "translate")
    assert rec.json() == {
        "Text": "Hello everyone",
        "SourceLanguageCode": "auto",
        "TargetLanguageCode": "fr-CA",
    }
    assert check_output("translation/automatic_translation", result.output) == {
        "text": "Bonjour tout le monde"
    }
    assert result.usage == {"char": 14}


async def test_translate_language_codes() -> None:
    reply = {"TranslatedText": "你好", "SourceLanguageCode": "en", "TargetLanguageCode": "zh-TW"}
    _, fake = await translate_with(
        (200, reply),
        AutomaticTranslationInput(text="Hello", source_language="en-GB", target_language="zh-Hant"),
    )
    assert fake.ops(OP)[0].json()["SourceLanguageCode"] == "en"
    assert fake.ops(OP)[0].json()["TargetLanguageCode"] == "zh-TW"
    assert translate.translate_code("pt_PT") == "pt-PT" and translate.translate_code("pt-BR") == "pt"
    assert translate.translate_code("zh-CN") == "zh" and translate.translate_code("es-MX") == "es-MX"


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (
            aws_error(400, "UnsupportedLanguagePairException", "Unsupported language pair: en to xx"),
            UnsupportedLanguage,
        ),
        (
            aws_error(400, "DetectedLanguageLowConfidenceException", "Could not detect the source language"),
            UnsupportedLanguage,
        ),
        (
            aws_error(400, "TextSizeLimitExceededException", "Input text size exceeds limit"),
            ProviderInvalidInput,
        ),
        (aws_error(400, "TooManyRequestsException", "Too many requests"), ProviderRateLimited),
        (aws_error(403, "AccessDeniedException", "not authorized"), ProviderAuthError),
    ],
)
async def test_translate_errors(reply: Any, kind: type[ProviderError]) -> None:
    with pytest.raises(kind) as info:
        await translate_with(reply, AutomaticTranslationInput(text="Hello", target_language="xx"))
    assert type(info.value) is kind and SECRET not in info.value.message


def test_translate_constraints_and_price() -> None:
    o = offer()
    assert o.constraints.max_text_chars == 10_000
    assert o.constraints.languages is not None and {"en", "fr-CA", "zh-TW"} <= o.constraints.languages
    spec = o.model(None)
    assert spec is not None
    assert price_usage(spec.prices, {"char": 1000}) == Decimal("0.015")  # $15 per 1M characters
    assert price_usage(spec.prices, {"char": 14}) == Decimal("0.00021")
