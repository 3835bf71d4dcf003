"""Input and output models of every subfeature; importing this package registers them all."""

from unigate.catalog.schemas import audio, image, llm, multimodal, ocr, text, translation, video

__all__ = ["audio", "image", "llm", "multimodal", "ocr", "text", "translation", "video"]
