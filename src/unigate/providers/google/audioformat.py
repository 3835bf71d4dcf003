"""What Speech-to-Text v1 must be told about an audio file, read from its header.

WAV and FLAC carry their encoding and sample rate, which the API then reads itself; MP3, Ogg Opus
and WebM Opus need `encoding` and `sampleRateHertz`. MP3 is only accepted by v1p1beta1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from unigate.providers.errors import UnsupportedFormat

OPUS_RATES = (8000, 12000, 16000, 24000, 48000)  # the rates OGG_OPUS accepts
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


@dataclass(frozen=True, slots=True)
class AudioFormat:
    api: str  # "v1", or "v1p1beta1" for MP3
    config: dict[str, Any]  # encoding / sampleRateHertz fields of the RecognitionConfig


def _mp3_rate(data: bytes) -> int | None:
    i = 0
    if data[:3] == b"ID3" and len(data) >= 10:  # skip an ID3v2 tag (its size is "syncsafe": 7 bits/byte)
        size = (data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | (data[9] & 0x7F)
        i = 10 + size
    end = min(len(data) - 2, i + 64 * 1024)
    while i < end:
        b1, b2 = data[i + 1], data[i + 2]
        if data[i] == 0xFF and b1 & 0xE0 == 0xE0:
            version, rate_index = (b1 >> 3) & 3, (b2 >> 2) & 3
            if version in _MP3_RATES and rate_index < 3 and (b1 >> 1) & 3 == 1:  # layer III
                return _MP3_RATES[version][rate_index]
        i += 1
    return None


def _opus_rate(data: bytes) -> int:
    at = data.find(b"OpusHead", 0, 512)
    if at >= 0 and len(data) >= at + 16:
        rate = int.from_bytes(data[at + 12 : at + 16], "little")  # the original input sample rate
        if rate in OPUS_RATES:
            return rate
    return 48000  # Opus decodes at 48 kHz whatever the input rate was


def audio_format(data: bytes, mime: str) -> AudioFormat:
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return AudioFormat("v1", {})
    if data[:4] == b"fLaC":
        return AudioFormat("v1", {})
    if data[:4] == b"OggS" and b"OpusHead" in data[:512]:
        return AudioFormat("v1", {"encoding": "OGG_OPUS", "sampleRateHertz": _opus_rate(data)})
    if data[:4] == b"\x1a\x45\xdf\xa3":  # EBML: WebM (Opus is what the API accepts in it)
        return AudioFormat("v1", {"encoding": "WEBM_OPUS", "sampleRateHertz": 48000})
    if (
        data[:3] == b"ID3"
        or mime == "audio/mpeg"
        or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)
    ):
        rate = _mp3_rate(data)
        if rate is not None:
            return AudioFormat("v1p1beta1", {"encoding": "MP3", "sampleRateHertz": rate})
    raise UnsupportedFormat(
        f"Speech-to-Text cannot read this audio ({mime}): use WAV, FLAC, MP3, Ogg Opus or WebM Opus"
    )
