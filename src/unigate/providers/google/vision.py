"""Cloud Vision API v1: `images:annotate` (and `files:annotate` for PDF/TIFF text).

Reference: https://cloud.google.com/vision/docs/reference/rest/v1/images/annotate and
https://cloud.google.com/vision/docs/reference/rest/v1/AnnotateImageResponse. One request carries
one image and one feature; the per-image `error` inside a 200 answer is a failure too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

from unigate.providers.base import CallContext, Constraints, LoadedFile, Offer, ProviderResult
from unigate.providers.errors import ProviderBadResponse
from unigate.providers.google import client
from unigate.providers.google.common import b64, likelihood, likelihood_score, load_file, num, spec
from unigate.providers.google.config import Api
from unigate.providers.google.imagesize import image_size

VENDOR = client.VENDORS[Api.VISION]
IMAGE_MIME_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/bmp", "image/webp"})
FILE_MIME_TYPES = frozenset({"application/pdf", "image/tiff"})  # files:annotate
# The JSON request is capped at 10 MB and base64 adds a third: 7 MiB of image fits.
MAX_IMAGE_BYTES = 7 * 1024 * 1024
MAX_FILE_PAGES = 5  # files:annotate (online) reads at most 5 pages
MAX_RESULTS = 50  # Vision returns 10 results per feature unless told otherwise
MODELS = ("builtin/stable", "builtin/latest")  # Feature.model values
OCR_MODELS = {"text-detection": "TEXT_DETECTION", "document-text-detection": "DOCUMENT_TEXT_DETECTION"}


# --- request --------------------------------------------------------------------------------------


def _feature(kind: str, model: str | None) -> dict[str, Any]:
    feature: dict[str, Any] = {"type": kind}
    if kind not in ("TEXT_DETECTION", "DOCUMENT_TEXT_DETECTION"):
        feature["maxResults"] = MAX_RESULTS
    if model in MODELS:
        feature["model"] = model
    return feature


async def annotate_image(
    ctx: CallContext, loaded: LoadedFile, feature: dict[str, Any], context: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One image, one feature: the AnnotateImageResponse, or the typed error it carries."""
    req: dict[str, Any] = {"image": {"content": b64(loaded.data)}, "features": [feature]}
    if context:
        req["imageContext"] = context
    body = await client.request_json(
        ctx, Api.VISION, "POST", "/v1/images:annotate", json_body={"requests": [req]}
    )
    responses = body.get("responses")
    if not isinstance(responses, list) or len(responses) != 1 or not isinstance(responses[0], dict):
        raise ProviderBadResponse(f"{VENDOR}: expected one entry in responses")
    one: dict[str, Any] = responses[0]
    if isinstance(one.get("error"), dict):
        raise client.rpc_error(VENDOR, one["error"], client.secrets_of(ctx))
    return one


async def annotate_file(
    ctx: CallContext, loaded: LoadedFile, feature: dict[str, Any], context: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """PDF/TIFF: one AnnotateImageResponse per page. With no `pages` listed the API reads the first
    five, its online maximum (longer files are refused before the call by max_pages)."""
    req: dict[str, Any] = {
        "inputConfig": {"content": b64(loaded.data), "mimeType": loaded.mime},
        "features": [feature],
    }
    if context:
        req["imageContext"] = context
    body = await client.request_json(
        ctx, Api.VISION, "POST", "/v1/files:annotate", json_body={"requests": [req]}
    )
    outer = body.get("responses")
    if not isinstance(outer, list) or len(outer) != 1 or not isinstance(outer[0], dict):
        raise ProviderBadResponse(f"{VENDOR}: expected one entry in responses")
    if isinstance(outer[0].get("error"), dict):
        raise client.rpc_error(VENDOR, outer[0]["error"], client.secrets_of(ctx))
    pages = [p for p in outer[0].get("responses") or [] if isinstance(p, dict)]
    for page in pages:
        if isinstance(page.get("error"), dict):
            raise client.rpc_error(VENDOR, page["error"], client.secrets_of(ctx))
    return pages


# --- geometry -------------------------------------------------------------------------------------


def _vertices(poly: Any) -> list[tuple[float, float]]:
    """Pixel vertices of a BoundingPoly; proto3 JSON omits a coordinate that is 0."""
    if not isinstance(poly, dict):
        return []
    return [
        (num(v.get("x")) or 0.0, num(v.get("y")) or 0.0)
        for v in poly.get("vertices") or []
        if isinstance(v, dict)
    ]


def _normalized(poly: Any) -> list[tuple[float, float]]:
    if not isinstance(poly, dict):
        return []
    return [
        (num(v.get("x")) or 0.0, num(v.get("y")) or 0.0)
        for v in poly.get("normalizedVertices") or []
        if isinstance(v, dict)
    ]


def _corners(points: list[tuple[float, float]]) -> dict[str, float | None]:
    if not points:
        return {"x_min": None, "x_max": None, "y_min": None, "y_max": None}
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return {"x_min": min(xs), "x_max": max(xs), "y_min": min(ys), "y_max": max(ys)}


# --- image/object_detection -----------------------------------------------------------------------


def objects_output(resp: dict[str, Any]) -> dict[str, Any]:
    items = []
    for obj in resp.get("localizedObjectAnnotations") or []:
        items.append(
            {
                "label": obj.get("name"),
                "confidence": num(obj.get("score")),
                **_corners(_normalized(obj.get("boundingPoly"))),
            }
        )
    return {"items": items}


# --- image/face_detection -------------------------------------------------------------------------

# Vision's landmark types -> the output's landmark keys (left/right as seen by the viewer, as Google).
LANDMARKS = {
    "LEFT_EYE": "left_eye", "RIGHT_EYE": "right_eye",
    "LEFT_OF_LEFT_EYEBROW": "left_eyebrow_left", "RIGHT_OF_LEFT_EYEBROW": "left_eyebrow_right",
    "LEFT_OF_RIGHT_EYEBROW": "right_eyebrow_left", "RIGHT_OF_RIGHT_EYEBROW": "right_eyebrow_right",
    "LEFT_EYEBROW_UPPER_MIDPOINT": "left_eyebrow_top", "RIGHT_EYEBROW_UPPER_MIDPOINT": "right_eyebrow_top",
    "MIDPOINT_BETWEEN_EYES": "midpoint_between_eyes", "NOSE_TIP": "nose_tip",
    "UPPER_LIP": "upper_lip", "LOWER_LIP": "under_lip",
    "MOUTH_LEFT": "mouth_left", "MOUTH_RIGHT": "mouth_right", "MOUTH_CENTER": "mouth_center",
    "NOSE_BOTTOM_RIGHT": "nose_bottom_right", "NOSE_BOTTOM_LEFT": "nose_bottom_left",
    "NOSE_BOTTOM_CENTER": "nose_bottom_center",
    "LEFT_EYE_TOP_BOUNDARY": "left_eye_top", "LEFT_EYE_RIGHT_CORNER": "left_eye_right",
    "LEFT_EYE_BOTTOM_BOUNDARY": "left_eye_bottom", "LEFT_EYE_LEFT_CORNER": "left_eye_left",
    "RIGHT_EYE_TOP_BOUNDARY": "right_eye_top", "RIGHT_EYE_RIGHT_CORNER": "right_eye_right",
    "RIGHT_EYE_BOTTOM_BOUNDARY": "right_eye_bottom", "RIGHT_EYE_LEFT_CORNER": "right_eye_left",
    "LEFT_EAR_TRAGION": "left_ear_tragion", "RIGHT_EAR_TRAGION": "right_ear_tragion",
    "LEFT_EYE_PUPIL": "left_pupil", "RIGHT_EYE_PUPIL": "right_pupil",
    "FOREHEAD_GLABELLA": "forehead_glabella", "CHIN_GNATHION": "chin_gnathion",
    "CHIN_LEFT_GONION": "chin_left_gonion", "CHIN_RIGHT_GONION": "chin_right_gonion",
    "LEFT_CHEEK_CENTER": "left_cheek_center", "RIGHT_CHEEK_CENTER": "right_cheek_center",
}  # fmt: skip


@cache
def landmark_keys() -> tuple[str, ...]:
    """Every landmark key of the output ([] when Vision does not report it). Imported late: the
    catalogue's image schemas are slow to import and are loaded anyway by the time faces come back."""
    from unigate.catalog.schemas.image import FaceLandmarks

    return tuple(FaceLandmarks.model_fields)


OTHER_EMOTIONS = ("disgust", "fear", "confusion", "calm", "unknown", "neutral", "contempt")
OTHER_ACCESSORIES = ("sunglasses", "reading_glasses", "swimming_goggles", "face_mask", "eyeglasses")


def _face(face: dict[str, Any], size: tuple[int, int] | None) -> dict[str, Any]:
    landmarks: dict[str, list[float]] = {key: [] for key in landmark_keys()}
    box: dict[str, float | None] = _corners([])
    if size is not None and min(size) > 0:  # landmarks and boxes are pixels: normalise to 0-1
        w, h = size
        for mark in face.get("landmarks") or []:
            key = LANDMARKS.get(mark.get("type"))
            pos = mark.get("position") or {}
            if key:
                landmarks[key] = [(num(pos.get("x")) or 0.0) / w, (num(pos.get("y")) or 0.0) / h]
        box = _corners([(x / w, y / h) for x, y in _vertices(face.get("boundingPoly"))])
    emotion = {k: likelihood(face.get(f"{k}Likelihood")) for k in ("joy", "sorrow", "anger", "surprise")}
    return {
        "confidence": num(face.get("detectionConfidence")),
        "landmarks": landmarks,
        "emotions": {**emotion, **dict.fromkeys(OTHER_EMOTIONS)},
        "poses": {
            "pitch": num(face.get("tiltAngle")),
            "roll": num(face.get("rollAngle")),
            "yaw": num(face.get("panAngle")),
        },
        "age": None,
        "gender": None,
        "bounding_box": box,
        "hair": {"hair_color": [], "bald": None, "invisible": None},
        "facial_hair": {"moustache": None, "beard": None, "sideburns": None},
        "quality": {
            "noise": None,
            "exposure": None,
            "blur": likelihood_score(likelihood(face.get("blurredLikelihood"))),
            "brightness": None,
            "sharpness": None,
        },
        "makeup": {"eye_make": None, "lip_make": None},
        "accessories": {
            **dict.fromkeys(OTHER_ACCESSORIES),
            "headwear": likelihood_score(likelihood(face.get("headwearLikelihood"))),
        },
        "occlusions": {"eye_occluded": None, "forehead_occluded": None, "mouth_occluded": None},
        "features": {"eyes_open": None, "smile": None, "mouth_open": None},
    }


def faces_output(resp: dict[str, Any], size: tuple[int, int] | None) -> dict[str, Any]:
    return {"items": [_face(f, size) for f in resp.get("faceAnnotations") or [] if isinstance(f, dict)]}


# --- image/explicit_content -----------------------------------------------------------------------

# SafeSearch fields -> (label, category, subcategory) of the moderation taxonomy.
SAFE_SEARCH = (
    ("adult", "Adult", "Sexual", "Sexual"),
    ("racy", "Racy", "Sexual", "Suggestive"),
    ("violence", "Violence", "Violence", "GraphicViolenceOrGore"),
    ("medical", "Medical", "Content", "Medical"),
    ("spoof", "Spoof", "Other", "Spoof"),
)
NSFW_FIELDS = ("adult", "racy", "violence", "medical")  # spoof (a meme edit) is not unsafe content


def explicit_output(resp: dict[str, Any]) -> dict[str, Any]:
    found = resp.get("safeSearchAnnotation") or {}
    items = []
    levels: list[int] = []
    for field, label, category, subcategory in SAFE_SEARCH:
        level = likelihood(found.get(field))
        if level is None:
            continue
        if field in NSFW_FIELDS:
            levels.append(level)
        items.append(
            {
                "label": label,
                "likelihood": level,
                "likelihood_score": likelihood_score(level),
                "category": category,
                "subcategory": subcategory,
            }
        )
    top = max(levels) if levels else None
    return {"nsfw_likelihood": top, "nsfw_likelihood_score": likelihood_score(top), "items": items}


# --- image/landmark_detection, image/logo_detection -----------------------------------------------


def _xy(points: list[tuple[float, float]]) -> list[dict[str, float]]:
    return [{"x": x, "y": y} for x, y in points]


def landmarks_output(resp: dict[str, Any]) -> dict[str, Any]:
    items = []
    for mark in resp.get("landmarkAnnotations") or []:
        locations = []
        for loc in mark.get("locations") or []:
            ll = (loc or {}).get("latLng") or {}
            locations.append(
                {"lat_lng": {"latitude": num(ll.get("latitude")), "longitude": num(ll.get("longitude"))}}
            )
        items.append(
            {
                "description": mark.get("description"),
                "confidence": num(mark.get("score")),
                "bounding_box": _xy(_vertices(mark.get("boundingPoly"))),
                "locations": locations,
            }
        )
    return {"items": items}


def logos_output(resp: dict[str, Any]) -> dict[str, Any]:
    items = [
        {
            "description": logo.get("description"),
            "score": num(logo.get("score")),
            "bounding_poly": {"vertices": _xy(_vertices(logo.get("boundingPoly")))},
        }
        for logo in resp.get("logoAnnotations") or []
    ]
    return {"items": items}


# --- ocr/ocr --------------------------------------------------------------------------------------


def _word_text(word: dict[str, Any]) -> str:
    return "".join(str(s.get("text", "")) for s in word.get("symbols") or [])


def ocr_output(pages: list[dict[str, Any]]) -> dict[str, Any]:
    """Word boxes from fullTextAnnotation: pixels for images; for PDFs, points with the pages stacked
    top to bottom (Vision gives PDF words normalised and the page size in points)."""
    texts: list[str] = []
    boxes: list[dict[str, Any]] = []
    offset = 0.0
    for resp in pages:
        full = resp.get("fullTextAnnotation") or {}
        if full.get("text"):
            texts.append(str(full["text"]).strip())
        for page in full.get("pages") or []:
            pw, ph = num(page.get("width")) or 0.0, num(page.get("height")) or 0.0
            for block in page.get("blocks") or []:
                for para in block.get("paragraphs") or []:
                    for word in para.get("words") or []:
                        points = _vertices(word.get("boundingBox")) or [
                            (x * pw, y * ph) for x, y in _normalized(word.get("boundingBox"))
                        ]
                        if not points:
                            continue
                        xs, ys = [p[0] for p in points], [p[1] for p in points]
                        boxes.append(
                            {
                                "text": _word_text(word),
                                "left": min(xs),
                                "top": min(ys) + offset,
                                "width": max(xs) - min(xs),
                                "height": max(ys) - min(ys),
                            }
                        )
            offset += ph
    return {"text": "\n".join(t for t in texts if t), "bounding_boxes": boxes}


async def run_ocr(input: Any, ctx: CallContext) -> ProviderResult:
    loaded = await load_file(input, ctx)
    feature = _feature(OCR_MODELS.get(ctx.model, "TEXT_DETECTION"), None)
    context = {"languageHints": [input.language]} if getattr(input, "language", None) else None
    if loaded.mime in FILE_MIME_TYPES:
        pages = await annotate_file(ctx, loaded, feature, context)
    else:
        pages = [await annotate_image(ctx, loaded, feature, context)]
    # Vision bills each page of a file as one image; an image is one page.
    return ProviderResult(output=ocr_output(pages), raw=pages, usage={"page": max(1, len(pages))})


# --- offers ---------------------------------------------------------------------------------------

Normalize = Callable[[dict[str, Any], LoadedFile], dict[str, Any]]


def _image_run(kind: str, normalize: Normalize) -> Callable[[Any, CallContext], Awaitable[ProviderResult]]:
    async def run(input: Any, ctx: CallContext) -> ProviderResult:
        loaded = await load_file(input, ctx)
        resp = await annotate_image(ctx, loaded, _feature(kind, ctx.model))
        return ProviderResult(output=normalize(resp, loaded), raw=resp, usage={"request": 1})

    return run


IMAGE_CONSTRAINTS = Constraints(mime_types=IMAGE_MIME_TYPES, max_file_bytes=MAX_IMAGE_BYTES)
_IMAGE_FEATURES: tuple[tuple[str, str, Normalize, str], ...] = (
    ("image/object_detection", "OBJECT_LOCALIZATION", lambda r, f: objects_output(r),
     "Object localization: up to 50 objects, boxes normalised 0-1, confidence 0-1."),
    ("image/face_detection", "FACE_DETECTION", lambda r, f: faces_output(r, image_size(f.data)),
     "Face detection: landmarks and boxes normalised 0-1 (image size read from the file header); "
     "emotions are Google's likelihoods on a 1-5 scale; blur and headwear are likelihoods as 0-1 scores. "
     "No age or gender."),
    ("image/explicit_content", "SAFE_SEARCH_DETECTION", lambda r, f: explicit_output(r),
     "SafeSearch: adult, racy, violence, medical and spoof likelihoods (1-5, score = (likelihood-1)/4); "
     "nsfw_likelihood is the highest of adult, racy, violence and medical."),
    ("image/landmark_detection", "LANDMARK_DETECTION", lambda r, f: landmarks_output(r),
     "Landmark detection: name, confidence, box in pixels and coordinates."),
    ("image/logo_detection", "LOGO_DETECTION", lambda r, f: logos_output(r),
     "Logo detection: name, score and box in pixels."),
)  # fmt: skip


def offers() -> list[Offer]:
    found = [
        Offer(
            subfeature=sub,
            models=tuple(spec(sub, m, f"Vision feature model {m}") for m in MODELS),
            default_model=MODELS[0],
            constraints=IMAGE_CONSTRAINTS,
            run=_image_run(kind, normalize),
            notes=f"Cloud Vision API v1 images:annotate, {kind}. {notes}",
        )
        for sub, kind, normalize, notes in _IMAGE_FEATURES
    ]
    found.append(
        Offer(
            subfeature="ocr/ocr",
            models=tuple(spec("ocr/ocr", m, f"Vision {kind}") for m, kind in OCR_MODELS.items()),
            default_model="text-detection",
            constraints=Constraints(
                mime_types=IMAGE_MIME_TYPES | FILE_MIME_TYPES,
                max_file_bytes=MAX_IMAGE_BYTES,
                max_pages=MAX_FILE_PAGES,
            ),
            run=run_ocr,
            notes="Cloud Vision API v1: images:annotate for images, files:annotate for PDF/TIFF (up to "
            f"{MAX_FILE_PAGES} pages). One box per word, in pixels (PDF: points, pages stacked). "
            "`language` is sent as a language hint. Model text-detection (sparse text) or "
            "document-text-detection (dense text, handwriting).",
        )
    )
    return found
