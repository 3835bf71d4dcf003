"""Video: detection and tracking jobs, question answering, generation."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from unigate.catalog.common import (
    Box,
    FileRef,
    InputModel,
    LanguageCode,
    NonEmptyStr,
    OutputModel,
    file_field,
)
from unigate.catalog.registry import Subfeature, register

Point = list[float]
"""A landmark as ``[x, y]`` (empty when the provider does not report it)."""

_VIDEO = "The video: an uploaded file id or an http(s) URL."

# --- inputs --------------------------------------------------------------------------------------


class VideoInput(InputModel):
    """A video to analyse."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"file": "https://example.com/clip.mp4"}]})

    file: FileRef = file_field(_VIDEO)


class VideoLanguageInput(VideoInput):
    """A video to analyse, and optionally the language of its text."""

    language: LanguageCode | None = Field(
        None, description="Language of the text in the video, e.g. 'en'. Omit for the provider default."
    )


class VideoQuestionAnswerInput(VideoInput):
    """A question about a video."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"file": "https://example.com/clip.mp4", "text": "What is this video about?"}]
        }
    )

    text: NonEmptyStr = Field(description="The question.")
    temperature: float | None = Field(None, ge=0, le=2, description="Sampling temperature (0-2).")
    max_tokens: int | None = Field(None, ge=1, description="Maximum length of the answer, in tokens.")


class VideoGenerationInput(InputModel):
    """Generate a video from a prompt, optionally starting from an image."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "A paper boat drifting down a rainy street"}]}
    )

    text: NonEmptyStr = Field(description="The prompt describing the video.")
    duration: int = Field(6, ge=1, le=120, description="Length of the video in seconds.")
    fps: int = Field(24, ge=1, le=120, description="Frames per second.")
    dimension: str = Field(
        "1280x720", pattern=r"^[1-9]\d{1,4}x[1-9]\d{1,4}$", description="Frame size as 'WIDTHxHEIGHT'."
    )
    seed: int | None = Field(None, ge=0, description="Seed for reproducible results.")
    file: FileRef | None = file_field(
        "An optional first-frame image: an uploaded file id or an http(s) URL.", default=None
    )


# --- question_answer, question_answer_async ------------------------------------------------------


class VideoQuestionAnswerOutput(OutputModel):
    """The answer and why generation stopped."""

    answer: str | None = None
    finish_reason: str | None = None


# --- deepfake_detection_async --------------------------------------------------------------------


class DeepfakeFrame(OutputModel):
    """The deepfake score at one position (milliseconds)."""

    position: float | None = None
    score: float | None = None
    prediction: str | None = None


class VideoDeepfakeDetectionOutput(OutputModel):
    """Average deepfake score (0-1), the verdict, and per-frame scores."""

    average_score: float | None = None
    prediction: str | None = None
    details_per_frame: list[DeepfakeFrame] = Field(default_factory=list)


# --- explicit_content_detection_async ------------------------------------------------------------


class ModerationFrame(OutputModel):
    """Explicit content at a timestamp (seconds)."""

    timestamp: float | None = None
    confidence: float | None = None
    category: str | None = None


class VideoExplicitContentOutput(OutputModel):
    """The explicit moments of the video."""

    moderation: list[ModerationFrame] = Field(default_factory=list)


# --- face_detection_async ------------------------------------------------------------------------


class VideoFacePose(OutputModel):
    """Head orientation."""

    pitch: float | None = None
    roll: float | None = None
    yawn: float | None = None


class VideoFaceAttributes(OutputModel):
    """Face attribute scores (0-1)."""

    headwear: float | None = None
    frontal_gaze: float | None = None
    eyes_visible: float | None = None
    glasses: float | None = None
    mouth_open: float | None = None
    smiling: float | None = None
    brightness: float | None = None
    sharpness: float | None = None
    pose: VideoFacePose = Field(default_factory=VideoFacePose)


class VideoFaceLandmarks(OutputModel):
    """Facial landmarks, each ``[x, y]`` normalised 0-1."""

    eye_left: Point = Field(default_factory=list)
    eye_right: Point = Field(default_factory=list)
    nose: Point = Field(default_factory=list)
    mouth_left: Point = Field(default_factory=list)
    mouth_right: Point = Field(default_factory=list)


class VideoFace(OutputModel):
    """A face at one moment (offset in seconds)."""

    offset: float | None = None
    bounding_box: Box = Field(default_factory=Box)
    attributes: VideoFaceAttributes = Field(default_factory=VideoFaceAttributes)
    landmarks: VideoFaceLandmarks = Field(default_factory=VideoFaceLandmarks)


class VideoFaceDetectionOutput(OutputModel):
    """The faces, moment by moment."""

    faces: list[VideoFace] = Field(default_factory=list)


# --- generation_async ----------------------------------------------------------------------------


class VideoGenerationOutput(OutputModel):
    """The generated video (base64) and a temporary URL."""

    video: str | None = None
    video_resource_url: str | None = None


# --- label_detection_async -----------------------------------------------------------------------


class TimeRange(OutputModel):
    """A time range in seconds."""

    start: float | None = None
    end: float | None = None


class VideoLabel(OutputModel):
    """A label, when it applies and where."""

    name: str | None = None
    confidence: float | None = None
    timestamp: list[TimeRange] = Field(default_factory=list)
    category: list[str] = Field(default_factory=list)
    bounding_box: list[Box] = Field(default_factory=list)


class LabelDetectionOutput(OutputModel):
    """The labels of the video."""

    labels: list[VideoLabel] = Field(default_factory=list)


# --- logo_detection_async, text_detection_async, object_tracking_async ---------------------------


class TrackedFrame(OutputModel):
    """Where an object is at a timestamp (seconds)."""

    confidence: float | None = None
    timestamp: float | None = None
    bounding_box: Box = Field(default_factory=Box)


class VideoLogo(OutputModel):
    """A logo and where it appears."""

    description: str | None = None
    tracking: list[TrackedFrame] = Field(default_factory=list)


class VideoLogoDetectionOutput(OutputModel):
    """The logos of the video."""

    logos: list[VideoLogo] = Field(default_factory=list)


class VideoText(OutputModel):
    """A piece of text and where it appears."""

    text: str | None = None
    frames: list[TrackedFrame] = Field(default_factory=list)


class TextDetectionOutput(OutputModel):
    """The texts of the video."""

    texts: list[VideoText] = Field(default_factory=list)


class ObjectFrame(OutputModel):
    """Where an object is at a timestamp (seconds)."""

    timestamp: float | None = None
    bounding_box: Box = Field(default_factory=Box)


class TrackedObject(OutputModel):
    """An object and its track."""

    description: str | None = None
    confidence: float | None = None
    frames: list[ObjectFrame] = Field(default_factory=list)


class ObjectTrackingOutput(OutputModel):
    """The tracked objects."""

    objects: list[TrackedObject] = Field(default_factory=list)


# --- person_tracking_async -----------------------------------------------------------------------


class Clothing(OutputModel):
    """A piece of clothing and its confidence."""

    value: str | None = None
    confidence: float | None = None


class PersonAttributes(OutputModel):
    """What the person wears."""

    upper_cloths: list[Clothing] = Field(default_factory=list)
    lower_cloths: list[Clothing] = Field(default_factory=list)


class PersonLandmarks(OutputModel):
    """Body landmarks, each ``[x, y]`` normalised 0-1."""

    eye_left: Point = Field(default_factory=list)
    eye_right: Point = Field(default_factory=list)
    nose: Point = Field(default_factory=list)
    ear_left: Point = Field(default_factory=list)
    ear_right: Point = Field(default_factory=list)
    shoulder_left: Point = Field(default_factory=list)
    shoulder_right: Point = Field(default_factory=list)
    elbow_left: Point = Field(default_factory=list)
    elbow_right: Point = Field(default_factory=list)
    wrist_left: Point = Field(default_factory=list)
    wrist_right: Point = Field(default_factory=list)
    hip_left: Point = Field(default_factory=list)
    hip_right: Point = Field(default_factory=list)
    knee_left: Point = Field(default_factory=list)
    knee_right: Point = Field(default_factory=list)
    ankle_left: Point = Field(default_factory=list)
    ankle_right: Point = Field(default_factory=list)
    mouth_left: Point = Field(default_factory=list)
    mouth_right: Point = Field(default_factory=list)


class PersonPoses(OutputModel):
    """Head orientation in degrees."""

    pitch: float | None = None
    roll: float | None = None
    yaw: float | None = None


class PersonQuality(OutputModel):
    """Image quality around the person."""

    brightness: float | None = None
    sharpness: float | None = None


class TrackedPerson(OutputModel):
    """A person at one moment (offset in seconds)."""

    offset: float | None = None
    attributes: PersonAttributes = Field(default_factory=PersonAttributes)
    landmarks: PersonLandmarks = Field(default_factory=PersonLandmarks)
    poses: PersonPoses = Field(default_factory=PersonPoses)
    quality: PersonQuality = Field(default_factory=PersonQuality)
    bounding_box: Box = Field(default_factory=Box)


class Person(OutputModel):
    """A person and their track."""

    tracked: list[TrackedPerson] = Field(default_factory=list)


class PersonTrackingOutput(OutputModel):
    """The tracked people."""

    persons: list[Person] = Field(default_factory=list)


# --- shot_change_detection_async -----------------------------------------------------------------


class Shot(OutputModel):
    """A shot, from start to end (seconds). Keys are camelCase in the canonical output."""

    startTimeOffset: float | None = None
    endTimeOffset: float | None = None


class ShotChangeDetectionOutput(OutputModel):
    """The shots of the video."""

    shotAnnotations: list[Shot] = Field(default_factory=list)


# --- registration --------------------------------------------------------------------------------


def _job(name: str, input_model: type[InputModel], output_model: type[OutputModel], description: str) -> None:
    register(Subfeature("video", name, input_model, output_model, mode="async", description=description))


_job(
    "deepfake_detection_async",
    VideoInput,
    VideoDeepfakeDetectionOutput,
    "Detect whether a video is a deepfake.",
)
_job(
    "explicit_content_detection_async",
    VideoInput,
    VideoExplicitContentOutput,
    "Find explicit content in a video.",
)
_job(
    "face_detection_async",
    VideoInput,
    VideoFaceDetectionOutput,
    "Detect faces and their attributes in a video.",
)
_job("generation_async", VideoGenerationInput, VideoGenerationOutput, "Generate a video from a text prompt.")
_job("label_detection_async", VideoInput, LabelDetectionOutput, "Label the objects and scenes of a video.")
_job(
    "logo_detection_async", VideoLanguageInput, VideoLogoDetectionOutput, "Detect and track logos in a video."
)
_job("object_tracking_async", VideoInput, ObjectTrackingOutput, "Detect and track objects in a video.")
_job("person_tracking_async", VideoInput, PersonTrackingOutput, "Detect and track people in a video.")
register(
    Subfeature(
        "video",
        "question_answer",
        VideoQuestionAnswerInput,
        VideoQuestionAnswerOutput,
        description="Answer a question about a video.",
    )
)
_job(
    "question_answer_async",
    VideoQuestionAnswerInput,
    VideoQuestionAnswerOutput,
    "Answer a question about a (long) video as a background job.",
)
_job("shot_change_detection_async", VideoInput, ShotChangeDetectionOutput, "Split a video into shots.")
_job("text_detection_async", VideoLanguageInput, TextDetectionOutput, "Detect and track text in a video.")
