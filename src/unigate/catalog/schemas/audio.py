"""Audio: speech to text, text to speech."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from unigate.catalog.common import FileRef, InputModel, LanguageCode, NonEmptyStr, OutputModel, file_field
from unigate.catalog.registry import Subfeature, register

# --- speech_to_text_async ------------------------------------------------------------------------


class SpeechToTextInput(InputModel):
    """Transcribe an audio or video file."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"file": "https://example.com/meeting.mp3", "language": "en"}]}
    )

    file: FileRef = file_field("The audio (or video) file: an uploaded file id or an http(s) URL.")
    language: LanguageCode | None = Field(
        None, description="Spoken language, e.g. 'en' or 'fr-FR'. Omit to let the provider detect it."
    )
    speakers: int | None = Field(
        None, ge=1, le=100, description="Expected number of speakers (diarization hint). Omit if unknown."
    )
    profanity_filter: bool = Field(False, description="Mask profanities in the transcript.")
    vocabulary: list[NonEmptyStr] | None = Field(
        None, description="Words or phrases the recogniser should favour (names, jargon)."
    )


class DiarizationEntry(OutputModel):
    """One recognised word or segment with its speaker and timing (times in seconds, as strings)."""

    segment: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    speaker: int | None = None
    confidence: float | None = None


class Diarization(OutputModel):
    """Who spoke when."""

    total_speakers: int | None = None
    entries: list[DiarizationEntry] = Field(default_factory=list)
    error_message: str | None = None


class SpeechToTextOutput(OutputModel):
    """The transcript and its diarization."""

    text: str | None = None
    diarization: Diarization = Field(default_factory=Diarization)


# --- text_to_speech, text_to_speech_async ------------------------------------------------------


class TextToSpeechInput(InputModel):
    """Synthesise speech from text."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "Hello world", "language": "en", "option": "FEMALE"}]}
    )

    text: NonEmptyStr = Field(description="The text to speak.")
    language: LanguageCode | None = Field(
        None, description="Language of the text, e.g. 'en-US'. Omit to use the voice's or provider's default."
    )
    option: Literal["MALE", "FEMALE"] | None = Field(
        None, description="Voice gender, used to pick a voice when `voice_id` is not given."
    )
    voice_id: str | None = Field(None, description="A provider voice id; overrides `language` and `option`.")
    audio_format: str | None = Field(
        None,
        max_length=16,
        description="Output audio format, e.g. 'mp3', 'wav', 'ogg'. Omit for the default.",
    )
    speaking_rate: int | None = Field(
        None, ge=-100, le=100, description="Speed change in percent (-100..100)."
    )
    speaking_pitch: int | None = Field(
        None, ge=-100, le=100, description="Pitch change in percent (-100..100)."
    )
    speaking_volume: int | None = Field(
        None, ge=-100, le=100, description="Volume change in percent (-100..100)."
    )
    sampling_rate: int | None = Field(None, ge=1, le=192_000, description="Output sampling rate in Hz.")


class TextToSpeechOutput(OutputModel):
    """Synthesised audio: base64 content, voice type and a temporary URL."""

    audio: str | None = None
    voice_type: int | None = None
    audio_resource_url: str | None = None


# --- tts -----------------------------------------------------------------------------------------


class TtsInput(InputModel):
    """Synthesise speech from text (simple, voice-name based variant)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "Hello world", "voice": "alloy"}]})

    text: NonEmptyStr = Field(description="The text to speak.")
    voice: str | None = Field(None, description="Provider voice name or id. Omit for the provider default.")
    audio_format: str = Field("mp3", min_length=1, max_length=16, description="Output audio format.")
    speed: float | None = Field(None, gt=0, le=4, description="Speaking speed factor (1.0 is normal).")
    speaking_pitch: int | None = Field(
        None, ge=-100, le=100, description="Pitch change in percent (-100..100)."
    )
    speaking_volume: int | None = Field(
        None, ge=-100, le=100, description="Volume change in percent (-100..100)."
    )


register(
    Subfeature(
        "audio",
        "speech_to_text_async",
        SpeechToTextInput,
        SpeechToTextOutput,
        mode="async",
        description="Transcribe speech in an audio or video file, with speaker diarization.",
    )
)
register(
    Subfeature(
        "audio",
        "text_to_speech",
        TextToSpeechInput,
        TextToSpeechOutput,
        description="Convert text to spoken audio.",
    )
)
register(
    Subfeature(
        "audio",
        "text_to_speech_async",
        TextToSpeechInput,
        TextToSpeechOutput,
        mode="async",
        description="Convert text to spoken audio as a background job (long texts).",
    )
)
register(
    Subfeature(
        "audio",
        "tts",
        TtsInput,
        TextToSpeechOutput,
        description="Convert text to spoken audio with a named voice.",
    )
)
