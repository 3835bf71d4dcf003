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
import resource
import statistics
import time
from typing import Any


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


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

    base = _rss_mb()
    started = time.perf_counter()
    image_embeddings.NET.get()
    load_s = time.perf_counter() - started
    loaded = _rss_mb()
    jpeg = _photo_like((1280, 960))
    started = time.perf_counter()
    image_embeddings.embed(jpeg)
    first_s = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        image_embeddings.embed(jpeg)
        times.append(time.perf_counter() - started)
    return {
        "model": image_embeddings.MODEL,
        "threads": image_embeddings.threads(),
        "call": "one 1280x960 JPEG (decode, resize, crop, forward)",
        "load_s": round(load_s, 2),
        "first_call_s": round(first_s, 3),
        "latency_s": round(statistics.median(times), 4),
        "rss_base_mb": round(base),
        "rss_loaded_delta_mb": round(loaded - base),
        "rss_after_use_delta_mb": round(_rss_mb() - base),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
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
