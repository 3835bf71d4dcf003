"""Translation: texts, documents, and language detection."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from unigate.catalog.common import FileRef, InputModel, LanguageCode, NonEmptyStr, OutputModel, file_field
from unigate.catalog.registry import Subfeature, register

_SOURCE = "Language of the original, e.g. 'en'. Omit to let the provider detect it."
_TARGET = "Language to translate into, e.g. 'fr'."


class AutomaticTranslationInput(InputModel):
    """A text to translate."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "Good morning!", "target_language": "fr"}]}
    )

    text: NonEmptyStr = Field(description="The text to translate.")
    source_language: LanguageCode | None = Field(None, description=_SOURCE)
    target_language: LanguageCode = Field(description=_TARGET)


class AutomaticTranslationOutput(OutputModel):
    """The translated text."""

    text: str | None = None


class DocumentTranslationInput(InputModel):
    """A document to translate, keeping its layout."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"file": "https://example.com/contract.pdf", "target_language": "de"}]
        }
    )

    file: FileRef = file_field("The document: an uploaded file id or an http(s) URL.")
    file_type: str | None = Field(
        None, max_length=100, description="MIME type of the document. Omit to detect it from the file."
    )
    source_language: LanguageCode | None = Field(None, description=_SOURCE)
    target_language: LanguageCode = Field(description=_TARGET)


class DocumentTranslationOutput(OutputModel):
    """The translated document (base64) and a temporary URL."""

    file: str | None = None
    document_resource_url: str | None = None


class LanguageDetectionInput(InputModel):
    """A text whose language is detected."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "Buongiorno a tutti"}]})

    text: NonEmptyStr = Field(description="The text.")


class DetectedLanguage(OutputModel):
    """A candidate language: code, name and confidence (0-1)."""

    language: str | None = None
    display_name: str | None = None
    confidence: float | None = None


class LanguageDetectionOutput(OutputModel):
    """The candidate languages, most likely first."""

    items: list[DetectedLanguage] = Field(default_factory=list)


register(
    Subfeature(
        "translation",
        "automatic_translation",
        AutomaticTranslationInput,
        AutomaticTranslationOutput,
        description="Translate a text.",
    )
)
register(
    Subfeature(
        "translation",
        "document_translation",
        DocumentTranslationInput,
        DocumentTranslationOutput,
        description="Translate a document, keeping its layout.",
    )
)
register(
    Subfeature(
        "translation",
        "language_detection",
        LanguageDetectionInput,
        LanguageDetectionOutput,
        description="Detect the language of a text.",
    )
)
