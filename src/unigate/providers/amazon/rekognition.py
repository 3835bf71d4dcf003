"""Rekognition image APIs (2016-06-27, JSON 1.1, target prefix RekognitionService):
image/object_detection (DetectLabels), image/face_detection (DetectFaces, all attributes),
image/explicit_content (DetectModerationLabels) and image/face_compare (CompareFaces).

Images go inline as base64 Bytes (JPEG or PNG, 5 MB at most). Boxes are ratios (0-1) of the image;
confidences become 0-1 and likelihoods 1-5.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from functools import cache
from typing import Any

from unigate.providers.amazon import aws
from unigate.providers.amazon.scale import likelihood, ratio
from unigate.providers.base import CallContext, ProviderResult

MIME_TYPES = frozenset({"image/jpeg", "image/png"})
MAX_BYTES = 5 * 1024 * 1024  # inline image bytes
MAX_LABELS = 100
MIN_CONFIDENCE = 50.0


async def image(ctx: CallContext, ref: str) -> dict[str, Any]:
    loaded = await ctx.files(ref)
    return {"Bytes": base64.b64encode(loaded.data).decode("ascii")}


async def call(ctx: CallContext, operation: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    return await aws.json_api(ctx, aws.REKOGNITION, operation, payload)


def corners(bb: Mapping[str, Any] | None) -> dict[str, float | None]:
    if not bb:
        return {"x_min": None, "x_max": None, "y_min": None, "y_max": None}
    left, top = float(bb.get("Left") or 0), float(bb.get("Top") or 0)
    width, height = float(bb.get("Width") or 0), float(bb.get("Height") or 0)
    return {"x_min": left, "x_max": left + width, "y_min": top, "y_max": top + height}


def probability(attribute: Mapping[str, Any] | None) -> float | None:
    """A {Value: bool, Confidence: %} attribute as the probability that it is true."""
    if not attribute or "Value" not in attribute:
        return None
    sure = ratio(attribute.get("Confidence"))
    if sure is None:
        return None
    return sure if attribute["Value"] else round(1 - sure, 6)


# ---------------------------------------------------------------------- object detection


def to_objects(response: Mapping[str, Any]) -> dict[str, Any]:
    """One item per located instance; labels without instances are image-level (null box)."""
    items = []
    for label in response.get("Labels") or ():
        name = label.get("Name")
        instances = label.get("Instances") or ()
        for inst in instances:
            items.append(
                {
                    "label": name,
                    "confidence": ratio(inst.get("Confidence")),
                    **corners(inst.get("BoundingBox")),
                }
            )
        if not instances:
            items.append({"label": name, "confidence": ratio(label.get("Confidence")), **corners(None)})
    return {"items": items}


async def run_objects(input: Any, ctx: CallContext) -> ProviderResult:
    payload = {
        "Image": await image(ctx, input.file),
        "MaxLabels": MAX_LABELS,
        "MinConfidence": MIN_CONFIDENCE,
    }
    response = await call(ctx, "DetectLabels", payload)
    return ProviderResult(to_objects(response), raw=response, usage={"request": 1})


# ---------------------------------------------------------------------- face detection

LANDMARKS = {
    "eyeLeft": "left_eye", "eyeRight": "right_eye",
    "leftEyeLeft": "left_eye_left", "leftEyeRight": "left_eye_right",
    "leftEyeUp": "left_eye_top", "leftEyeDown": "left_eye_bottom",
    "rightEyeLeft": "right_eye_left", "rightEyeRight": "right_eye_right",
    "rightEyeUp": "right_eye_top", "rightEyeDown": "right_eye_bottom",
    "leftEyeBrowLeft": "left_eyebrow_left", "leftEyeBrowRight": "left_eyebrow_right",
    "leftEyeBrowUp": "left_eyebrow_top", "rightEyeBrowLeft": "right_eyebrow_left",
    "rightEyeBrowRight": "right_eyebrow_right", "rightEyeBrowUp": "right_eyebrow_top",
    "leftPupil": "left_pupil", "rightPupil": "right_pupil",
    "nose": "nose_tip", "noseLeft": "nose_bottom_left", "noseRight": "nose_bottom_right",
    "mouthLeft": "mouth_left", "mouthRight": "mouth_right", "mouthUp": "mouth_top",
    "mouthDown": "mouth_bottom",
    "chinBottom": "chin_gnathion", "upperJawlineLeft": "upper_jawline_left",
    "midJawlineLeft": "mid_jawline_left", "midJawlineRight": "mid_jawline_right",
    "upperJawlineRight": "upper_jawline_right",
}  # fmt: skip
EMOTIONS = {
    "HAPPY": "joy", "SAD": "sorrow", "ANGRY": "anger", "SURPRISED": "surprise", "DISGUSTED": "disgust",
    "FEAR": "fear", "CONFUSED": "confusion", "CALM": "calm", "UNKNOWN": "unknown",
}  # fmt: skip


@cache
def output_keys() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Every landmark and emotion key of the canonical face (absent ones are [] or null)."""
    from unigate.catalog.schemas.image import FaceEmotions, FaceLandmarks

    return tuple(FaceLandmarks.model_fields), tuple(FaceEmotions.model_fields)


def _face(face: Mapping[str, Any]) -> dict[str, Any]:
    landmark_keys, emotion_keys = output_keys()
    landmarks: dict[str, list[float]] = {key: [] for key in landmark_keys}
    for mark in face.get("Landmarks") or ():
        key = LANDMARKS.get(str(mark.get("Type")))
        if key and mark.get("X") is not None and mark.get("Y") is not None:
            landmarks[key] = [float(mark["X"]), float(mark["Y"])]
    emotions: dict[str, int | None] = dict.fromkeys(emotion_keys)
    for emotion in face.get("Emotions") or ():
        key = EMOTIONS.get(str(emotion.get("Type")))
        score = ratio(emotion.get("Confidence"))
        if key and score is not None:
            emotions[key] = likelihood(score)
    pose = face.get("Pose") or {}
    ages = face.get("AgeRange") or {}
    age = (ages["Low"] + ages["High"]) / 2 if "Low" in ages and "High" in ages else None
    quality = face.get("Quality") or {}
    return {
        "confidence": ratio(face.get("Confidence")),
        "landmarks": landmarks,
        "emotions": emotions,
        "poses": {"pitch": pose.get("Pitch"), "roll": pose.get("Roll"), "yaw": pose.get("Yaw")},
        "age": age,
        "gender": (face.get("Gender") or {}).get("Value"),
        "bounding_box": corners(face.get("BoundingBox")),
        "hair": {"hair_color": [], "bald": None, "invisible": None},
        "facial_hair": {
            "moustache": probability(face.get("Mustache")),
            "beard": probability(face.get("Beard")),
            "sideburns": None,
        },
        "quality": {
            "noise": None,
            "exposure": None,
            "blur": None,
            "brightness": ratio(quality.get("Brightness")),
            "sharpness": ratio(quality.get("Sharpness")),
        },
        "makeup": {"eye_make": None, "lip_make": None},
        "accessories": {
            "sunglasses": probability(face.get("Sunglasses")),
            "reading_glasses": None,
            "swimming_goggles": None,
            "face_mask": None,
            "eyeglasses": probability(face.get("Eyeglasses")),
            "headwear": None,
        },
        "occlusions": {"eye_occluded": None, "forehead_occluded": None, "mouth_occluded": None},
        "features": {
            "eyes_open": probability(face.get("EyesOpen")),
            "smile": probability(face.get("Smile")),
            "mouth_open": probability(face.get("MouthOpen")),
        },
    }


def to_faces(response: Mapping[str, Any]) -> dict[str, Any]:
    return {"items": [_face(f) for f in response.get("FaceDetails") or ()]}


async def run_faces(input: Any, ctx: CallContext) -> ProviderResult:
    response = await call(ctx, "DetectFaces", {"Image": await image(ctx, input.file), "Attributes": ["ALL"]})
    return ProviderResult(to_faces(response), raw=response, usage={"request": 1})


# ---------------------------------------------------------------------- explicit content

# Top-level moderation categories (taxonomy v6 and v7) -> (category, subcategory).
MODERATION = {
    "Explicit": ("Sexual", "Sexual"),
    "Explicit Nudity": ("Sexual", "Sexual"),
    "Non-Explicit Nudity of Intimate parts and Kissing": ("Sexual", "Suggestive"),
    "Suggestive": ("Sexual", "Suggestive"),
    "Swimwear or Underwear": ("Sexual", "Suggestive"),
    "Violence": ("Violence", "PhysicalViolence"),
    "Visually Disturbing": ("Violence", "GraphicViolenceOrGore"),
    "Drugs & Tobacco": ("DrugAndAlcohol", "Drugs"),
    "Drugs": ("DrugAndAlcohol", "Drugs"),
    "Tobacco": ("DrugAndAlcohol", "Tobacco"),
    "Alcohol": ("DrugAndAlcohol", "Alcohol"),
    "Rude Gestures": ("Toxic", "Obscene"),
    "Gambling": ("Finance", "Gambling"),
    "Hate Symbols": ("HateAndExtremism", "Hate"),
}


def _top(name: str, parents: Mapping[str, str]) -> str:
    seen = set()
    while parents.get(name) and name not in seen:
        seen.add(name)
        name = parents[name]
    return name


def to_explicit(response: Mapping[str, Any]) -> dict[str, Any]:
    labels = list(response.get("ModerationLabels") or ())
    parents = {str(m.get("Name")): str(m.get("ParentName") or "") for m in labels}
    items: list[dict[str, Any]] = []
    top = 0.0
    for m in sorted(labels, key=lambda x: -float(x.get("Confidence") or 0)):
        name = str(m.get("Name"))
        category, subcategory = MODERATION.get(_top(name, parents), ("Other", name.replace(" ", "")))
        score = ratio(m.get("Confidence")) or 0.0
        top = max(top, score)
        items.append(
            {
                "label": name,
                "likelihood": likelihood(score),
                "likelihood_score": score,
                "category": category,
                "subcategory": subcategory,
            }
        )
    return {"nsfw_likelihood": likelihood(top), "nsfw_likelihood_score": top, "items": items}


async def run_explicit(input: Any, ctx: CallContext) -> ProviderResult:
    payload = {"Image": await image(ctx, input.file), "MinConfidence": MIN_CONFIDENCE}
    response = await call(ctx, "DetectModerationLabels", payload)
    return ProviderResult(to_explicit(response), raw=response, usage={"request": 1})


# ---------------------------------------------------------------------- face compare


def to_compare(response: Mapping[str, Any]) -> dict[str, Any]:
    items = []
    for match in response.get("FaceMatches") or ():
        bb = (match.get("Face") or {}).get("BoundingBox") or {}
        items.append(
            {
                "confidence": ratio(match.get("Similarity")),
                "bounding_box": {
                    "top": bb.get("Top"),
                    "left": bb.get("Left"),
                    "height": bb.get("Height"),
                    "width": bb.get("Width"),
                },
            }
        )
    return {"items": items}


async def run_compare(input: Any, ctx: CallContext) -> ProviderResult:
    payload = {
        "SourceImage": await image(ctx, input.file1),
        "TargetImage": await image(ctx, input.file2),
        # 0: every face found in the target comes back with its similarity; the caller decides.
        "SimilarityThreshold": 0,
    }
    response = await call(ctx, "CompareFaces", payload)
    return ProviderResult(to_compare(response), raw=response, usage={"request": 1})
