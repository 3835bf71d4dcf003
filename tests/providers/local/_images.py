"""Printed-text images and PDFs rendered with PIL's built-in font (no system font needed)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

PAGE_1 = ("Invoice No. 48213", "Total due: $1,234.56")
PAGE_2 = ("Shipping address", "42 Harbour Road")


def text_image(lines: tuple[str, ...], size: tuple[int, int] = (900, 260), mode: str = "RGB") -> Image.Image:
    font = ImageFont.load_default(size=40)
    background = (255, 255, 255, 0) if mode == "RGBA" else "white"
    img = Image.new(mode, size, background)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((40, 50 + i * 100), line, font=font, fill="black")
    return img


def encode(img: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def pdf(*pages: tuple[str, ...]) -> bytes:
    images = [text_image(lines) for lines in pages]
    return encode(images[0], "PDF", save_all=True, append_images=images[1:])


def squash(text: str) -> str:
    """Whitespace-normalised text, for comparing OCR output."""
    return " ".join(text.split())
