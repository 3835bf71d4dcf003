"""Per-call timeouts by provider, subfeature and model, with defaults by modality.

Configured as a JSON map (`UNIGATE_CALL_TIMEOUTS_S`), most specific key first:
`feature/subfeature/provider/model`, `feature/subfeature/provider`, `provider`,
`feature/subfeature`, `feature`. Each attempt gets its own budget, always cut by the request's
total deadline.
"""

from __future__ import annotations

from collections.abc import Mapping

# Short for cheap lookups (a hung embeddings call should fail over fast); long for generation.
MODALITY_DEFAULTS_S: Mapping[str, float] = {
    "text/embeddings": 15.0,
    "image/embeddings": 20.0,
    "text/moderation": 15.0,
    "translation/language_detection": 15.0,
    "audio": 120.0,
    "ocr": 120.0,
    "llm": 120.0,
    "text/chat": 120.0,
    "multimodal": 120.0,
    "image/generation": 120.0,
    "video": 120.0,
}
DEFAULT_CALL_TIMEOUT_S = 60.0


def call_timeout(
    overrides: Mapping[str, float], subfeature: str, provider: str, model: str, *, local: bool = False
) -> float | None:
    """Seconds one call may take; None: only the request's deadline (local models by default,
    whose CPU time depends on the machine, not on a vendor)."""
    feature = subfeature.split("/")[0]
    for key in (
        f"{subfeature}/{provider}/{model}",
        f"{subfeature}/{provider}",
        provider,
        subfeature,
        feature,
    ):
        if key in overrides:
            return float(overrides[key])
    if local:
        return None
    for key in (subfeature, feature):
        if key in MODALITY_DEFAULTS_S:
            return MODALITY_DEFAULTS_S[key]
    return DEFAULT_CALL_TIMEOUT_S
