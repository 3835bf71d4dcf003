"""Per-call timeouts by provider, subfeature and model, with defaults by modality.

Three limits per provider call (one attempt):

- `connect`: opening the TCP (and TLS) connection to the vendor (aiohttp `sock_connect`);
- `read`: the longest silence while waiting for the answer once the request is sent, and between
  two chunks of it (aiohttp `sock_read`): a vendor that accepted the call and went quiet fails then,
  long before `total`;
- `total`: the whole attempt; always cut by the request's own deadline.

Configured as a JSON map (`UNIGATE_CALL_TIMEOUTS_S`) whose values are either a number (the total)
or an object with any of `connect`, `read`, `total` (seconds). Each limit is looked up on its own,
most specific key first: `feature/subfeature/provider/model`, `feature/subfeature/provider`,
`provider`, `feature/subfeature`, `feature`, `*`; the first key that sets it wins, else the
modality default below. So `{"openai": {"connect": 3}, "audio/text_to_speech/openai": 200}` gives
OpenAI TTS a 3 s connect, the TTS read default and a 200 s total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

# What UNIGATE_CALL_TIMEOUTS_S holds: key -> total seconds, or key -> {"connect"|"read"|"total": s}.
TimeoutOverrides = Mapping[str, "float | Mapping[str, float]"]

LIMITS: Final = ("connect", "read", "total")


@dataclass(frozen=True, slots=True)
class CallTimeouts:
    """Seconds; None: no limit of that kind (the request's deadline still applies)."""

    connect: float | None = None
    read: float | None = None
    total: float | None = None


# Short for cheap lookups (a hung embeddings call should fail over fast); long for generation,
# whose first byte only comes once the work is done (non-streaming), so read == total there.
MODALITY_DEFAULTS: Mapping[str, CallTimeouts] = {
    "text/embeddings": CallTimeouts(connect=5.0, read=15.0, total=15.0),
    "image/embeddings": CallTimeouts(connect=5.0, read=20.0, total=20.0),
    "text/moderation": CallTimeouts(connect=5.0, read=15.0, total=15.0),
    "translation/language_detection": CallTimeouts(connect=5.0, read=15.0, total=15.0),
    # Speech synthesis streams or returns audio within a minute; a silent minute means stalled.
    "audio/text_to_speech": CallTimeouts(connect=5.0, read=60.0, total=120.0),
    "audio/tts": CallTimeouts(connect=5.0, read=60.0, total=120.0),
    "audio": CallTimeouts(connect=10.0, read=120.0, total=120.0),
    "ocr": CallTimeouts(connect=10.0, read=120.0, total=120.0),
    "llm": CallTimeouts(connect=10.0, read=120.0, total=120.0),
    "text/chat": CallTimeouts(connect=10.0, read=120.0, total=120.0),
    "multimodal": CallTimeouts(connect=10.0, read=120.0, total=120.0),
    "image/generation": CallTimeouts(connect=10.0, read=120.0, total=120.0),
    "video": CallTimeouts(connect=10.0, read=120.0, total=120.0),
}
DEFAULT = CallTimeouts(connect=10.0, read=60.0, total=60.0)
# Kept for callers of the single-number API.
MODALITY_DEFAULTS_S: Mapping[str, float] = {
    k: v.total for k, v in MODALITY_DEFAULTS.items() if v.total is not None
}
DEFAULT_CALL_TIMEOUT_S = 60.0


def check_overrides(raw: Mapping[str, object]) -> dict[str, float | dict[str, float]]:
    """Validate the configured map (settings): positive numbers, objects of known limits only."""
    out: dict[str, float | dict[str, float]] = {}
    for key, value in raw.items():
        if isinstance(value, Mapping):
            unknown = set(value) - set(LIMITS)
            if unknown:
                raise ValueError(f"{key}: unknown timeout {sorted(unknown)}; use {', '.join(LIMITS)}")
            out[key] = {name: _positive(key, name, v) for name, v in value.items()}
        else:
            out[key] = _positive(key, "total", value)
    return out


def _positive(key: str, name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{key}: {name} timeout must be a positive number of seconds, not {value!r}")
    return float(value)


def _keys(subfeature: str, provider: str, model: str) -> tuple[str, ...]:
    feature = subfeature.split("/")[0]
    return (
        f"{subfeature}/{provider}/{model}",
        f"{subfeature}/{provider}",
        provider,
        subfeature,
        feature,
        "*",
    )


def _configured(overrides: TimeoutOverrides, keys: tuple[str, ...], limit: str) -> float | None:
    for key in keys:
        entry = overrides.get(key)
        if entry is None:
            continue
        if isinstance(entry, Mapping):
            if limit in entry:
                return float(entry[limit])
        elif limit == "total":
            return float(entry)
    return None


def modality_default(subfeature: str) -> CallTimeouts:
    for key in (subfeature, subfeature.split("/")[0]):
        if key in MODALITY_DEFAULTS:
            return MODALITY_DEFAULTS[key]
    return DEFAULT


def call_limits(
    overrides: TimeoutOverrides, subfeature: str, provider: str, model: str, *, local: bool = False
) -> CallTimeouts:
    """The connect, read and total limits of one call. Local models (whose CPU time depends on the
    machine, not on a vendor) get no total unless one is configured: only the request's deadline."""
    keys = _keys(subfeature, provider, model)
    default = modality_default(subfeature)
    found = {limit: _configured(overrides, keys, limit) for limit in LIMITS}
    total = found["total"]
    if total is None and not local:
        total = default.total
    return CallTimeouts(
        connect=found["connect"] if found["connect"] is not None else default.connect,
        read=found["read"] if found["read"] is not None else default.read,
        total=total,
    )


def call_timeout(
    overrides: TimeoutOverrides, subfeature: str, provider: str, model: str, *, local: bool = False
) -> float | None:
    """Seconds one call may take in all; None: only the request's deadline."""
    return call_limits(overrides, subfeature, provider, model, local=local).total
