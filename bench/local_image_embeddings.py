"""MobileNetV2 image embeddings on torch: load time, latency per image, resident memory.

    PYTHONPATH=src python -m bench.local_image_embeddings [--threads N] [--runs 10]

Run in a fresh process. Load time includes importing torch; memory is the RSS growth from
"provider imported" to "model loaded and used", the figure behind the offer's memory_mb.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
from typing import Any

from bench.procstats import load_then_time


def _photo_like(size: tuple[int, int]) -> bytes:
    from PIL import Image, ImageDraw

    rng = random.Random(0)
    img = Image.new("RGB", size, (90, 140, 200))
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x, y, x + rng.randrange(20, 300), y + rng.randrange(20, 300)), fill=colour)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def measure(runs: int) -> dict[str, Any]:
    from unigate.providers.local import image_embeddings

    jpeg = _photo_like((1280, 960))
    return {
        "model": image_embeddings.MODEL,
        "threads": image_embeddings.threads(),
        "call": "one 1280x960 JPEG (decode, resize, crop, forward)",
        **load_then_time(image_embeddings.NET.get, lambda: image_embeddings.embed(jpeg), runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    if args.threads:
        os.environ["UNIGATE_LOCAL_THREADS"] = str(args.threads)
    print(json.dumps(measure(args.runs)))


if __name__ == "__main__":
    main()
