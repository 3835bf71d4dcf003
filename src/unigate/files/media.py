"""Duration of audio and video files, read from their headers (tinytag, pure Python, MIT)."""

from __future__ import annotations

import io


def media_duration(data: bytes, mime: str) -> float | None:
    """Seconds of audio/video in `data`, or None when the type has no duration or cannot be read."""
    if not mime.startswith(("audio/", "video/")):
        return None
    from tinytag import TinyTag

    try:
        duration = TinyTag.get(file_obj=io.BytesIO(data)).duration
    except Exception:  # tinytag raises its own errors on truncated or unknown containers
        return None
    return float(duration) if duration else None
