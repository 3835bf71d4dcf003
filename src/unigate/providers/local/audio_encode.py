"""Turn a synthesiser's 16-bit mono WAV into the requested format and sampling rate (PyAV/FFmpeg)."""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass

from unigate.providers.errors import ProviderInvalidInput

MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
# format -> (container, codec, the sampling rates the codec accepts or None for any)
FORMATS: dict[str, tuple[str, str, tuple[int, ...] | None]] = {
    "mp3": ("mp3", "libmp3lame", MP3_RATES),
    "wav": ("wav", "pcm_s16le", None),
    "flac": ("flac", "flac", None),
    "ogg": ("ogg", "libopus", OPUS_RATES),  # Ogg Opus: the Ogg codec FFmpeg encodes well
    "opus": ("ogg", "libopus", OPUS_RATES),
}
MIN_RATE, MAX_RATE = 8000, 96000


@dataclass(frozen=True)
class Encoded:
    data: bytes
    format: str
    sample_rate: int
    duration_s: float


def normalise_format(audio_format: str | None) -> str:
    fmt = (audio_format or "mp3").strip().lower().lstrip(".")
    fmt = {"mpeg": "mp3", "wave": "wav", "x-wav": "wav", "oga": "ogg"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise ProviderInvalidInput(
            f"audio_format {audio_format!r} is not supported; use one of {', '.join(sorted(FORMATS))}"
        )
    return fmt


def target_rate(fmt: str, native: int, wanted: int | None) -> int:
    allowed = FORMATS[fmt][2]
    if wanted is None:
        if allowed is None or native in allowed:
            return native
        return max(allowed)  # Opus has no 22,050 Hz: upsample to 48 kHz
    if allowed is not None and wanted not in allowed:
        raise ProviderInvalidInput(
            f"sampling_rate {wanted} is not possible in {fmt}; use one of {', '.join(map(str, allowed))}"
        )
    if not MIN_RATE <= wanted <= MAX_RATE:
        raise ProviderInvalidInput(f"sampling_rate must be between {MIN_RATE} and {MAX_RATE} Hz")
    return wanted


def encode(wav: bytes, audio_format: str | None, sampling_rate: int | None, gain: float = 1.0) -> Encoded:
    """Blocking: re-encode 16-bit mono WAV bytes, scaling the volume by `gain`."""
    import av
    import numpy as np

    fmt = normalise_format(audio_format)
    with wave.open(io.BytesIO(wav)) as w:
        native, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    if width != 2 or channels != 1:
        raise ProviderInvalidInput(f"unexpected synthesiser output: {channels} channel(s) of {width} bytes")
    if gain != 1.0:
        pcm = np.clip(pcm.astype(np.float32) * gain, -32768, 32767).astype("<i2")
    rate = target_rate(fmt, native, sampling_rate)
    container, codec, _ = FORMATS[fmt]
    buf = io.BytesIO()
    with av.open(buf, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        assert isinstance(stream, av.audio.stream.AudioStream)
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=rate)
        mono = np.ascontiguousarray(pcm).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(mono, format="s16", layout="mono")
        frame.sample_rate = native
        frames = [*resampler.resample(frame), *resampler.resample(None)]
        for f in [*frames, None]:
            for packet in stream.encode(f):
                out.mux(packet)
    return Encoded(buf.getvalue(), fmt, rate, round(len(pcm) / native, 3))
