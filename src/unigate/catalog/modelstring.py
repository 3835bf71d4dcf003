"""Parsing of `feature/subfeature/provider[/model]` strings."""

from __future__ import annotations

from dataclasses import dataclass


class ModelStringError(ValueError):
    """The model string does not have the `feature/subfeature/provider[/model]` form."""


@dataclass(frozen=True, slots=True)
class ModelRef:
    feature: str
    subfeature: str
    provider: str
    model: str | None = None

    def __str__(self) -> str:
        base = f"{self.feature}/{self.subfeature}/{self.provider}"
        return f"{base}/{self.model}" if self.model else base


def parse_model_string(value: str) -> ModelRef:
    """Split a model string; the model part is everything after the third slash (it may hold `/`)."""
    parts = value.strip().split("/", 3)
    if len(parts) < 3 or not all(parts[:3]):
        raise ModelStringError(
            f"model {value!r} must look like 'feature/subfeature/provider[/model]', "
            "for example 'ocr/ocr/local' or 'text/embeddings/local/all-minilm-l6-v2'"
        )
    model = parts[3] if len(parts) == 4 and parts[3] else None
    return ModelRef(parts[0], parts[1], parts[2], model)


def parse_fallback(value: str, feature: str, subfeature: str) -> ModelRef:
    """A fallback is `provider`, `provider/model` or a full model string for the same subfeature."""
    if value.startswith(f"{feature}/{subfeature}/"):
        return parse_model_string(value)
    head = value.split("/", 1)[0]
    if value.count("/") >= 2 and head in _KNOWN_FEATURES:
        raise ModelStringError(
            f"fallback {value!r} names another subfeature; fallbacks must serve {feature}/{subfeature}"
        )
    provider, _, model = value.partition("/")
    if not provider:
        raise ModelStringError(
            f"fallback {value!r} must be 'provider', 'provider/model' or a full model string"
        )
    return ModelRef(feature, subfeature, provider, model or None)


_KNOWN_FEATURES = frozenset({"audio", "image", "llm", "multimodal", "ocr", "text", "translation", "video"})
