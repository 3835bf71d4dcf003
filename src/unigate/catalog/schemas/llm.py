"""LLM: OpenAI-compatible chat completions and the Responses API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Discriminator, Field, Tag, model_validator

from unigate.catalog.common import InputModel, NonEmptyStr, OutputModel
from unigate.catalog.registry import Subfeature, register

FunctionName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,128}$")]

# --- chat: input ---------------------------------------------------------------------------------


class TextPart(InputModel):
    """A piece of text."""

    type: Literal["text"] = Field(description="Part type.")
    text: str = Field(description="The text.")


class ImageUrl(InputModel):
    """An image reference."""

    url: NonEmptyStr = Field(description="An http(s) URL or a `data:` URL with base64 content.")
    detail: Literal["auto", "low", "high"] | None = Field(None, description="Image fidelity hint.")


class ImagePart(InputModel):
    """An image."""

    type: Literal["image_url"] = Field(description="Part type.")
    image_url: ImageUrl = Field(description="The image.")


class InputAudio(InputModel):
    """Base64 audio."""

    data: NonEmptyStr = Field(description="Base64-encoded audio.")
    format: str = Field(min_length=1, max_length=16, description="Audio format, e.g. 'wav' or 'mp3'.")


class AudioPart(InputModel):
    """An audio clip."""

    type: Literal["input_audio"] = Field(description="Part type.")
    input_audio: InputAudio = Field(description="The audio.")


class FileData(InputModel):
    """A document, by provider file id or inline base64 data."""

    file_id: str | None = Field(None, description="A file id known to the provider.")
    file_data: str | None = Field(None, description="Base64 or `data:` URL content.")
    filename: str | None = Field(None, description="The file's name.")


class FilePart(InputModel):
    """A document."""

    type: Literal["file"] = Field(description="Part type.")
    file: FileData = Field(description="The document.")


ContentPart = Annotated[TextPart | ImagePart | AudioPart | FilePart, Field(discriminator="type")]


class ToolCallFunction(InputModel):
    """The function an assistant called."""

    name: FunctionName = Field(description="Function name.")
    arguments: str = Field(description="Arguments, as a JSON string.")


class ToolCall(InputModel):
    """A tool call made by the assistant in an earlier turn."""

    id: NonEmptyStr = Field(description="Id of the call; tool messages answer it via `tool_call_id`.")
    type: Literal["function"] = Field("function", description="Tool type.")
    function: ToolCallFunction = Field(description="The call.")


class ChatMessage(InputModel):
    """One message of the conversation (OpenAI chat format)."""

    role: Literal["system", "developer", "user", "assistant", "tool", "function"] = Field(
        description="Who wrote the message."
    )
    content: str | list[ContentPart] | None = Field(
        None, description="Text, or a list of parts (text, image_url, input_audio, file)."
    )
    name: str | None = Field(None, max_length=64, description="Optional name of the author.")
    tool_calls: list[ToolCall] | None = Field(None, description="Tool calls made by an assistant message.")
    tool_call_id: str | None = Field(None, description="For `tool` messages: the call this message answers.")

    @model_validator(mode="after")
    def _check_role_fields(self) -> ChatMessage:
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("a tool message needs tool_call_id")
        if self.content is None and not (self.role == "assistant" and self.tool_calls):
            raise ValueError("content is required (only an assistant message with tool_calls may omit it)")
        return self


class FunctionDefinition(InputModel):
    """A function the model may call."""

    name: FunctionName = Field(description="Function name.")
    description: str | None = Field(None, description="What the function does.")
    parameters: dict[str, Any] | None = Field(None, description="JSON Schema of the arguments.")
    strict: bool | None = Field(None, description="Enforce the schema exactly.")


class ChatTool(InputModel):
    """A tool the model may call."""

    type: Literal["function"] = Field("function", description="Tool type.")
    function: FunctionDefinition = Field(description="The function.")


class NamedFunction(InputModel):
    """A function, by name."""

    name: FunctionName = Field(description="Function name.")


class NamedToolChoice(InputModel):
    """Force a call to one function."""

    type: Literal["function"] = Field("function", description="Tool type.")
    function: NamedFunction = Field(description="The function to call.")


class TextFormat(InputModel):
    """Plain text answers."""

    type: Literal["text"] = Field(description="Format type.")


class JsonObjectFormat(InputModel):
    """Answers that are a JSON object."""

    type: Literal["json_object"] = Field(description="Format type.")


class JsonSchemaSpec(InputModel):
    """A JSON Schema the answer must follow."""

    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True, validate_by_alias=True)

    name: FunctionName = Field(description="Name of the schema.")
    description: str | None = Field(None, description="What the schema describes.")
    schema_: dict[str, Any] | None = Field(None, alias="schema", description="The JSON Schema.")
    strict: bool | None = Field(None, description="Enforce the schema exactly.")


class JsonSchemaFormat(InputModel):
    """Answers following a JSON Schema."""

    type: Literal["json_schema"] = Field(description="Format type.")
    json_schema: JsonSchemaSpec = Field(description="The schema.")


ResponseFormat = Annotated[TextFormat | JsonObjectFormat | JsonSchemaFormat, Field(discriminator="type")]


class StreamOptions(InputModel):
    """Streaming options."""

    include_usage: bool | None = Field(None, description="Send a final chunk with token usage.")


class AudioOutputOptions(InputModel):
    """Spoken answers."""

    voice: NonEmptyStr = Field(description="Voice name.")
    format: str = Field(min_length=1, max_length=16, description="Audio format, e.g. 'wav' or 'mp3'.")


class ChatInput(InputModel):
    """A chat completion request (OpenAI format; the model comes from the model string)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "messages": [
                        {"role": "system", "content": "You are terse."},
                        {"role": "user", "content": "Name three primary colours."},
                    ],
                    "max_tokens": 100,
                }
            ]
        }
    )

    messages: list[ChatMessage] = Field(min_length=1, description="The conversation so far.")
    temperature: float | None = Field(None, ge=0, le=2, description="Sampling temperature (0-2).")
    top_p: float | None = Field(None, ge=0, le=1, description="Nucleus sampling mass (0-1).")
    n: int | None = Field(None, ge=1, le=16, description="How many choices to generate.")
    stream: bool | None = Field(None, description="Stream the answer as server-sent events.")
    stream_options: StreamOptions | None = Field(None, description="Streaming options.")
    stop: str | list[str] | None = Field(None, description="Sequence(s) where generation stops.")
    stop_sequences: list[str] | None = Field(None, description="Same as `stop`, as a list.")
    max_tokens: int | None = Field(None, ge=1, description="Maximum number of tokens to generate.")
    presence_penalty: float | None = Field(
        None, ge=-2, le=2, description="Penalty for tokens already present."
    )
    frequency_penalty: float | None = Field(None, ge=-2, le=2, description="Penalty by token frequency.")
    logit_bias: dict[str, float] | None = Field(None, description="Token id to bias (-100..100).")
    modalities: list[Literal["text", "audio", "image"]] | None = Field(
        None, description="Output modalities wanted."
    )
    audio: AudioOutputOptions | None = Field(None, description="Voice and format for audio output.")
    response_format: ResponseFormat | None = Field(
        None, description="Force plain text, a JSON object or JSON following a schema."
    )
    seed: int | None = Field(None, description="Seed for best-effort deterministic sampling.")
    tools: list[ChatTool] | None = Field(None, description="Tools (functions) the model may call.")
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = Field(
        None, description="Whether and which tool the model must call."
    )
    logprobs: bool | None = Field(None, description="Return log probabilities of the output tokens.")
    top_logprobs: int | None = Field(None, ge=0, le=20, description="Alternatives per token with `logprobs`.")
    parallel_tool_calls: bool | None = Field(None, description="Allow several tool calls in one turn.")
    functions: list[FunctionDefinition] | None = Field(None, description="Deprecated form of `tools`.")
    function_call: Literal["none", "auto"] | NamedFunction | None = Field(
        None, description="Deprecated form of `tool_choice`."
    )
    user: str | None = Field(None, max_length=256, description="An end-user id, for abuse monitoring.")


# --- chat: output --------------------------------------------------------------------------------


class ChatFunctionCall(OutputModel):
    """A function call: name and JSON arguments."""

    name: str | None = None
    arguments: str | None = None


class ChatToolCall(OutputModel):
    """A tool call requested by the model."""

    id: str | None = None
    type: str | None = None
    function: ChatFunctionCall = Field(default_factory=ChatFunctionCall)


class ChatCompletionMessage(OutputModel):
    """The generated message."""

    content: str | None = None
    role: str | None = None
    # Null when absent, as in the canonical sample (and OpenAI's API).
    tool_calls: list[ChatToolCall] | None = None
    function_call: ChatFunctionCall | None = None


class ChatChoice(OutputModel):
    """One generated choice."""

    finish_reason: str | None = None
    index: int | None = None
    message: ChatCompletionMessage = Field(default_factory=ChatCompletionMessage)


class CompletionTokensDetails(OutputModel):
    """Breakdown of the generated tokens."""

    accepted_prediction_tokens: int | None = None
    audio_tokens: int | None = None
    reasoning_tokens: int | None = None
    rejected_prediction_tokens: int | None = None
    text_tokens: int | None = None


class PromptTokensDetails(OutputModel):
    """Breakdown of the prompt tokens."""

    audio_tokens: int | None = None
    cached_tokens: int | None = None
    text_tokens: int | None = None
    image_tokens: int | None = None


class ChatUsage(OutputModel):
    """Token counts."""

    completion_tokens: int | None = None
    prompt_tokens: int | None = None
    total_tokens: int | None = None
    completion_tokens_details: CompletionTokensDetails = Field(default_factory=CompletionTokensDetails)
    prompt_tokens_details: PromptTokensDetails = Field(default_factory=PromptTokensDetails)


class ChatOutput(OutputModel):
    """A chat completion (OpenAI format) plus timing and cost."""

    id: str | None = None
    created: int | None = None
    model: str | None = None
    object: str | None = None
    system_fingerprint: str | None = None
    choices: list[ChatChoice] = Field(default_factory=list)
    provider_time: int | None = None
    edenai_time: float | None = None
    usage: ChatUsage = Field(default_factory=ChatUsage)
    service_tier: str | None = None
    cost: float | None = None


# --- responses: input ----------------------------------------------------------------------------


class InputTextPart(InputModel):
    """A piece of text."""

    type: Literal["input_text"] = Field(description="Part type.")
    text: str = Field(description="The text.")


class OutputTextPart(InputModel):
    """Text of an earlier assistant turn."""

    type: Literal["output_text"] = Field(description="Part type.")
    text: str = Field(description="The text.")


class InputImagePart(InputModel):
    """An image, by URL or provider file id."""

    type: Literal["input_image"] = Field(description="Part type.")
    image_url: str | None = Field(None, description="An http(s) URL or a `data:` URL.")
    file_id: str | None = Field(None, description="A file id known to the provider.")
    detail: Literal["auto", "low", "high"] = Field("auto", description="Image fidelity hint.")


class InputFilePart(InputModel):
    """A document, by URL, provider file id or inline data."""

    type: Literal["input_file"] = Field(description="Part type.")
    file_id: str | None = Field(None, description="A file id known to the provider.")
    file_url: str | None = Field(None, description="An http(s) URL of the document.")
    file_data: str | None = Field(None, description="Base64 or `data:` URL content.")
    filename: str | None = Field(None, description="The file's name.")


ResponsesPart = Annotated[
    InputTextPart | OutputTextPart | InputImagePart | InputFilePart, Field(discriminator="type")
]


class ResponsesMessage(InputModel):
    """A message of the conversation."""

    type: Literal["message"] = Field("message", description="Item type.")
    role: Literal["user", "assistant", "system", "developer"] = Field(description="Who wrote it.")
    content: str | list[ResponsesPart] = Field(description="Text, or a list of parts.")


class ResponsesFunctionCall(InputModel):
    """A function call made by the model in an earlier turn."""

    type: Literal["function_call"] = Field(description="Item type.")
    call_id: NonEmptyStr = Field(description="Id of the call.")
    name: FunctionName = Field(description="Function name.")
    arguments: str = Field(description="Arguments, as a JSON string.")
    id: str | None = Field(None, description="Id of the output item.")


class ResponsesFunctionCallOutput(InputModel):
    """The result of a function call."""

    type: Literal["function_call_output"] = Field(description="Item type.")
    call_id: NonEmptyStr = Field(description="Id of the call this answers.")
    output: str = Field(description="The result, usually JSON.")


def _item_kind(value: Any) -> str:
    """Input items without a `type` are messages, as in OpenAI's API."""
    kind = value.get("type", "message") if isinstance(value, dict) else getattr(value, "type", "message")
    return str(kind)


ResponsesItem = Annotated[
    Annotated[ResponsesMessage, Tag("message")]
    | Annotated[ResponsesFunctionCall, Tag("function_call")]
    | Annotated[ResponsesFunctionCallOutput, Tag("function_call_output")],
    Discriminator(_item_kind),
]


class ResponsesFunctionTool(InputModel):
    """A function the model may call."""

    type: Literal["function"] = Field(description="Tool type.")
    name: FunctionName = Field(description="Function name.")
    description: str | None = Field(None, description="What the function does.")
    parameters: dict[str, Any] | None = Field(None, description="JSON Schema of the arguments.")
    strict: bool | None = Field(None, description="Enforce the schema exactly.")


class ResponsesNamedTool(InputModel):
    """Force a call to one function."""

    type: Literal["function"] = Field(description="Tool type.")
    name: FunctionName = Field(description="Function name.")


class ResponsesPrompt(InputModel):
    """A stored prompt template."""

    id: NonEmptyStr = Field(description="Prompt id.")
    version: str | None = Field(None, description="Prompt version.")
    variables: dict[str, Any] | None = Field(None, description="Values of the template variables.")


class ReasoningOptions(InputModel):
    """Reasoning controls for reasoning models."""

    effort: Literal["minimal", "low", "medium", "high"] | None = Field(None, description="Reasoning effort.")
    summary: Literal["auto", "concise", "detailed"] | None = Field(None, description="Reasoning summary.")


class ResponsesTextFormat(InputModel):
    """Output format: text, a JSON object, or JSON following a schema."""

    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True, validate_by_alias=True)

    type: Literal["text", "json_object", "json_schema"] = Field(description="Format type.")
    name: FunctionName | None = Field(None, description="Schema name (json_schema).")
    description: str | None = Field(None, description="What the schema describes (json_schema).")
    schema_: dict[str, Any] | None = Field(None, alias="schema", description="The JSON Schema (json_schema).")
    strict: bool | None = Field(None, description="Enforce the schema exactly (json_schema).")


class ResponsesTextOptions(InputModel):
    """Text output options."""

    format: ResponsesTextFormat | None = Field(None, description="Output format.")
    verbosity: Literal["low", "medium", "high"] | None = Field(None, description="Answer verbosity.")


class ResponsesInput(InputModel):
    """A Responses API request (the model comes from the model string)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"input": "Write a haiku about gateways.", "max_output_tokens": 200}]}
    )

    input: NonEmptyStr | Annotated[list[ResponsesItem], Field(min_length=1)] = Field(
        description="A prompt, or a list of messages and function call items."
    )
    include: list[str] | None = Field(None, description="Extra output data to include.")
    instructions: str | None = Field(None, description="System (developer) instructions.")
    max_output_tokens: int | None = Field(None, ge=1, description="Maximum number of tokens to generate.")
    metadata: dict[str, str] | None = Field(None, description="Key/value pairs stored with the response.")
    parallel_tool_calls: bool | None = Field(None, description="Allow several tool calls in one turn.")
    prompt: ResponsesPrompt | None = Field(None, description="A stored prompt template to use.")
    previous_response_id: str | None = Field(None, description="Continue from this earlier response.")
    reasoning: ReasoningOptions | None = Field(None, description="Reasoning controls.")
    store: bool | None = Field(None, description="Let the provider store the response.")
    background: bool | None = Field(None, description="Run the response in the background.")
    stream: bool | None = Field(None, description="Stream the answer as server-sent events.")
    temperature: float | None = Field(None, ge=0, le=2, description="Sampling temperature (0-2).")
    text: ResponsesTextOptions | None = Field(None, description="Text output options.")
    tool_choice: Literal["none", "auto", "required"] | ResponsesNamedTool | None = Field(
        None, description="Whether and which tool the model must call."
    )
    # Function tools are checked; the provider's built-in tools (web search...) pass through as-is.
    tools: list[ResponsesFunctionTool | dict[str, Any]] | None = Field(
        None, description="Tools the model may use: functions or provider built-in tools."
    )
    top_p: float | None = Field(None, ge=0, le=1, description="Nucleus sampling mass (0-1).")
    truncation: Literal["auto", "disabled"] | None = Field(None, description="Context truncation strategy.")
    user: str | None = Field(None, max_length=256, description="An end-user id, for abuse monitoring.")
    service_tier: str | None = Field(None, description="Provider service tier, e.g. 'auto' or 'flex'.")
    safety_identifier: str | None = Field(None, max_length=256, description="A stable end-user id.")


# --- responses: output ---------------------------------------------------------------------------


class ResponseAnnotation(OutputModel):
    """A citation inside generated text."""

    type: str | None = None
    start_index: int | None = None
    end_index: int | None = None
    url: str | None = None
    title: str | None = None
    file_id: str | None = None


class ResponseContent(OutputModel):
    """A part of a generated message."""

    type: str | None = None
    text: str | None = None
    annotations: list[ResponseAnnotation] = Field(default_factory=list)


class ResponseOutputItem(OutputModel):
    """An output item: a message (`role`, `content`) or a function call (`call_id`, `name`, `arguments`)."""

    type: str | None = None
    id: str | None = None
    status: str | None = None
    role: str | None = None
    content: list[ResponseContent] = Field(default_factory=list)
    call_id: str | None = None
    name: str | None = None
    arguments: str | None = None


class InputTokensDetails(OutputModel):
    """Breakdown of the input tokens."""

    cached_tokens: int | None = None


class OutputTokensDetails(OutputModel):
    """Breakdown of the output tokens."""

    reasoning_tokens: int | None = None


class ResponseUsage(OutputModel):
    """Token counts."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    input_tokens_details: InputTokensDetails = Field(default_factory=InputTokensDetails)
    output_tokens_details: OutputTokensDetails = Field(default_factory=OutputTokensDetails)


class ResponsesOutput(OutputModel):
    """A response object (OpenAI Responses format, minimal) with the concatenated output text."""

    id: str | None = None
    object: str | None = None
    created_at: int | None = None
    status: str | None = None
    model: str | None = None
    output: list[ResponseOutputItem] = Field(default_factory=list)
    output_text: str | None = None
    usage: ResponseUsage = Field(default_factory=ResponseUsage)


register(
    Subfeature(
        "llm",
        "chat",
        ChatInput,
        ChatOutput,
        description="Chat completion with any LLM, in OpenAI's format (tools, JSON output, images).",
    )
)
register(
    Subfeature(
        "llm",
        "responses",
        ResponsesInput,
        ResponsesOutput,
        description="Generate a response with any LLM, in the format of OpenAI's Responses API.",
    )
)
