"""Multimodal: chat over text, images and other media."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from unigate.catalog.common import InputModel, NonEmptyStr, OutputModel
from unigate.catalog.registry import Subfeature, register
from unigate.catalog.schemas.llm import ResponseFormat

PartType = Literal["text", "media_url", "media_base64"]

# --- input ---------------------------------------------------------------------------------------


class PartContent(InputModel):
    """The payload of a part; fill the key matching the part's type."""

    text: str | None = Field(None, description="The text (type `text`).")
    media_url: str | None = Field(None, description="An http(s) URL of the media (type `media_url`).")
    media_base64: str | None = Field(None, description="Base64 media content (type `media_base64`).")
    media_type: str | None = Field(None, description="MIME type of the media, e.g. 'image/png'.")


class MessagePart(InputModel):
    """A piece of a message: text or media."""

    type: PartType = Field(description="What the part holds.")
    content: PartContent = Field(description="The payload.")

    @model_validator(mode="after")
    def _payload_matches_type(self) -> MessagePart:
        if getattr(self.content, self.type) is None:
            raise ValueError(f"a '{self.type}' part needs content.{self.type}")
        return self


class MultimodalMessage(InputModel):
    """One message of the conversation."""

    role: Literal["user", "assistant"] = Field(description="Who wrote the message.")
    content: list[MessagePart] = Field(min_length=1, description="The message's parts.")


class MultimodalChatInput(InputModel):
    """A multimodal chat request."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "messages": [
                        {
                            "role": "user",
                            "content": [
                                {"type": "text", "content": {"text": "Describe this image."}},
                                {"type": "media_url", "content": {"media_url": "https://example.com/a.jpg"}},
                            ],
                        }
                    ]
                }
            ]
        }
    )

    messages: list[MultimodalMessage] = Field(min_length=1, description="The conversation so far.")
    chatbot_global_action: str | None = Field(None, description="System instructions for the assistant.")
    temperature: float | None = Field(None, ge=0, le=2, description="Sampling temperature (0-2).")
    max_tokens: int | None = Field(None, ge=1, description="Maximum number of tokens to generate.")
    stop_sequences: list[NonEmptyStr] | None = Field(None, description="Sequences where generation stops.")
    top_k: int | None = Field(None, ge=1, description="Sample among the k most likely tokens.")
    top_p: float | None = Field(None, ge=0, le=1, description="Nucleus sampling mass (0-1).")
    stream: bool = Field(False, description="Stream the answer as server-sent events.")
    response_format: ResponseFormat | None = Field(
        None, description="Force plain text, a JSON object or JSON following a schema."
    )


# --- output --------------------------------------------------------------------------------------


class OutputPartContent(OutputModel):
    """The payload of a part."""

    media_url: str | None = None
    media_base64: str | None = None
    text: str | None = None
    media_type: str | None = None


class OutputPart(OutputModel):
    """A piece of a message."""

    type: str | None = None
    content: OutputPartContent = Field(default_factory=OutputPartContent)


class OutputMessage(OutputModel):
    """A message of the conversation, including the generated answer."""

    role: str | None = None
    content: list[OutputPart] = Field(default_factory=list)


class MultimodalChatOutput(OutputModel):
    """The generated text and the whole conversation."""

    generated_text: str | None = None
    messages: list[OutputMessage] = Field(default_factory=list)


register(
    Subfeature(
        "multimodal",
        "chat",
        MultimodalChatInput,
        MultimodalChatOutput,
        description="Chat with a model about text, images and other media.",
    )
)
