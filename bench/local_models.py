"""Load time, resident memory and latency of each local model, each in a fresh process.

    PYTHONPATH=src python -m bench.local_models [--threads N] [--runs 3]

Memory is the RSS growth from "provider imported" to "model loaded and used once" (the figure
behind each ModelSpec.memory_mb), plus the peak RSS of the process. Inputs are made here.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.procstats import load_then_time

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("embeddings", "langdetect", "ocr-image", "ocr-page", "speech")


def _text_png(size: tuple[int, int], lines: int, font_size: int) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=font_size)
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    for i in range(lines):
        line = f"Line {i}: the quick brown fox, invoice 48213."
        draw.text((60, 60 + i * int(font_size * 2.1)), line, font=font, fill="black")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _case(name: str) -> tuple[Any, Any, str]:
    """(module's lazy model, a blocking call to time, what one call does)."""
    from unigate.providers.local import embeddings, langdetect, ocr, speech

    if name == "embeddings":
        texts = [f"Sentence number {i} about eating bread and the stock market." for i in range(32)]
        return embeddings.ENCODER, lambda: embeddings.embed(texts), "batch of 32 sentences"
    if name == "langdetect":
        sentence = "Nous allons au marché ce matin."
        return langdetect.DETECTOR, lambda: langdetect.detect(sentence), "one sentence"
    if name == "ocr-image":
        png = _text_png((900, 260), 2, 40)
        return ocr.ENGINE, lambda: ocr.ocr_document(png, "image/png", 1, None), "900x260 image, 2 lines"
    if name == "ocr-page":
        png = _text_png((1654, 2339), 30, 30)  # an A4 page at 200 dpi, 30 lines of text
        return ocr.ENGINE, lambda: ocr.ocr_document(png, "image/png", 1, None), "A4 page at 200 dpi, 30 lines"
    if name == "speech":
        wav = (ROOT / "tests" / "data" / "speech_fox.wav").read_bytes()
        return speech.WHISPER, lambda: speech.transcribe(wav, None), "4.9 s of speech"
    raise SystemExit(f"unknown model {name}")


def measure(name: str, runs: int) -> dict[str, Any]:
    import unigate.providers.local  # noqa: F401  (the baseline includes the provider itself)

    lazy, call, what = _case(name)
    return {"model": name, "call": what, **load_then_time(lazy.get, call, runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", choices=MODELS, help=argparse.SUPPRESS)  # child process mode
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.runs)))
        return
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    if args.threads:
        env["UNIGATE_LOCAL_THREADS"] = str(args.threads)
    print(f"cores: {os.cpu_count()}, threads: {args.threads or 'all'}", file=sys.stderr)
    for name in MODELS:
        cmd = [sys.executable, "-m", "bench.local_models", "--one", name, "--runs", str(args.runs)]
        out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
