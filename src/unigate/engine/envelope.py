"""The response envelope of the Universal AI API (spec/README.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def envelope(
    *,
    status: str,
    cost: str,
    provider: str,
    feature: str,
    subfeature: str,
    created_at: float,
    output: Any,
    error: dict[str, Any] | None,
    model: str | None,
    public_id: str | None = None,
    original_response: Any = None,
    show_original_response: bool = False,
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if public_id is not None:
        body["public_id"] = public_id
    body.update(
        status=status,
        cost=cost,
        provider=provider,
        feature=feature,
        subfeature=subfeature,
        created_at=iso(created_at),
        output=output,
        error=error,
    )
    if show_original_response:
        body["original_response"] = original_response
    body["model"] = model
    return body


class ErrorBody(BaseModel):
    message: str
    error_code: str


COST_PATTERN = r"^(?!^[-+.]*$)[+-]?0*\d*\.?\d*$"


class UniversalAIResponse(BaseModel):
    """Response of the sync endpoint (and, with `public_id`, of the async ones)."""

    public_id: str | None = Field(None, description="Job id (async endpoints only)")
    status: str = Field(description="processing | success | fail")
    cost: str = Field(
        description="Cost in USD as a decimal string", json_schema_extra={"pattern": COST_PATTERN}
    )
    provider: str = Field(description="The provider that actually served (after fallbacks)")
    feature: str
    subfeature: str
    created_at: str = Field(description="ISO 8601, UTC")
    output: Any = Field(
        None, description="Normalized output; its schema is in /v3/info/{feature}/{subfeature}"
    )
    error: ErrorBody | None = Field(None, description="Only when status is fail")
    original_response: Any = Field(None, description="Raw provider response, when show_original_response")
    model: str | None = None
