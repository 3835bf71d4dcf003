"""Text: analysis (sentiment, entities, moderation...), generation, chat, embeddings and search."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from unigate.catalog.common import (
    AnswersOutput,
    EmbeddingsOutput,
    InputModel,
    LanguageCode,
    NonEmptyStr,
    OutputModel,
)
from unigate.catalog.registry import Subfeature, register

_TEXT = "The text to analyse."
_LANGUAGE = "Language of the text, e.g. 'en'. Omit to let the provider detect it."
_TEMPERATURE = "Sampling temperature (0-2); omit for the provider default."
_MAX_TOKENS = "Maximum number of tokens to generate; omit for the provider default."
_TEXTS = "The texts (at least one)."

# --- shared inputs -------------------------------------------------------------------------------


class TextInput(InputModel):
    """A text to analyse."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "I love this new phone!"}]})

    text: NonEmptyStr = Field(description=_TEXT)


class TextLanguageInput(TextInput):
    """A text to analyse, and optionally its language."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "I love this new phone!", "language": "en"}]}
    )

    language: LanguageCode | None = Field(None, description=_LANGUAGE)


class GeneratedTextOutput(OutputModel):
    """The generated text."""

    generated_text: str | None = None


# --- ai_detection --------------------------------------------------------------------------------


class TextAiDetectionItem(OutputModel):
    """A sentence and how likely it was written by an AI."""

    text: str | None = None
    prediction: str | None = None
    ai_score: float | None = None
    ai_score_detail: float | None = None


class TextAiDetectionOutput(OutputModel):
    """Overall AI score (0-1) and per-sentence scores."""

    ai_score: float | None = None
    items: list[TextAiDetectionItem] = Field(default_factory=list)


# --- anonymization -------------------------------------------------------------------------------


class AnonymizedEntity(OutputModel):
    """A piece of personal information that was masked."""

    offset: int | None = None
    length: int | None = None
    category: str | None = None
    subcategory: str | None = None
    original_label: str | None = None
    content: str | None = None
    confidence_score: float | None = None


class TextAnonymizationOutput(OutputModel):
    """The masked text and what was masked."""

    result: str | None = None
    entities: list[AnonymizedEntity] = Field(default_factory=list)


# --- chat ----------------------------------------------------------------------------------------


class HistoryMessage(InputModel):
    """An earlier message of the conversation."""

    role: Literal["user", "assistant"] = Field(description="Who wrote the message.")
    message: str = Field(description="The message.")


class ToolDefinition(InputModel):
    """A function the model may call."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,128}$", description="Function name.")
    description: str | None = Field(None, description="What the function does.")
    parameters: dict[str, Any] | None = Field(None, description="JSON Schema of the arguments.")


class ToolResult(InputModel):
    """The result of a tool call requested in the previous turn."""

    id: NonEmptyStr = Field(description="Id of the tool call.")
    result: str = Field(description="The result, usually JSON.")


class TextChatInput(InputModel):
    """A chat turn: the new user message and the history."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"text": "And what is its capital?", "chatbot_global_action": "You are a geography tutor."}
            ]
        }
    )

    text: NonEmptyStr = Field(description="The new user message.")
    chatbot_global_action: str | None = Field(None, description="System instructions for the assistant.")
    previous_history: list[HistoryMessage] | None = Field(None, description="The conversation so far.")
    temperature: float | None = Field(None, ge=0, le=2, description=_TEMPERATURE)
    max_tokens: int | None = Field(None, ge=1, description=_MAX_TOKENS)
    stream: bool = Field(False, description="Stream the answer as server-sent events.")
    available_tools: list[ToolDefinition] | None = Field(None, description="Functions the model may call.")
    tool_choice: Literal["auto", "required", "none"] = Field(
        "auto", description="Whether a tool must be called."
    )
    tool_results: list[ToolResult] | None = Field(
        None, description="Results of the previous turn's tool calls."
    )


class TextChatTool(OutputModel):
    """A tool that was available to the model."""

    name: str | None = None
    description: str | None = None
    parameters: dict[str, Any] | None = None


class TextChatToolCall(OutputModel):
    """A tool call requested by the model."""

    id: str | None = None
    name: str | None = None
    arguments: str | None = None


class TextChatMessage(OutputModel):
    """A message of the conversation."""

    role: str | None = None
    message: str | None = None
    # Null when absent, as in the canonical sample.
    tools: list[TextChatTool] | None = None
    tool_calls: list[TextChatToolCall] | None = None


class TextChatOutput(OutputModel):
    """The answer and the conversation (the new user message and the answer)."""

    generated_text: str | None = None
    message: list[TextChatMessage] = Field(default_factory=list)


# --- code_generation, generation -----------------------------------------------------------------


class CodeGenerationInput(InputModel):
    """Write or change code from an instruction."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"instruction": "Write a Python function returning the nth Fibonacci number"}]
        }
    )

    instruction: NonEmptyStr = Field(description="What the code should do.")
    prompt: str | None = Field(None, description="Existing code to start from.")
    temperature: float | None = Field(None, ge=0, le=2, description=_TEMPERATURE)
    max_tokens: int | None = Field(None, ge=1, description=_MAX_TOKENS)


class TextGenerationInput(InputModel):
    """Continue or answer a prompt."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "Write a tagline for a bakery."}]})

    text: NonEmptyStr = Field(description="The prompt.")
    temperature: float | None = Field(None, ge=0, le=2, description=_TEMPERATURE)
    max_tokens: int | None = Field(None, ge=1, description=_MAX_TOKENS)


# --- custom_classification -----------------------------------------------------------------------


class CustomClassificationInput(InputModel):
    """Classify texts into your own labels, optionally with examples."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "texts": ["Confirm your email address", "hey i need u to send some $"],
                    "labels": ["spam", "not spam"],
                    "examples": [["Win a free iPhone now", "spam"], ["Meeting moved to 3pm", "not spam"]],
                }
            ]
        }
    )

    texts: list[NonEmptyStr] = Field(min_length=1, description="The texts to classify.")
    labels: list[NonEmptyStr] = Field(min_length=1, description="The possible labels.")
    examples: list[tuple[NonEmptyStr, NonEmptyStr]] = Field(
        default_factory=list, description="Labelled examples, as [text, label] pairs."
    )


class Classification(OutputModel):
    """The label of one input text."""

    input: str | None = None
    label: str | None = None
    confidence: float | None = None


class CustomClassificationOutput(OutputModel):
    """The labels, in input order."""

    classifications: list[Classification] = Field(default_factory=list)


# --- custom_named_entity_recognition -------------------------------------------------------------


class ExampleEntity(InputModel):
    """An entity in an example text."""

    entity: NonEmptyStr = Field(description="The entity as it appears in the text.")
    category: NonEmptyStr = Field(description="Its category (one of `entities`).")


class NerExample(InputModel):
    """An example text and the entities it contains."""

    text: NonEmptyStr = Field(description="The example text.")
    entities: list[ExampleEntity] = Field(description="The entities it contains.")


class CustomNerInput(InputModel):
    """Extract entities of your own categories."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"text": "Barack Obama was president from 2009 to 2017.", "entities": ["person", "date"]}
            ]
        }
    )

    text: NonEmptyStr = Field(description=_TEXT)
    entities: list[NonEmptyStr] = Field(min_length=1, description="The entity categories to look for.")
    examples: list[NerExample] | None = Field(None, description="Annotated examples.")


class CustomEntity(OutputModel):
    """An entity found and its category."""

    entity: str | None = None
    category: str | None = None


class CustomNerOutput(OutputModel):
    """The entities found."""

    items: list[CustomEntity] = Field(default_factory=list)


# --- embeddings ----------------------------------------------------------------------------------


class EmbeddingsInput(InputModel):
    """Texts to embed."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"texts": ["hello world", "bonjour le monde"]}]}
    )

    texts: list[NonEmptyStr] = Field(min_length=1, description=_TEXTS)


# --- emotion_detection ---------------------------------------------------------------------------


class Emotion(OutputModel):
    """An emotion and its score (0-100)."""

    emotion: str | None = None
    emotion_score: float | None = None


class EmotionDetectionOutput(OutputModel):
    """The text and the emotions it expresses."""

    text: str | None = None
    items: list[Emotion] = Field(default_factory=list)


# --- entity_sentiment ----------------------------------------------------------------------------


class EntitySentiment(OutputModel):
    """An entity and the sentiment expressed about it."""

    type: str | None = None
    text: str | None = None
    sentiment: str | None = None
    begin_offset: int | None = None
    end_offset: int | None = None


class EntitySentimentOutput(OutputModel):
    """The entities and their sentiments."""

    items: list[EntitySentiment] = Field(default_factory=list)


# --- keyword_extraction, topic_extraction, named_entity_recognition ------------------------------


class Keyword(OutputModel):
    """A keyword and its importance (0-1)."""

    keyword: str | None = None
    importance: float | None = None


class KeywordExtractionOutput(OutputModel):
    """The keywords."""

    items: list[Keyword] = Field(default_factory=list)


class Topic(OutputModel):
    """A topic category and its importance (0-1)."""

    category: str | None = None
    importance: float | None = None


class TopicExtractionOutput(OutputModel):
    """The topics."""

    items: list[Topic] = Field(default_factory=list)


class NamedEntity(OutputModel):
    """An entity, its category and importance (0-1)."""

    entity: str | None = None
    category: str | None = None
    importance: float | None = None


class NamedEntityRecognitionOutput(OutputModel):
    """The entities."""

    items: list[NamedEntity] = Field(default_factory=list)


# --- moderation ----------------------------------------------------------------------------------


class ModerationItem(OutputModel):
    """One moderation label; likelihood is 1 (very unlikely) to 5 (very likely)."""

    label: str | None = None
    likelihood: int | None = None
    category: str | None = None
    subcategory: str | None = None
    likelihood_score: float | None = None


class ModerationOutput(OutputModel):
    """Overall likelihood (1-5) and score (0-1) of harmful content, and the labels found."""

    nsfw_likelihood: int | None = None
    items: list[ModerationItem] = Field(default_factory=list)
    nsfw_likelihood_score: float | None = None


# --- plagia_detection ----------------------------------------------------------------------------


class PlagiaInput(TextInput):
    """A text to check for plagiarism."""

    title: str | None = Field(None, description="Title of the text, if any.")


class PlagiaCandidate(OutputModel):
    """A source the text may be copied from."""

    url: str | None = None
    plagia_score: float | None = None
    prediction: str | None = None
    plagiarized_text: str | None = None


class PlagiaItem(OutputModel):
    """A passage and its candidate sources."""

    text: str | None = None
    candidates: list[PlagiaCandidate] = Field(default_factory=list)


class PlagiaDetectionOutput(OutputModel):
    """Overall plagiarism score (0-1) and the passages found elsewhere."""

    plagia_score: float | None = None
    items: list[PlagiaItem] = Field(default_factory=list)


# --- prompt_optimization -------------------------------------------------------------------------


class PromptOptimizationInput(InputModel):
    """A prompt to rewrite for a given provider."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "Extract entities from text", "target_provider": "openai"}]}
    )

    text: NonEmptyStr = Field(description="The prompt, or a description of what it should do.")
    target_provider: NonEmptyStr = Field(
        description="The provider the prompt is optimised for, e.g. 'openai'."
    )


class OptimizedPrompt(OutputModel):
    """A suggested prompt."""

    text: str | None = None


class PromptOptimizationOutput(OutputModel):
    """What the prompt lacks and suggested rewrites."""

    missing_information: str | None = None
    items: list[OptimizedPrompt] = Field(default_factory=list)


# --- question_answer -----------------------------------------------------------------------------


class QuestionAnswerInput(InputModel):
    """Answer a question from a set of texts."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"texts": ["The bar-shouldered dove is Geopelia humeralis."], "question": "Its Latin name?"}
            ]
        }
    )

    texts: list[NonEmptyStr] = Field(min_length=1, description="The texts holding the answer.")
    question: NonEmptyStr = Field(description="The question.")
    temperature: float | None = Field(None, ge=0, le=2, description=_TEMPERATURE)
    examples_context: str | None = Field(None, description="A context for the examples.")
    examples: list[tuple[NonEmptyStr, NonEmptyStr]] | None = Field(
        None, description="Example [question, answer] pairs about `examples_context`."
    )


# --- search --------------------------------------------------------------------------------------


class SearchInput(InputModel):
    """Rank texts by semantic similarity to a query."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"texts": ["cats purr", "dogs bark"], "query": "what sound do cats make"}]
        }
    )

    texts: list[NonEmptyStr] = Field(min_length=1, description="The texts to search.")
    query: NonEmptyStr = Field(description="The query.")
    similarity_metric: Literal["cosine", "hamming", "manhattan", "euclidean"] = Field(
        "cosine", description="How similarity is measured."
    )


class SearchResult(OutputModel):
    """A matching text: its index in `texts` and its score."""

    object: str | None = None
    document: int | None = None
    score: float | None = None


class SearchOutput(OutputModel):
    """The texts, best match first."""

    items: list[SearchResult] = Field(default_factory=list)


# --- sentiment_analysis --------------------------------------------------------------------------


class SentimentSegment(OutputModel):
    """The sentiment of one segment."""

    segment: str | None = None
    sentiment: str | None = None
    sentiment_rate: float | None = None


class SentimentAnalysisOutput(OutputModel):
    """Overall sentiment (Positive, Negative, Neutral), its rate (0-1), and per-segment sentiments."""

    general_sentiment: str | None = None
    general_sentiment_rate: float | None = None
    items: list[SentimentSegment] = Field(default_factory=list)


# --- spell_check ---------------------------------------------------------------------------------


class SpellSuggestion(OutputModel):
    """A correction and its score."""

    suggestion: str | None = None
    score: float | None = None


class SpellCheckItem(OutputModel):
    """A checked word and its corrections."""

    text: str | None = None
    type: str | None = None
    offset: int | None = None
    length: int | None = None
    suggestions: list[SpellSuggestion] = Field(default_factory=list)


class SpellCheckOutput(OutputModel):
    """The text and the spelling issues found."""

    text: str | None = None
    items: list[SpellCheckItem] = Field(default_factory=list)


# --- summarize -----------------------------------------------------------------------------------


class SummarizeInput(TextLanguageInput):
    """A text to summarise."""

    output_sentences: int | None = Field(
        None, ge=1, le=100, description="Length of the summary, in sentences."
    )


class SummarizeOutput(OutputModel):
    """The summary."""

    result: str | None = None


# --- syntax_analysis -----------------------------------------------------------------------------


class SyntaxToken(OutputModel):
    """A word, its part of speech, lemma and other morphological features."""

    word: str | None = None
    importance: float | None = None
    tag: str | None = None
    lemma: str | None = None
    # Free-form: morphological features (number, gender, tense...) vary by word and provider.
    others: dict[str, Any] = Field(default_factory=dict)


class SyntaxAnalysisOutput(OutputModel):
    """The analysed words."""

    items: list[SyntaxToken] = Field(default_factory=list)


# --- registration --------------------------------------------------------------------------------


def _text(
    name: str, input_model: type[InputModel], output_model: type[OutputModel], description: str
) -> None:
    register(Subfeature("text", name, input_model, output_model, description=description))


_text("ai_detection", TextInput, TextAiDetectionOutput, "Detect whether a text was written by an AI.")
_text("anonymization", TextLanguageInput, TextAnonymizationOutput, "Mask personal information in a text.")
_text("chat", TextChatInput, TextChatOutput, "Chat with an LLM, one turn at a time, with tools.")
_text("code_generation", CodeGenerationInput, GeneratedTextOutput, "Write code from an instruction.")
_text(
    "custom_classification",
    CustomClassificationInput,
    CustomClassificationOutput,
    "Classify texts into your own labels.",
)
_text(
    "custom_named_entity_recognition",
    CustomNerInput,
    CustomNerOutput,
    "Extract entities of your own categories.",
)
_text("embeddings", EmbeddingsInput, EmbeddingsOutput, "Compute vector embeddings of texts.")
_text("emotion_detection", TextInput, EmotionDetectionOutput, "Detect the emotions a text expresses.")
_text(
    "entity_sentiment",
    TextLanguageInput,
    EntitySentimentOutput,
    "Detect entities and the sentiment expressed about each.",
)
_text("generation", TextGenerationInput, GeneratedTextOutput, "Generate text from a prompt.")
_text("keyword_extraction", TextLanguageInput, KeywordExtractionOutput, "Extract the key phrases of a text.")
_text("moderation", TextLanguageInput, ModerationOutput, "Detect harmful or explicit content in a text.")
_text(
    "named_entity_recognition",
    TextLanguageInput,
    NamedEntityRecognitionOutput,
    "Extract people, places, organisations and other entities.",
)
_text("plagia_detection", PlagiaInput, PlagiaDetectionOutput, "Detect passages copied from the web.")
_text(
    "prompt_optimization",
    PromptOptimizationInput,
    PromptOptimizationOutput,
    "Rewrite a prompt for a given provider.",
)
_text("question_answer", QuestionAnswerInput, AnswersOutput, "Answer a question from a set of texts.")
_text("search", SearchInput, SearchOutput, "Rank texts by semantic similarity to a query.")
_text(
    "sentiment_analysis",
    TextLanguageInput,
    SentimentAnalysisOutput,
    "Detect the overall and per-sentence sentiment.",
)
_text("spell_check", TextLanguageInput, SpellCheckOutput, "Find spelling mistakes and suggest corrections.")
_text("summarize", SummarizeInput, SummarizeOutput, "Summarise a text.")
register(
    Subfeature(
        "text",
        "syntax_analysis",
        TextLanguageInput,
        SyntaxAnalysisOutput,
        description="Tag each word with its part of speech, lemma and features.",
        dynamic_keys=("items[].others",),
    )
)
_text("topic_extraction", TextLanguageInput, TopicExtractionOutput, "Classify a text into topic categories.")
