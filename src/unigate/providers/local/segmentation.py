"""image/background_removal with MediaPipe's selfie segmentation model (people only), run by LiteRT.

The .tflite file comes from the mediapipe 0.10.21 wheel (the last one with its models inside), which
is installed with --no-deps and never imported: its compiled modules need numpy<2, while LiteRT
(ai-edge-litert) runs the same model beside numpy 2.
"""

from __future__ import annotations

import base64
import io
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unigate.providers.base import Artifact, CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput, ProviderUnavailable
from unigate.providers.local.models import LazyModel, threads
from unigate.providers.local.pages import IMAGE_MIME_TYPES, load_pages

if TYPE_CHECKING:
    import numpy as np

EXTRA = "local-segmentation"
REQUIRES = ("ai_edge_litert", "mediapipe", "numpy", "PIL")

MODEL = "mediapipe-selfie-segmentation"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 25_000_000  # the answer is a PNG of the same size, base64-encoded in the JSON
SIDE = 256  # the model's square input
# Mask values between these fade from transparent to opaque: a soft edge instead of a jagged one.
EDGE_LOW, EDGE_HIGH = 0.35, 0.65


def model_path() -> Path:
    """The model inside the installed mediapipe package, found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("mediapipe")
    roots = list(spec.submodule_search_locations or []) if spec else []
    for root in roots:
        path = Path(root) / "modules" / "selfie_segmentation" / "selfie_segmentation.tflite"
        if path.is_file():
            return path
    raise ProviderUnavailable(
        "mediapipe's selfie_segmentation.tflite was not found: pip install --no-deps mediapipe==0.10.21"
    )


class Segmenter:
    def __init__(self) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_path=str(model_path()), num_threads=threads())
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]["index"]
        self.output = self.interpreter.get_output_details()[0]["index"]
        self.lock = threading.Lock()  # an interpreter runs one call at a time

    def mask(self, rgb: np.ndarray) -> np.ndarray:
        """Person probability (0-1, float32) for each pixel of an RGB uint8 image."""
        import numpy as np
        from PIL import Image

        small = Image.fromarray(rgb).resize((SIDE, SIDE), Image.Resampling.BILINEAR)
        batch = (np.asarray(small, dtype=np.float32) / 255.0)[np.newaxis]
        with self.lock:
            self.interpreter.set_tensor(self.input, batch)
            self.interpreter.invoke()
            out = self.interpreter.get_tensor(self.output)[0, :, :, 0].copy()
        full = Image.fromarray(out.astype(np.float32)).resize(
            (rgb.shape[1], rgb.shape[0]), Image.Resampling.BILINEAR
        )
        mask: np.ndarray = np.asarray(full, dtype=np.float32)
        return mask


SEGMENTER: LazyModel[Segmenter] = LazyModel(MODEL, Segmenter)


def cut_out(data: bytes, mime: str) -> tuple[bytes, dict[str, Any]]:
    """Blocking: (PNG, raw): the image as a PNG whose alpha keeps the people only."""
    import numpy as np
    from PIL import Image

    page = next(load_pages(data, mime, 1))
    if page.width * page.height > MAX_PIXELS:
        raise ProviderInvalidInput(
            f"the image has {page.width}x{page.height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels"
        )
    rgb = np.ascontiguousarray(page.pixels[:, :, ::-1])
    mask = SEGMENTER.get().mask(rgb)
    alpha = np.clip((mask - EDGE_LOW) / (EDGE_HIGH - EDGE_LOW), 0.0, 1.0)
    rgba = np.dstack([rgb, (alpha * 255).round().astype(np.uint8)])
    buf = io.BytesIO()
    # Fastest zlib level: level 6 took 222 ms of a 290 ms call for a 512x512 cut-out (bench/local_gateway).
    Image.fromarray(rgba).save(buf, "PNG", optimize=False, compress_level=1)
    raw = {
        "model": MODEL,
        "width": page.width,
        "height": page.height,
        "foreground_fraction": round(float((mask >= 0.5).mean()), 4),
    }
    return buf.getvalue(), raw


def remove_background(data: bytes, mime: str) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    """Blocking: (output, raw, PNG). The PNG is also returned as bytes, for the artifact: decoding
    the base64 again on the event loop cost ~1 ms per call."""
    png, raw = cut_out(data, mime)
    output = {"image_b64": base64.b64encode(png).decode("ascii"), "image_resource_url": None}
    return output, raw, png


async def run(input: Any, ctx: CallContext) -> ProviderResult:
    ref = getattr(input, "file", None) or getattr(input, "file_url", None)
    if not ref:
        raise ProviderInvalidInput("file is required")
    loaded = await ctx.files(ref)
    output, raw, data = await ctx.run_blocking(remove_background, loaded.data, loaded.mime)
    png = Artifact(data, "image/png", "background-removed.png")
    return ProviderResult(output=output, raw=raw, usage={"image": 1}, artifacts={"image_resource_url": png})


def offers() -> tuple[Offer]:
    return (
        Offer(
            subfeature="image/background_removal",
            models=(
                ModelSpec(
                    MODEL,
                    memory_mb=60,
                    description="MediaPipe selfie segmentation (256x256, LiteRT): separates people from "
                    "the background",
                ),
            ),
            default_model=MODEL,
            constraints=Constraints(mime_types=IMAGE_MIME_TYPES, max_file_bytes=MAX_FILE_BYTES),
            run=run,
            compute="cpu",
            notes="PEOPLE ONLY: the model keeps persons (portraits, selfies, people in a scene) and is "
            "not meant for products, animals or objects (a cat may be kept or cut at random). Runs "
            "on this server's CPU (tens of ms). Returns a PNG (RGBA, the input's size) in image_b64 "
            "with the background transparent and soft edges; image_resource_url links to the stored PNG.",
        ),
    )
