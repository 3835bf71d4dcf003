"""image/face_detection with OpenCV's Haar cascades (frontal face alt2, eyes), bundled in the
opencv-python-headless 4.x wheel.

Why not MediaPipe's BlazeFace (more accurate, keypoints): MediaPipe 0.10.21, the last wheel with its
models inside, pins numpy<2 while the other local models pin numpy 2.4.6, so it could never be
installed or tested beside them. OpenCV 5 dropped the cascades: opencv-python-headless stays < 5.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput
from unigate.providers.local.models import LazyModel
from unigate.providers.local.pages import IMAGE_MIME_TYPES, load_pages

if TYPE_CHECKING:
    import numpy as np

EXTRA = "local-vision"
REQUIRES = ("cv2", "numpy", "PIL")

MODEL = "opencv-haar-frontalface"
MAX_FILE_BYTES = 20 * 1024 * 1024
DETECT_SIDE = 1280  # images are shrunk to this longest side first: time grows with the pixels
MIN_FACE_PX = 24


class Cascades:
    def __init__(self) -> None:
        import cv2

        root = cv2.data.haarcascades  # type: ignore[attr-defined]
        self.face = cv2.CascadeClassifier(root + "haarcascade_frontalface_alt2.xml")
        self.eye = cv2.CascadeClassifier(root + "haarcascade_eye.xml")
        if self.face.empty() or self.eye.empty():
            raise RuntimeError(f"OpenCV's Haar cascades are missing from {root} (OpenCV 5 has none)")
        # A CascadeClassifier is not safe to share between threads: one call at a time.
        self.lock = threading.Lock()


def _load() -> Cascades:
    return Cascades()


CASCADES: LazyModel[Cascades] = LazyModel(MODEL, _load)


def _confidence(level_weight: float) -> float:
    """The cascade's last-stage score squashed to 0-1 (a ranking, not a calibrated probability)."""
    return round(1.0 - math.exp(-max(level_weight, 0.0) / 20.0), 4)


def _eyes(cascades: Cascades, gray: np.ndarray, face: tuple[int, int, int, int]) -> list[tuple[float, float]]:
    """Centres of the two eyes in the upper part of the face, left to right in the image."""
    x, y, w, h = face
    roi = gray[y : y + int(h * 0.6), x : x + w]
    found = cascades.eye.detectMultiScale(roi, scaleFactor=1.1, minNeighbors=3, minSize=(w // 8, w // 8))
    centres = [(float(x + ex + ew / 2), float(y + ey + eh / 2)) for ex, ey, ew, eh in found]
    left = [c for c in centres if c[0] < x + w / 2]
    right = [c for c in centres if c[0] >= x + w / 2]
    if not left or not right:
        return []
    # The eye nearest the vertical middle of each half (eyebrows and glasses also match).
    pick = [min(side, key=lambda c: abs(c[1] - (y + h * 0.38))) for side in (left, right)]
    return pick


def detect(data: bytes, mime: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Blocking: the face items (spec shape) and a small raw report."""
    import cv2

    from unigate.catalog.schemas.image import FaceDetectionItem

    page = next(load_pages(data, mime, 1))
    width, height = page.width, page.height
    scale = min(1.0, DETECT_SIDE / max(width, height))
    pixels = page.pixels
    if scale < 1.0:
        pixels = cv2.resize(
            pixels, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA
        )
    gray = cv2.equalizeHist(cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY))
    cascades = CASCADES.get()
    with cascades.lock:
        faces, _levels, weights = cascades.face.detectMultiScale3(
            gray,
            scaleFactor=1.1,
            minNeighbors=5,
            minSize=(MIN_FACE_PX, MIN_FACE_PX),
            outputRejectLevels=True,
        )
        found = []
        for (x, y, w, h), weight in zip(faces, weights, strict=True):
            box = (int(x), int(y), int(w), int(h))
            found.append((box, float(weight), _eyes(cascades, gray, box)))
    items = []
    sx, sy = 1.0 / (gray.shape[1]), 1.0 / (gray.shape[0])  # scaled pixels -> 0-1 of the image
    for (x, y, w, h), weight, eyes in sorted(found, key=lambda f: -f[1]):
        item = FaceDetectionItem().model_dump()
        item["confidence"] = _confidence(weight)
        item["bounding_box"] = {
            "x_min": round(x * sx, 6),
            "x_max": round((x + w) * sx, 6),
            "y_min": round(y * sy, 6),
            "y_max": round((y + h) * sy, 6),
        }
        if eyes:
            item["landmarks"]["left_eye"] = [round(eyes[0][0] * sx, 6), round(eyes[0][1] * sy, 6)]
            item["landmarks"]["right_eye"] = [round(eyes[1][0] * sx, 6), round(eyes[1][1] * sy, 6)]
        items.append(item)
    raw = {
        "model": MODEL,
        "width": width,
        "height": height,
        "faces": [{"box": list(b), "level_weight": round(wt, 3), "eyes": len(e)} for b, wt, e in found],
    }
    return items, raw


async def run(input: Any, ctx: CallContext) -> ProviderResult:
    ref = getattr(input, "file", None) or getattr(input, "file_url", None)
    if not ref:
        raise ProviderInvalidInput("file is required")
    loaded = await ctx.files(ref)
    items, raw = await ctx.run_blocking(detect, loaded.data, loaded.mime)
    return ProviderResult(output={"items": items}, raw=raw, usage={"image": 1})


def offers() -> tuple[Offer]:
    return (
        Offer(
            subfeature="image/face_detection",
            models=(
                ModelSpec(
                    MODEL,
                    memory_mb=60,
                    description="OpenCV Haar cascades (Viola-Jones): frontal faces, then eyes inside each",
                ),
            ),
            default_model=MODEL,
            constraints=Constraints(mime_types=IMAGE_MIME_TYPES, max_file_bytes=MAX_FILE_BYTES),
            run=run,
            compute="cpu",
            notes="Runs on this server's CPU (about 0.1-1 s an image). Classic Viola-Jones detector: "
            "frontal, upright faces of at least ~2% of the image; profiles and tilted faces are missed. "
            "Gives the box and, when found, left_eye/right_eye (left = image left); every other "
            "landmark and attribute (emotions, age, pose...) is empty. confidence is the cascade "
            "score squashed to 0-1, a ranking rather than a probability.",
        ),
    )
