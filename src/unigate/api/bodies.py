"""Request bodies of the Universal AI endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class UniversalAIRequest(BaseModel):
    """Universal AI request body. Model format: `feature/subfeature/provider[/model]`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"model": "text/embeddings/local", "input": {"texts": ["text1", "text2"]}},
                {"model": "ocr/ocr/local", "input": {"file": "<file_id or https URL>"}},
            ]
        },
    )

    model: str = Field(
        description="feature/subfeature/provider[/model], e.g. 'ocr/ocr/local', "
        "'text/embeddings/local/all-minilm-l6-v2'",
        examples=["text/moderation/google", "ocr/ocr/amazon"],
    )
    input: dict[str, Any] = Field(
        description="Subfeature-specific input, validated against the subfeature's input schema "
        "(GET /v3/info/{feature}/{subfeature} gives it)."
    )
    provider_params: dict[str, Any] = Field(default_factory=dict, description="Provider-specific parameters")
    show_original_response: bool | None = Field(False, description="Include the raw provider response")
    fallbacks: list[str] = Field(
        default_factory=list,
        max_length=3,
        description="At most 3 alternatives tried in order when the provider fails: "
        "'provider', 'provider/model' or a full model string",
    )


class UniversalAIAsyncRequest(UniversalAIRequest):
    webhook_receiver: str | None = Field(None, description="Public http(s) URL called when the job ends")
    user_webhook_parameters: dict[str, Any] | None = Field(None, description="Echoed in the webhook payload")


class DeleteFilesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file_ids: list[str] = Field(min_length=1, max_length=1000)


class DeleteFilesResponse(BaseModel):
    deleted_count: int


class JobList(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page")


class CancelResponse(BaseModel):
    public_id: str
    result: str = Field(description="cancelled (it had not started) | cancelling (it is stopping)")
    job: dict[str, Any]
