"""Azure AI Vision: Image Analysis 4.0 (API 2024-02-01) for ocr/ocr (`read`) and
image/object_detection (`objects`), and Analyze Image v3.2 (`visualFeatures=Adult`) for
image/explicit_content, whose second model is Content Safety.

POST {endpoint}/computervision/imageanalysis:analyze?api-version=2024-02-01&features=read with the
image bytes answers {metadata: {width, height}, readResult: {blocks: [{lines: [{text,
boundingPolygon: [{x, y}], words: [{text, boundingPolygon, confidence}]}]}]}, objectsResult:
{values: [{boundingBox: {x, y, w, h}, tags: [{name, confidence}]}]}} (pixels).
References: https://learn.microsoft.com/en-us/rest/api/computervision/image-analysis/analyze-image?view=rest-computervision-2024-02-01
https://learn.microsoft.com/en-us/rest/api/computervision/analyze-image/analyze-image?view=rest-computervision-v3.2
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from unigate.providers.base import CallContext, Constraints, Offer, ProviderResult
from unigate.providers.microsoft import azure, config, content_safety, documents
from unigate.providers.microsoft.document_ocr import page_count, to_ocr
from unigate.providers.microsoft.pricing import model

IA_VERSION = "2024-02-01"
ENDPOINT = "AZURE_VISION_ENDPOINT"
KEY = "AZURE_VISION_KEY"
IA_MODEL = "image-analysis-4.0"
V32_MODEL = "vision-v3.2"
IA_MIME_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/bmp", "image/webp", "image/tiff", "image/x-icon"}
)
IA_MAX_BYTES = 20 * 1024 * 1024
V32_MIME_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/bmp"})
V32_MAX_BYTES = 4 * 1024 * 1024


def _base(ctx: CallContext) -> str:
    return config.endpoint(ctx, ENDPOINT)


async def _analyze(ctx: CallContext, input: Any, path: str, params: Mapping[str, str]) -> dict[str, Any]:
    config.require(ctx, config.VISION)
    loaded = await ctx.files(input.file)
    result = await azure.request(
        ctx, "POST", f"{_base(ctx)}{path}", key_name=KEY, params=params,
        headers={"Content-Type": "application/octet-stream"}, data=loaded.data,
    )  # fmt: skip
    return azure.json_object(result)


async def image_analysis(ctx: CallContext, input: Any, feature: str) -> dict[str, Any]:
    params = {"api-version": IA_VERSION, "features": feature}
    return await _analyze(ctx, input, "/computervision/imageanalysis:analyze", params)


def _polygon_bounds(points: Sequence[Mapping[str, Any]]) -> tuple[float, float, float, float]:
    xs = [float(p.get("x") or 0) for p in points]
    ys = [float(p.get("y") or 0) for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def read_output(answer: Mapping[str, Any]) -> dict[str, Any]:
    lines = [
        line
        for block in (answer.get("readResult") or {}).get("blocks") or ()
        for line in block.get("lines") or ()
    ]
    boxes = []
    for line in lines:
        points = line.get("boundingPolygon") or []
        if not points:
            continue
        left, top, right, bottom = _polygon_bounds(points)
        boxes.append(
            {
                "text": line.get("text"),
                "left": left,
                "top": top,
                "width": right - left,
                "height": bottom - top,
            }
        )
    return {"text": "\n".join(str(line.get("text") or "") for line in lines), "bounding_boxes": boxes}


def objects_output(answer: Mapping[str, Any]) -> dict[str, Any]:
    meta = answer.get("metadata") or {}
    width, height = float(meta.get("width") or 0), float(meta.get("height") or 0)
    items = []
    for obj in (answer.get("objectsResult") or {}).get("values") or ():
        tags = obj.get("tags") or [{}]
        box = obj.get("boundingBox") or {}
        x, y, w, h = (float(box.get(k) or 0) for k in ("x", "y", "w", "h"))
        known = width > 0 and height > 0 and bool(box)
        items.append(
            {
                "label": tags[0].get("name"),
                "confidence": tags[0].get("confidence"),
                "x_min": round(x / width, 6) if known else None,
                "x_max": round((x + w) / width, 6) if known else None,
                "y_min": round(y / height, 6) if known else None,
                "y_max": round((y + h) / height, 6) if known else None,
            }
        )
    return {"items": items}


def _likelihood(score: float) -> int:
    """A 0-1 score as a 1 (very unlikely) to 5 (very likely) likelihood, in fifths."""
    return min(5, 1 + int(score * 5))


# v3.2 Adult scores in the moderation taxonomy: (score key, label, category, subcategory).
_ADULT = (
    ("adultScore", "Adult", "Sexual", "Sexual"),
    ("racyScore", "Racy", "Sexual", "Suggestive"),
    ("goreScore", "Gore", "Violence", "GraphicViolenceOrGore"),
)


def adult_output(answer: Mapping[str, Any]) -> dict[str, Any]:
    adult = answer.get("adult") or {}
    items: list[dict[str, Any]] = [
        {
            "label": label,
            "likelihood": _likelihood(float(adult.get(key) or 0.0)),
            "likelihood_score": float(adult.get(key) or 0.0),
            "category": category,
            "subcategory": subcategory,
        }
        for key, label, category, subcategory in _ADULT
        if key in adult
    ]
    items.sort(key=lambda i: -i["likelihood_score"])
    return {
        "nsfw_likelihood": items[0]["likelihood"] if items else 1,
        "nsfw_likelihood_score": items[0]["likelihood_score"] if items else 0.0,
        "items": items,
    }


async def run_ocr(input: Any, ctx: CallContext) -> ProviderResult:
    if ctx.model == "prebuilt-read":  # Document Intelligence: PDFs too
        analyzed = await documents.analyze(input, ctx, "prebuilt-read")
        return ProviderResult(to_ocr(analyzed), analyzed, {"page": page_count(analyzed)})
    answer = await image_analysis(ctx, input, "read")
    return ProviderResult(read_output(answer), answer, {"request": 1})


async def run_objects(input: Any, ctx: CallContext) -> ProviderResult:
    answer = await image_analysis(ctx, input, "objects")
    return ProviderResult(objects_output(answer), answer, {"request": 1})


async def run_explicit(input: Any, ctx: CallContext) -> ProviderResult:
    if ctx.model == content_safety.MODEL:
        return await content_safety.run_image(input, ctx)
    answer = await _analyze(ctx, input, "/vision/v3.2/analyze", {"visualFeatures": "Adult"})
    return ProviderResult(adult_output(answer), answer, {"request": 1})


def offers() -> list[Offer]:
    ia_limits = Constraints(mime_types=IA_MIME_TYPES, max_file_bytes=IA_MAX_BYTES)
    di_limits = Constraints(
        mime_types=documents.PDF_AND_IMAGES,
        max_file_bytes=documents.MAX_FILE_BYTES,
        max_pages=documents.MAX_PAGES,
    )
    return [
        Offer(
            subfeature="ocr/ocr",
            models=(
                model("ocr/ocr", IA_MODEL, "Azure AI Vision Image Analysis 4.0 Read (images)", ia_limits),
                model(
                    "ocr/ocr",
                    "prebuilt-read",
                    "Document Intelligence prebuilt-read (PDFs and images)",
                    di_limits,
                ),
            ),
            default_model=IA_MODEL,
            constraints=ia_limits,
            run=run_ocr,
            notes="`image-analysis-4.0` (default): Azure AI Vision Image Analysis 4.0 `read` on one image "
            "(JPEG, PNG, GIF, BMP, WEBP, TIFF, ICO up to 20 MB), billed per image; boxes are lines in "
            "pixels. `prebuilt-read`: Document Intelligence read on PDFs or images, billed per page; PDF "
            "boxes are in points with pages stacked top to bottom. The language is detected.",
            unavailable_reason=config.any_of(config.VISION, config.DOCUMENTS),
        ),
        Offer(
            subfeature="image/object_detection",
            models=(model("image/object_detection", IA_MODEL, "Azure AI Vision Image Analysis 4.0 objects"),),
            default_model=IA_MODEL,
            constraints=ia_limits,
            run=run_objects,
            notes="Azure AI Vision Image Analysis 4.0 `objects`: the best tag of each object, confidence "
            "0-1, box corners normalized to the image size. Billed per image.",
            unavailable_reason=config.VISION.missing,
        ),
        Offer(
            subfeature="image/explicit_content",
            models=(
                model(
                    "image/explicit_content",
                    V32_MODEL,
                    "Azure AI Vision Analyze Image v3.2 Adult (adult, racy, gore scores)",
                    Constraints(mime_types=V32_MIME_TYPES, max_file_bytes=V32_MAX_BYTES),
                ),
                model(
                    "image/explicit_content",
                    content_safety.MODEL,
                    "Azure AI Content Safety image analysis (hate, self-harm, sexual, violence)",
                    Constraints(
                        mime_types=content_safety.IMAGE_MIME_TYPES,
                        max_file_bytes=content_safety.MAX_IMAGE_BYTES,
                    ),
                ),
            ),
            default_model=V32_MODEL,
            constraints=Constraints(mime_types=V32_MIME_TYPES, max_file_bytes=V32_MAX_BYTES),
            run=run_explicit,
            notes="`vision-v3.2` (default): AI Vision v3.2 Adult, scores 0-1 with likelihood in fifths "
            "(Adult, Racy, Gore), billed per image. `content-safety`: AI Content Safety image:analyze "
            "(API 2024-09-01): Hate, SelfHarm, Sexual, Violence at severity 0/2/4/6, as likelihood "
            "1/2/4/5 and score severity / 6; billed per image. Each model needs its own resource.",
            unavailable_reason=config.any_of(config.VISION, config.CONTENT_SAFETY),
        ),
    ]
